"""The book skeleton: table of contents, chapter metadata and the published-values pages."""
from pathlib import Path

import nbformat
import pytest
import yaml

from fragility_core.chapters_meta import all_chapters, chapter_meta
from fragility_core.render_published import REPO_ROOT, render_published_pages, unreproduced

PUBLISHED_ONLY = unreproduced()


def toc_files() -> list[str]:
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def test_toc_lists_the_ten_chapters_in_order_under_their_slugs():
    chapters = [f for f in toc_files() if f.startswith("book/chapters/")]
    assert chapters == [f"book/chapters/{meta.slug}" for meta in all_chapters()]
    assert [meta.number for meta in all_chapters()] == list(range(1, 11))
    with pytest.raises(ValueError, match="chapter"):
        chapter_meta(0)


def test_every_non_chapter_page_exists():
    for name in toc_files():
        if not name.startswith("book/chapters/"):
            assert (REPO_ROOT / f"{name}.md").exists() or (REPO_ROOT / f"{name}.ipynb").exists(), name


def content(path: Path) -> list[tuple]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("tags", []), c.get("outputs", [])) for c in nb.cells]


def test_published_pages_are_up_to_date(tmp_path):
    """Re-rendering gives the committed pages exactly (a changed CSV or template shows here)."""
    pages = render_published_pages(tmp_path, PUBLISHED_ONLY)
    for page in pages:
        committed = REPO_ROOT / "book" / "chapters" / page.name
        assert content(page) == content(committed), f"{committed} is stale: re-run render_published"
    first = PUBLISHED_ONLY[0]
    page = nbformat.read(tmp_path / f"{chapter_meta(first).slug}.ipynb", as_version=4)
    assert page.cells[0].source == f"# Chapter {first}: {chapter_meta(first).title}"
    hidden = [c for c in page.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert {tuple(c.metadata["tags"]) for c in hidden} == {
        ("parameters", "remove-cell"), ("injected-parameters", "remove-cell")}
    html = "".join(o.get("data", {}).get("text/html", "")
                   for c in page.cells for o in c.get("outputs", []))
    assert "Not yet reproduced" in "".join(c.source for c in page.cells) and "<table" in html


def test_the_book_builds_with_warnings_as_errors(tmp_path):
    """The site builds from the committed executed notebooks, clean, with -W (no execution at build time)."""
    import subprocess
    import sys

    jb = Path(sys.executable).with_name("jupyter-book")
    out = subprocess.run([str(jb), "build", str(REPO_ROOT), "-W", "-n", "--keep-going", "--path-output",
                          str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    html = (tmp_path / "_build" / "html" / "book" / "chapters" / "ch01_overpruning.html").read_text()
    assert "Table 1" in html and "Profile: paper" in html
