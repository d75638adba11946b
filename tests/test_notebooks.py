"""Every chapter notebook at the smoke profile, checked by nbval.

papermill executes the notebook (filling its outputs), the results are deleted, and nbval
re-executes it from scratch and compares every output with the first run's: a cell that errors,
or a number that differs between two runs of the same seed, fails here.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fragility_core.cli import CHAPTER_NOTEBOOKS, run_chapter, run_scorecard

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
FEW_SEEDS = [0, 1, 2]  # the ten-seed chapters run three seeds here, to keep CI short


def nbval(executed: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", str(executed), "--nbval-sanitize-with",
                           str(SANITIZE), "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("chapter", sorted(CHAPTER_NOTEBOOKS))
def test_notebook_outputs_are_reproducible_at_smoke(chapter, tmp_path):
    results = tmp_path / "results"
    seeds = FEW_SEEDS if int(chapter[2:]) >= 5 else None
    executed = run_chapter(chapter, profile="smoke", seeds=seeds, output_dir=tmp_path, results_dir=results,
                           progress=False)
    text = executed.read_text()
    assert "Profile: smoke" in text and "NOT the published protocol" in text  # a preview is always labelled
    assert (results / "smoke" / chapter / "comparison.csv").exists()
    shutil.rmtree(results)
    out = nbval(executed, tmp_path)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_scorecard_page_from_the_committed_results(tmp_path):
    executed = run_scorecard(profile="paper", results_dir=ROOT / "results", output_dir=tmp_path)
    assert "<table" in executed.read_text()
    out = nbval(executed, tmp_path)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
