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

from fragility_core.cli import CHAPTER_NOTEBOOKS, run_chapter

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


@pytest.mark.parametrize("chapter", sorted(CHAPTER_NOTEBOOKS))
def test_notebook_outputs_are_reproducible_at_smoke(chapter, tmp_path):
    results = tmp_path / "results"
    executed = run_chapter(chapter, profile="smoke", output_dir=tmp_path, results_dir=results, progress=False)
    text = executed.read_text()
    assert "Profile: smoke" in text and "NOT the published protocol" in text  # a preview is always labelled
    shutil.rmtree(results)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", str(executed), "--nbval-sanitize-with",
                          str(SANITIZE), "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
