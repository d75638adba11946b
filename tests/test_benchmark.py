"""The benchmark command, run in a tiny configuration so that it cannot rot (seconds, not minutes)."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "engine_vs_loop.py"
COLUMNS = ["config", "kind", "members", "threads", "epochs", "n_train", "device", "repeat", "seconds",
           "member_epochs", "s_per_member_epoch", "member_epochs_per_s", "peak_rss_mb", "other_cpu_cores",
           "loadavg_before"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_benchmark_runs_and_writes_a_tidy_csv(tmp_path):
    out = run("--n-train", "256", "--members", "1", "2", "--epochs", "1", "--loop-epochs", "2", "--loop-seeds", "1",
              "--repeats", "1", "--engine-threads", "0", "--out-dir", str(tmp_path))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    df = pd.read_csv(tmp_path / "engine_vs_loop.csv")
    assert list(df.columns) == COLUMNS
    assert list(zip(df["config"], df["members"])) == [("loop", 1), ("loop-1t", 1), ("engine", 1), ("engine", 2)]
    assert (df["member_epochs_per_s"] > 0).all() and (df["s_per_member_epoch"] > 0).all()
    assert (df["peak_rss_mb"] > 0).all() and (df["member_epochs"] == df["members"] * df["epochs"]).all()
    epochs = pd.read_csv(tmp_path / "engine_vs_loop_epochs.csv")
    assert len(epochs[epochs["config"] == "loop"]) == 2 and (epochs["seconds"] > 0).all()
    assert (tmp_path / "engine_vs_loop.json").exists()
    for name in ("speed-up vs loop", "member-epochs/s", "peak RSS (MB)"):
        assert name in out.stdout

    report = run("--report", "--markdown", "--out-dir", str(tmp_path))
    assert report.returncode == 0, report.stderr[-3000:]
    assert "| loop | 1 |" in report.stdout and "| engine | 2 |" in report.stdout


def test_benchmark_rejects_bad_arguments_before_any_compute(tmp_path):
    out = run("--epochs", "0", "--out-dir", str(tmp_path))
    assert out.returncode != 0 and "--epochs" in out.stderr
    assert not (tmp_path / "engine_vs_loop.csv").exists()


def test_paper_timings_sums_each_chapters_stage_manifests():
    from benchmarks.paper_timings import chapter_timings
    from fragility_core.chapters import reproduced_chapters

    df = chapter_timings(ROOT / "results", "paper").set_index("chapter")
    keys = [c.key for c in reproduced_chapters() if c.profiles[0] == "paper"]
    assert list(df.index) == [*keys, "total (each stage once)"]  # every chapter shown at paper has paper results
    walls, unique = {}, {}
    for chapter in keys:  # read the index and manifests directly, not through the code under test
        index = json.loads((ROOT / "results" / "paper" / chapter / "index.json").read_text())["tables"]
        manifests = {(n, k): json.loads((ROOT / "results" / "paper" / "stages" / n / f"{k}.manifest.json").read_text())
                     for n, k in index.items()}
        walls[chapter] = sum(m["wall_time_s"] for m in manifests.values())
        unique.update({k: m["wall_time_s"] for k, m in manifests.items()})
        assert df.loc[chapter, "stages"] == len(manifests)
        assert abs(df.loc[chapter, "wall_s"] - walls[chapter]) < 0.05
    assert df.loc["total (each stage once)", "stages"] == len(unique) < sum(df.loc[keys, "stages"])  # shared once
    assert abs(df.loc["total (each stage once)", "wall_s"] - sum(unique.values())) < 0.05


def test_paper_timings_run_refuses_a_results_dir_that_would_not_be_recomputed(tmp_path):
    out = subprocess.run([sys.executable, "-m", "benchmarks.paper_timings", "--run", "--results-dir",
                          str(ROOT / "results"), "--out-dir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "already holds results" in out.stderr
    assert not list(tmp_path.iterdir())


def test_reorder_yardstick_permutes_units_without_changing_the_function():
    import torch

    from benchmarks.reorder_sensitivity import permuted
    from fragility_core.science.connectivity import prune_magnitude
    from fragility_core.models.mlp import EnsembleMLP

    net = EnsembleMLP([3, 4])
    prune_magnitude(net, 0.95)
    perm = torch.randperm(512, generator=torch.Generator().manual_seed(1))
    other = permuted(net, perm)
    assert not torch.equal(other.weights[0], net.weights[0])
    x = torch.randn(2, 64, 2, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(other(x), net(x), rtol=1e-5, atol=1e-6)
    back = permuted(other, torch.argsort(perm))
    for k in range(net.n_layers):
        assert torch.equal(back.weights[k], net.weights[k]) and torch.equal(back.active(k), net.active(k))


def test_gru_engine_benchmark_quick_run_writes_one_row_per_measurement(tmp_path, capsys):
    from benchmarks.gru_engine import COLUMNS as GRU_COLUMNS, NOMINAL_GFLOP, main

    assert round(NOMINAL_GFLOP) == 637
    assert main(["--quick", "--out-dir", str(tmp_path)]) == 0
    df = pd.read_csv(tmp_path / "gru_engine.csv")
    assert list(df.columns) == GRU_COLUMNS
    assert list(zip(df["name"], df["rows"])) == [
        ("engine", 128), ("engine-sparse95", 128), ("loop", 128), ("autograd", 128), ("compiled", 128),
        ("floor", 128), ("floor-implied", 128), ("dense-mm", 128), ("csr-mm", 128), ("dense-mm", 1280),
        ("csr-mm", 1280)]
    measured = df[df["name"] != "compiled"]
    assert (measured["seconds"] > 0).all() and (measured["gflop_per_s"] > 0).all()
    assert df["notes"].notna().all()
    assert "skipped" in df.set_index("name").loc["compiled", "notes"]  # --quick does not compile
    assert "floor-implied" in capsys.readouterr().out
