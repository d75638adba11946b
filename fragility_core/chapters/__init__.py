"""The one registry of chapters: one module per chapter, each defining ``CHAPTER`` (interface: :mod:`.base`).

The command line, the notebooks, the scorecard, the benchmarks and the tests iterate :data:`CHAPTERS`;
nothing else lists chapters. Adding a chapter: a module ``chNN.py`` here (found by its name), a notebook, a
line in ``_toc.yml``.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from fragility_core.chapters.base import Chapter


def _load() -> dict[str, Chapter]:
    """Every ``chNN`` module of this package, in chapter order; its ``CHAPTER`` must carry its own number."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"ch\d\d", m.name))
    out = {}
    for name in names:
        chapter = importlib.import_module(f"{__name__}.{name}").CHAPTER
        if chapter.key != name:
            raise RuntimeError(f"{name}.CHAPTER has number {chapter.number}")
        out[chapter.key] = chapter
    return out


CHAPTERS: dict[str, Chapter] = _load()


def get_chapter(key: str | int) -> Chapter:
    """``"ch05"``, ``"5"`` or ``5``; an unknown chapter names the parameter and the choices."""
    k = f"ch{int(key):02d}" if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else key
    if k not in CHAPTERS:
        raise ValueError(f"chapter must be one of {', '.join(CHAPTERS)}; got {key!r}")
    return CHAPTERS[k]


def reproduced_chapters() -> list[Chapter]:
    return [c for c in CHAPTERS.values() if c.is_reproduced]
