"""Render the book pages of chapters that are not reproduced yet (published values only).

Each page is ``notebooks/published_chapter.ipynb`` executed by papermill with the chapter's
parameters, written to ``<out_dir>/<slug>.ipynb`` with its outputs, ready for
``jupyter-book build`` (which does not execute notebooks). Re-run with
``python -m fragility_core.render_published [out_dir] [chapter ...]``.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat
import papermill

from .chapters_meta import chapter_meta

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = REPO_ROOT / "notebooks" / "published_chapter.ipynb"


def tidy_executed(path: Path, heading: str | None = None) -> None:
    """Hide the injected parameter cell (fixed id), drop the timing metadata papermill writes, so a
    re-run changes the file only if its content does, and (if given) put ``heading`` in the page-title cell."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if heading is not None and "page-title" in tags:
            cell.source = f"# {heading}"
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"   # papermill draws a random id
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def unreproduced() -> list[int]:
    """Chapters with no notebook of their own yet: their pages show the published values only."""
    from .cli import CHAPTER_NOTEBOOKS
    done = {int(key[2:]) for key in CHAPTER_NOTEBOOKS}
    return [c for c in range(1, 11) if c not in done]


def render_published_pages(out_dir: str | Path, chapters: Iterable[int] | None = None, *,
                           template: str | Path = TEMPLATE, kernel_name: str = "python3") -> list[Path]:
    """Execute the published-values template once per chapter; returns the pages written.

    The kernel runs in the repository root, so ``fragility_core`` imports from the source tree.
    """
    chapters = [chapter_meta(c).number for c in (unreproduced() if chapters is None else chapters)]  # validates
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for chapter in chapters:
        meta = chapter_meta(chapter)
        page = out_dir / f"{meta.slug}.ipynb"
        parameters = {"chapter": chapter, "title": meta.title}
        papermill.execute_notebook(str(template), str(page), parameters=parameters,
                                   kernel_name=kernel_name, cwd=str(REPO_ROOT), progress_bar=False)
        tidy_executed(page, f"Chapter {chapter}: {parameters['title']}")
        pages.append(page)
    return pages


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else REPO_ROOT / "book" / "chapters"
    chosen = [int(c) for c in sys.argv[2:]] or None
    for written in render_published_pages(out, chosen):
        print(written)
