"""The book: table of contents from the registry, published-values pages, stale flags, the build."""
import dataclasses
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from fragility_core.book import FLAG_TAG, ROOT, flag_page, render_published_page, unreproduced
from fragility_core.chapters import CHAPTERS, reproduced_chapters


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def test_toc_lists_every_registered_chapter_in_order():
    chapters = [f for f in toc_files() if f.startswith("book/chapters/")]
    assert chapters == [f"book/chapters/{c.slug}" for c in CHAPTERS.values()]
    assert [c.number for c in CHAPTERS.values()] == list(range(1, 11))
    for c in CHAPTERS.values():   # each reproduced chapter has its notebook; each page is committed
        assert (ROOT / "notebooks" / c.notebook).exists() and (ROOT / "book" / "chapters" / c.page).exists()


def test_every_non_chapter_page_exists():
    for name in toc_files():
        if not name.startswith("book/chapters/"):
            assert (ROOT / f"{name}.md").exists() or (ROOT / f"{name}.ipynb").exists(), name


def content(path: Path) -> list[tuple]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("tags", []), c.get("outputs", [])) for c in nb.cells]


def test_published_pages_are_up_to_date(tmp_path):
    """Re-rendering gives the committed pages exactly (a changed CSV or template shows here)."""
    for chapter in unreproduced():
        page = render_published_page(chapter, tmp_path)
        committed = ROOT / "book" / "chapters" / page.name
        assert content(page) == content(committed), f"{committed} is stale: re-run `fragility run {chapter.key}`"
    # the template itself, on a chapter taken as not reproduced (every chapter may be reproduced by now)
    first = unreproduced()[0] if unreproduced() else dataclasses.replace(CHAPTERS["ch09"], compute=None)
    render_published_page(first, tmp_path)
    page = nbformat.read(tmp_path / first.page, as_version=4)
    assert page.cells[0].source == f"# Chapter {first.number}: {first.title}"
    hidden = [c for c in page.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert {tuple(c.metadata["tags"]) for c in hidden} == {
        ("parameters", "remove-cell"), ("injected-parameters", "remove-cell")}
    html = "".join(o.get("data", {}).get("text/html", "")
                   for c in page.cells for o in c.get("outputs", []))
    assert "Not yet reproduced" in "".join(c.source for c in page.cells) and "<table" in html


def test_a_stale_flag_is_added_once_and_removed_when_fresh_again(tmp_path):
    page = tmp_path / "p.ipynb"
    shutil.copy(ROOT / "book" / "chapters" / CHAPTERS["ch01"].page, page)
    before = page.read_bytes()
    assert flag_page(page, "old numbers") and not flag_page(page, "old numbers")
    nb = nbformat.read(page, as_version=4)
    assert nb.cells[0].source.startswith("# ") and "STALE" in nb.cells[1].source and "old numbers" in nb.cells[1].source
    assert flag_page(page, None) and page.read_bytes() == before


def test_the_book_builds_with_warnings_as_errors(tmp_path):
    """The site builds from the committed executed notebooks, clean, with -W (no execution at build time)."""
    jb = Path(sys.executable).with_name("jupyter-book")
    out = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output",
                          str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    html = (tmp_path / "_build" / "html" / "book" / "chapters" / "ch01_overpruning.html").read_text()
    assert "Table 1" in html and "Profile: paper" in html and "STALE" not in html


def test_book_flags_exactly_the_pages_whose_results_are_damaged_or_stale(tmp_path):
    """A damaged chapter 1 table flags chapter 1's page and the scorecard (whose chapter 1 counts came from that
    page), nothing else; repaired, every flag goes."""
    from fragility_core.book import flag_stale_pages

    for results in (ROOT / "results").iterdir():
        if results.is_dir() and (results.name.startswith("paper") or results.name == "cpu"):
            shutil.copytree(results, tmp_path / "results" / results.name)
    shutil.copytree(ROOT / "book", tmp_path / "book")
    assert flag_stale_pages(tmp_path / "results", tmp_path) == {}
    (csv,) = (tmp_path / "results" / "paper" / "stages" / "ch01-battery").glob("*.csv")
    good = csv.read_bytes()
    csv.write_bytes(good[:100])
    stale = flag_stale_pages(tmp_path / "results", tmp_path)
    assert sorted(stale) == ["ch01_overpruning", "scorecard"] and "damaged" in stale["ch01_overpruning"][0]
    assert "chapter 1's page is stale" in stale["scorecard"]
    page = lambda key: (tmp_path / "book" / "chapters" / CHAPTERS[key].page).read_text()  # noqa: E731
    assert FLAG_TAG in page("ch01") and FLAG_TAG not in page("ch02")
    card = (tmp_path / "book" / "scorecard.ipynb").read_text()
    assert FLAG_TAG in card and ">STALE<" in card and card.count(">current<") == len(reproduced_chapters()) - 1  # not ch01
    csv.write_bytes(good)
    assert flag_stale_pages(tmp_path / "results", tmp_path) == {}
    card = (tmp_path / "book" / "scorecard.ipynb").read_text()
    assert FLAG_TAG not in page("ch01") and FLAG_TAG not in card and ">STALE<" not in card


def test_a_page_reading_another_chapters_table_is_stale_when_that_table_changes(tmp_path):
    """Chapter 10's page reads chapter 8's stored tables (its feed-forward comparison): its manifest records them,
    and a chapter 8 table recomputed with other numbers makes chapter 10's page stale, naming the table."""
    from fragility_core.book import manifest_of, page_staleness

    manifest = json.loads(manifest_of(ROOT / "book" / "chapters" / CHAPTERS["ch10"].page).read_text())
    read = [t for t in manifest["tables"] if t["root"] == "results/paper" and t["name"].startswith("ch08-")]
    assert read, "chapter 10's page does not record the chapter 8 tables it reads"
    for results in ("paper", "cpu", "paper-seeds-0"):
        shutil.copytree(ROOT / "results" / results, tmp_path / "results" / results)
    shutil.copytree(ROOT / "book", tmp_path / "book")
    page = tmp_path / "book" / "chapters" / CHAPTERS["ch10"].page
    assert page_staleness(page, root=tmp_path) == []
    name, key = read[0]["name"], read[0]["key"]
    csv = tmp_path / "results" / "paper" / "stages" / name / f"{key}.csv"
    man = csv.with_suffix(".manifest.json")
    csv.write_text(csv.read_text().replace("0.", "0.9", 1))   # other numbers, consistently recorded
    m = json.loads(man.read_text())
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    man.write_text(json.dumps({**m, "digest": digest, "files": {csv.name: digest}}))
    assert page_staleness(page, root=tmp_path) == [f"{name} (paper) has changed since the page was rendered"]


def test_rerendering_a_chapter_page_from_unchanged_results_is_byte_identical(tmp_path):
    """No object addresses or other run-dependent noise in a committed page (``<…Styler at 0x…>`` was)."""
    from fragility_core.book import render_chapter
    from fragility_core.runs import Run

    run = Run.of("ch05", results_dir=ROOT / "results")
    first = render_chapter(run, output_dir=tmp_path / "a").read_bytes()
    second = render_chapter(run, output_dir=tmp_path / "b").read_bytes()
    assert first == second and b"at 0x" not in first
    page, committed = (content(p) for p in (tmp_path / "a" / run.chapter.page,
                                            ROOT / "book" / "chapters" / run.chapter.page))
    injected = [i for i, c in enumerate(page) if "injected-parameters" in c[2]]
    drop = lambda cells: [c for i, c in enumerate(cells) if i not in injected]  # noqa: E731 (its results path)
    assert drop(page) == drop(committed)   # and it is the committed page
