"""Every chapter notebook at the smoke profile, checked by nbval.

papermill executes the notebook (the kernel computes the chapter's stages), the results are deleted, and nbval
re-executes it from scratch and compares every output with the first run's: a cell that errors, or a number
that differs between two runs of the same seed, fails here.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from fragility_core.book import manifest_of, render_chapter, render_scorecard
from fragility_core.chapters import reproduced_chapters
from fragility_core.runs import Run

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
FEW_SEEDS = [0, 1, 2]  # the ten-seed chapters run three seeds here, to keep CI short
ONE_SEED = {"ch10"}    # the recurrent chapter runs one (each GRU member costs what ~20 feed-forward ones do)


def nbval(executed: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", str(executed), "--nbval-sanitize-with",
                           str(SANITIZE), "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("chapter", [c.key for c in reproduced_chapters()])
def test_notebook_outputs_are_reproducible_at_smoke(chapter, tmp_path):
    results = tmp_path / "results"
    seeds = FEW_SEEDS[:1] if chapter in ONE_SEED else FEW_SEEDS if len(Run.of(chapter).seeds) > 1 else None
    run = Run.of(chapter, profile="smoke", seeds=seeds, results_dir=results)
    executed = render_chapter(run, output_dir=tmp_path, compute=True)
    text = executed.read_text()
    assert "Profile: smoke" in text and "NOT the published protocol" in text  # a preview is always labelled
    assert "STALE" not in text
    assert (run.chapter_dir / "comparison.csv").exists() and run.index_path.exists()
    read = json.loads(manifest_of(executed).read_text())["tables"]   # the page manifest: every table it showed
    assert set(run.read_index().items()) <= {(t["name"], t["key"]) for t in read
                                             if Path(t["root"]) == run.root.resolve()}
    shutil.rmtree(results)
    out = nbval(executed, tmp_path)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_scorecard_page_from_the_committed_results(tmp_path):
    executed = render_scorecard(profile="book", results_dir=ROOT / "results", output_dir=tmp_path)
    nb = nbformat.read(executed, as_version=4)
    shown = "".join(str(o.get("data", {})) + str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "<table" in shown and "STALE" not in shown   # the committed results are current for this code
    assert shown.count(">current<") == len(reproduced_chapters())
    out = nbval(executed, tmp_path)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
