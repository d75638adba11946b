"""The book: chapter pages executed with papermill, stale pages flagged, the site built with jupyter-book.

Only the published run of a chapter (profile ``paper``, the volume's seeds) writes ``book/chapters/``; every
other run's page goes under ``_build/notebooks/<run name>/``. A page is executed into a temporary file and moved
into place only when it completed, so an interrupted run never leaves a damaged page in the book.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from fragility_core.chapters import CHAPTERS, Chapter, reproduced_chapters
from fragility_core.runs import Run
from fragility_core.store import publish, remove_leftovers, temporary_path
from fragility_core.validate import check_writable_dir

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FLAG_TAG = "stale-flag"


ADDRESS = re.compile(r"at 0x[0-9a-f]+")   # an object's address in a repr (the same pattern nbval's sanitiser uses)


def tidy_executed(path: Path, heading: str | None = None) -> None:
    """Hide the injected parameter cell (fixed id), drop the timing metadata papermill writes and the object
    addresses of plain-text reprs (``<…Styler at 0x…>``), so a re-run changes the file only if its content does,
    and (if given) put ``heading`` in the page-title cell."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            plain = output.get("data", {}).get("text/plain")
            if isinstance(plain, str) and ADDRESS.search(plain):
                output["data"]["text/plain"] = ADDRESS.sub("at <ADDR>", plain)
        if heading is not None and "page-title" in tags:
            cell.source = f"# {heading}"
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"   # papermill draws a random id
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def execute(source: Path, target: Path, parameters: dict, *, progress: bool = False,
            heading: str | None = None) -> Path:
    """Execute ``source`` with papermill into ``target``, replacing it only once execution has finished.

    Every parameter must be declared by the notebook's ``parameters`` cell (papermill alone only warns).
    Temporary pages that killed runs left beside ``target`` are removed first.
    """
    import papermill  # imported late: bad parameters fail before the heavy import

    declared = set(papermill.inspect_notebook(str(source)))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)} for {source.name} (it declares "
                         f"{', '.join(sorted(declared))})")
    check_writable_dir("output_dir", target.parent)
    remove_leftovers(target.parent, suffixes=(".ipynb",))
    tmp = temporary_path(target, suffix=".ipynb")
    try:
        papermill.execute_notebook(str(source), str(tmp), cwd=str(ROOT), progress_bar=progress,
                                   kernel_name="python3", parameters=parameters)
        tidy_executed(tmp, heading)
        publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def page_dir(run: Run, root: Path = ROOT) -> Path:
    return root / "book" / "chapters" if run.is_published_run else root / "_build" / "notebooks" / run.name


def render_chapter(run: Run, *, output_dir: str | Path | None = None, progress: bool = False,
                   compute: bool = False) -> Path:
    """The chapter's page from its stored tables (``compute=True`` lets the kernel compute what is missing)."""
    target = Path(output_dir or page_dir(run)) / run.chapter.page
    results_dir = str(run.results_dir.resolve()) if run.results_dir.is_absolute() else str(run.results_dir)
    return execute(NOTEBOOKS / run.chapter.notebook, target,
                   dict(profile=run.profile, seeds=list(run.seeds), device=run.device, results_dir=results_dir,
                        progress=progress, compute=compute), progress=progress)


def render_published_page(chapter: Chapter, output_dir: str | Path | None = None) -> Path:
    """The page of a chapter not reproduced yet: its published values, from the data file."""
    target = Path(output_dir or ROOT / "book" / "chapters") / chapter.page
    return execute(NOTEBOOKS / "published_chapter.ipynb", target,
                   {"chapter": chapter.number, "title": chapter.title},
                   heading=f"Chapter {chapter.number}: {chapter.title}")


def render_scorecard(*, profile: str = "book", results_dir: str | Path = "results",
                     output_dir: str | Path | None = None) -> Path:
    """``profile="book"``: every chapter at its book profile (the published runs); any other name: that profile."""
    target = Path(output_dir or (ROOT / "book" if profile == "book" else ROOT / "_build" / "notebooks" / profile))
    results_dir = str(Path(results_dir).resolve()) if Path(results_dir).is_absolute() else str(results_dir)
    return execute(NOTEBOOKS / "scorecard.ipynb", target / "scorecard.ipynb",
                   dict(profile=profile, results_dir=results_dir))


# --- stale pages ------------------------------------------------------------------------------------
def _flag_cell(message: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(
        ":::{admonition} STALE — these numbers are not what the current code computes\n:class: danger\n"
        + message + "\n:::")
    cell.metadata["tags"] = [FLAG_TAG]
    cell.id = FLAG_TAG
    return cell


def flag_page(path: Path, message: str | None) -> bool:
    """Put (``message``) or remove (``None``) the stale flag at the top of an executed page; True if changed."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if FLAG_TAG not in c.metadata.get("tags", [])]
    if message is not None:
        first = 1 if cells and cells[0].cell_type == "markdown" and cells[0].source.startswith("#") else 0
        cells.insert(first, _flag_cell(message))
    if [c.source for c in cells] == [c.source for c in nb.cells]:
        return False
    nb.cells = cells
    nbformat.write(nb, path)
    return True


def stale_tables(run: Run) -> list[str]:
    """The tables of a page that are not fresh: the run's own, and those of its further seeds once computed
    (before, the page says they have not been computed and shows none of their numbers)."""
    tables = [f"{r.name} ({r.status})" for r in run.status() if r.status != "fresh"]
    fresh = run.fresh()
    if fresh is not None and fresh.index_path.exists():
        tables += [f"{r.name} on the further seeds ({r.status})" for r in fresh.status() if r.status != "fresh"]
    return tables


def flag_stale_pages(results_dir: str | Path = "results", root: Path = ROOT) -> dict[str, list[str]]:
    """Flag every committed chapter page whose stored tables are not fresh for the current code (and the
    scorecard if any is); unflag pages that are fresh again. Returns the stale tables per chapter."""
    stale = {}
    for chapter in reproduced_chapters():
        run = Run.of(chapter, results_dir=results_dir)   # its book profile
        page = root / "book" / "chapters" / chapter.page
        tables = stale_tables(run)
        if tables:
            stale[chapter.key] = tables
        if page.exists():
            flag_page(page, None if not tables else (
                "Tables of this chapter are not what the current code computes (stale: computed by an earlier "
                "version of the code; damaged: the file no longer matches its checksum; missing: never computed): "
                + ", ".join(tables) + ". Every number on this page that depends on them is out of date until the "
                "chapter is run again (`fragility run " + chapter.key + "`)."))
    card = root / "book" / "scorecard.ipynb"
    if card.exists() and (stale or FLAG_TAG in card.read_text()):
        # its per-chapter "results" column must say which are stale (or current again): execute it anew
        render_scorecard(profile="book", results_dir=Path(results_dir).resolve(), output_dir=card.parent)
    if card.exists():
        flag_page(card, None if not stale else (
            "The results of chapter(s) " + ", ".join(stale) + " are not what the current code computes; their "
            "counts below are out of date until they are run again."))
    return stale


def build(root: Path = ROOT, *, clean: bool = True, results_dir: str | Path = "results") -> int:
    """Flag stale pages, then ``jupyter-book build`` (warnings are errors) into ``_build/html``."""
    for key, tables in flag_stale_pages(results_dir, root).items():
        print(f"{key}: STALE for the current code ({', '.join(tables)}); its page is flagged", file=sys.stderr)
    if clean:
        shutil.rmtree(root / "_build" / "html", ignore_errors=True)
        shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(root), "-W", "-n", "--keep-going"]
    return subprocess.call(cmd)


def unreproduced() -> list[Chapter]:
    return [c for c in CHAPTERS.values() if not c.is_reproduced]
