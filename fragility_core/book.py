"""The book: chapter pages executed with papermill, stale pages flagged, the site built with jupyter-book.

Only the published run of a chapter (profile ``paper``, the volume's seeds) writes ``book/chapters/``; every
other run's page goes under ``_build/notebooks/<run name>/``. A page is executed into a temporary file and moved
into place only when it completed, so an interrupted run never leaves a damaged page in the book.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from fragility_core.chapters import CHAPTERS, Chapter
from fragility_core.runs import Run
from fragility_core.store import ResultStore, publish, reads, remove_leftovers, sha256_file, temporary_path, write_json
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
    log = temporary_path(target, suffix=".reads")
    before = os.environ.get(reads.ENV)
    os.environ[reads.ENV] = str(log)   # the kernel inherits it: every table it is served is noted there
    try:
        papermill.execute_notebook(str(source), str(tmp), cwd=str(ROOT), progress_bar=progress,
                                   kernel_name="python3", parameters=parameters)
        tidy_executed(tmp, heading)
        write_json(manifest_of(target), page_manifest(target, log.read_text().splitlines()))
        publish(tmp, target)
    finally:
        if before is None:
            os.environ.pop(reads.ENV, None)
        else:
            os.environ[reads.ENV] = before
        for p in (tmp, log):
            if p.exists():
                p.unlink()
    return target


# --- page manifests -----------------------------------------------------------------------------------
def manifest_of(page: Path) -> Path:
    """Where a page's manifest lies: beside it, ``<page>.reads.json``."""
    return page.with_name(page.stem + ".reads.json")


def _shown(path: str) -> str:
    """A path as a manifest records it: relative to the repository when inside it (manifests are committed)."""
    p = Path(path)
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(p)


def page_manifest(page: Path, lines: list[str]) -> dict:
    """Every stored table and page export a page read while it was rendered (each once, in reading order)."""
    tables, exports = [], []
    for line in lines:
        r = json.loads(line)
        if r["kind"] == "table":
            item = {"root": _shown(r["root"]), "name": r["name"], "key": r["key"], "digest": r["digest"],
                    "served_as": r["status"]}
            if item not in tables:
                tables.append(item)
        else:
            item = {"path": _shown(r["path"]), "digest": r["digest"]}
            if item not in exports:
                exports.append(item)
    return {"page": page.name, "tables": tables, "exports": exports}


class CurrentTables:
    """What the current code computes in each results root: ``(root, table name) -> {key: status}``, from a plan of
    every chapter run recorded there (its ``chNN/index.json``; two chapters may compute a table of one name from
    different configs)."""

    def __init__(self):
        self._roots: dict[Path, dict[str, dict[str, str]]] = {}

    def of(self, root: Path) -> dict[str, dict[str, str]]:
        root = root.resolve()
        if root not in self._roots:
            found: dict[str, dict[str, str]] = {}
            for index in sorted(root.glob("ch*/index.json")):
                meta = json.loads(index.read_text())
                try:
                    run = Run.of(meta["chapter"], profile=meta["profile"], seeds=meta["seeds"],
                                 results_dir=root.parent)
                except ValueError:
                    continue
                if run.root.resolve() != root:
                    continue
                for r in run.status():
                    found.setdefault(r.name, {})[r.key] = r.status
            self._roots[root] = found
        return self._roots[root]


def pages(root: Path = ROOT) -> list[Path]:
    """The committed pages that show results, in the book's order: every chapter page, then the scorecard."""
    return [root / "book" / "chapters" / c.page for c in CHAPTERS.values()] + [root / "book" / "scorecard.ipynb"]


def page_staleness(page: Path, current: CurrentTables | None = None, root: Path = ROOT) -> list[str]:
    """Why a rendered page no longer shows what the current code computes (empty: it does). Every table it read,
    of any chapter and results root, must still be the current, fresh table with the same content; every export
    it read (a chapter's comparison or claims) must be unchanged, and the page that wrote it current. Relative
    paths in the manifest are read from ``root`` (the repository)."""
    man = manifest_of(page)
    if not man.exists():
        return ["the page has no manifest of the tables it read"]
    current = current or CurrentTables()
    m = json.loads(man.read_text())
    out = []
    for t in m["tables"]:
        results = Path(t["root"]) if Path(t["root"]).is_absolute() else root / t["root"]
        where = f"{t['name']} ({Path(t['root']).name})"
        keys = current.of(results).get(t["name"], {})
        if not keys:
            out.append(f"{where} is no longer computed")
        elif t["key"] not in keys:
            out.append(f"{where} has been superseded")
        elif keys[t["key"]] != "fresh":
            out.append(f"{where} is {keys[t['key']]}")
        elif ResultStore(results, profile="").digest("table", t["name"], t["key"]) != t["digest"]:
            out.append(f"{where} has changed since the page was rendered")
    writers = set()
    for e in m["exports"]:
        path = Path(e["path"]) if Path(e["path"]).is_absolute() else root / e["path"]
        if not path.exists() or sha256_file(path) != e["digest"]:
            out.append(f"{path.parent.name}'s {path.stem} has changed since the page was rendered")
        writers.add(path.parent.name)
    for key in sorted(writers & set(CHAPTERS)):   # the pages that wrote those exports
        writer = root / "book" / "chapters" / CHAPTERS[key].page
        if writer != page and writer.exists() and page_staleness(writer, current, root):
            out.append(f"chapter {CHAPTERS[key].number}'s page is stale")
    return out


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
    """The tables of a chapter run that are not fresh: the run's own, and those of its further seeds once computed
    (before, the page says they have not been computed and shows none of their numbers)."""
    tables = [f"{r.name} ({r.status})" for r in run.status() if r.status != "fresh"]
    fresh = run.fresh()
    if fresh is not None and fresh.index_path.exists():
        tables += [f"{r.name} on the further seeds ({r.status})" for r in fresh.status() if r.status != "fresh"]
    return tables


def flag_stale_pages(results_dir: str | Path = "results", root: Path = ROOT) -> dict[str, list[str]]:
    """Flag every committed page whose manifest shows a table or export that is no longer current (its own
    chapter's or any other's), and unflag pages that are current again; the scorecard, whose results column says
    which chapters are current, is executed anew when it is or was stale. Returns the reasons per page."""
    stale = {}
    current = CurrentTables()
    *chapter_pages, card = pages(root)
    for chapter, page in zip(CHAPTERS.values(), chapter_pages):
        if not page.exists():
            continue
        reasons = page_staleness(page, current, root)
        if reasons:
            stale[page.stem] = reasons
        flag_page(page, None if not reasons else (
            "Numbers on this page are not what the current code computes: " + "; ".join(reasons) + ". Every "
            "number that depends on them is out of date until the page is rendered again (`fragility run "
            + chapter.key + "`)."))
    if card.exists():
        reasons = page_staleness(card, current, root)
        if reasons or FLAG_TAG in card.read_text():
            render_scorecard(profile="book", results_dir=Path(results_dir).resolve(), output_dir=card.parent)
            reasons = page_staleness(card, CurrentTables(), root)
        if reasons:
            stale[card.stem] = reasons
        flag_page(card, None if not reasons else (
            "Results this page counts are not what the current code computes (" + "; ".join(reasons) + "); their "
            "counts below are out of date until those chapters are run again."))
    return stale


def build(root: Path = ROOT, *, clean: bool = True, results_dir: str | Path = "results") -> int:
    """Flag stale pages, then ``jupyter-book build`` (warnings are errors) into ``_build/html``."""
    for page, reasons in flag_stale_pages(results_dir, root).items():
        print(f"{page}: STALE for the current code ({'; '.join(reasons)}); the page is flagged", file=sys.stderr)
    if clean:
        shutil.rmtree(root / "_build" / "html", ignore_errors=True)
        shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(root), "-W", "-n", "--keep-going"]
    return subprocess.call(cmd)


def unreproduced() -> list[Chapter]:
    return [c for c in CHAPTERS.values() if not c.is_reproduced]
