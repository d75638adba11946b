"""The one registry of chapters: one module per chapter, each defining ``CHAPTER`` (interface: :mod:`.base`).

The command line, the notebooks, the scorecard, the benchmarks and the tests iterate :data:`CHAPTERS`;
nothing else lists chapters. Adding a chapter: a module here (and its name below), a notebook, a line in
``_toc.yml``.
"""
from __future__ import annotations

import importlib

from fragility_core.chapters.base import Chapter

CHAPTER_MODULES = tuple(f"ch{n:02d}" for n in range(1, 11))


def _load() -> dict[str, Chapter]:
    out = {}
    for name in CHAPTER_MODULES:
        chapter = importlib.import_module(f"fragility_core.chapters.{name}").CHAPTER
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
