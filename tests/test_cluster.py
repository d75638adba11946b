"""Seed shards on Dask workers: the same tables as one serial batch, a dead worker's shard retried, stored
shards not resubmitted, and the command line's flags checked before any worker starts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from fragility_core.cluster import DaskExecutor, Serial   # noqa: E402
from fragility_core.runs import Run                       # noqa: E402
from fragility_core.store.faults import ONCE, VARIABLE as FAULT   # noqa: E402

SEEDS = [0, 1, 2, 3, 4, 5]   # two shards on two workers: (0, 1, 2, 3) and (4, 5)


def _merged(run: Run) -> dict[str, bytes]:
    """The run's own tables (those its index names), by stage name."""
    _, records = run.load()
    return {r.name: (run.root / r.path).read_bytes() for r in records}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    run = Run.of("ch05", profile="smoke", seeds=SEEDS, results_dir=tmp_path_factory.mktemp("serial"))
    run.compute(progress=False, log=None)
    return _merged(run)


def _local(**env):
    return DaskExecutor.local(2, dashboard_address=None, env=env, silence_logs=50)


def test_sharded_over_two_workers_equals_one_serial_batch(serial, tmp_path):
    run = Run.of("ch05", profile="smoke", seeds=SEEDS, results_dir=tmp_path)
    with _local() as ex:
        assert ex.shards(run) == [(0, 1, 2, 3), (4, 5)]
        run.compute(progress=False, log=None, executor=ex)
    assert _merged(run) == serial
    manifest = run.store("load").manifest("acute", run.status()[0].key)
    assert manifest["merged_from_shards"] == [[0, 1, 2, 3], [4, 5]]


def test_a_worker_killed_mid_shard_is_replaced_and_the_tables_are_the_same(serial, tmp_path):
    marker = tmp_path / "killed"
    run = Run.of("ch05", profile="smoke", seeds=SEEDS, results_dir=tmp_path / "results")
    # the first worker to have written a pruned network (not yet moved into place) kills itself
    with _local(**{FAULT: "write:pruned-0.95", ONCE: str(marker)}) as ex:
        run.compute(progress=False, log=None, executor=ex)
    assert marker.exists(), "no worker was killed: the test tested nothing"
    assert _merged(run) == serial
    assert not [p for p in run.root.rglob("*") if ".pid" in p.name], "a half-written file was left behind"


def test_stored_shards_are_not_submitted_again(serial, tmp_path):
    """A driver that died after its shards were stored (before assembling them) resumes without recomputing."""
    run = Run.of("ch05", profile="smoke", seeds=SEEDS, results_dir=tmp_path)
    with _local() as ex:
        ex.compute(run, ex.shards(run), progress=False, log=None)   # the shards only: no assembled table yet
        said = []
        run.compute(progress=False, log=said.append, executor=ex)
    assert any("2 shards over 2 Dask workers (2 already stored)" in s for s in said), said
    assert not any(s.startswith("computing baseline") for s in said), said
    assert _merged(run) == serial


def test_serial_executor_is_the_default_and_gives_the_same_tables(serial, tmp_path):
    run = Run.of("ch05", profile="smoke", seeds=SEEDS, results_dir=tmp_path, max_members=4)
    assert Serial().shards(run) == [(0, 1, 2, 3), (4, 5)]
    run.compute(progress=False, log=None, executor=Serial())
    assert _merged(run) == serial


@pytest.mark.parametrize("flags, message", [
    (["--local-workers", "2"], "--local-workers need --executor dask"),
    (["--executor", "dask", "--local-workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "exclude each other"),
    (["--executor", "dask", "--local-workers", "0"], "at least 1"),
    (["--executor", "thread"], "invalid choice"),
])
def test_bad_executor_flags_are_refused_before_any_worker_starts(flags, message, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "fragility_core.cli", "compute", "ch05", "--profile", "smoke",
                           "--results-dir", str(tmp_path), *flags], capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "smoke").exists()


def test_the_documented_slurm_job_gives_one_worker_thread_all_its_cores_and_a_gpu():
    """The Slurm example of the README and the 'Running at scale' page, as the batch script it writes (no
    cluster here: the script is what can be checked)."""
    jobqueue = pytest.importorskip("dask_jobqueue")
    with jobqueue.SLURMCluster(queue="gpu", cores=1, processes=1, job_cpu=8, memory="32GB", walltime="04:00:00",
                               job_extra_directives=["--gres=gpu:1"],
                               job_script_prologue=["export FRAGILITY_TORCH_THREADS=8",
                                                    "source /cluster/fragility-book/.venv/bin/activate"],
                               scheduler_options={"dashboard_address": None}) as cluster:
        script = cluster.job_script()
    for line in ("#SBATCH --cpus-per-task=8", "#SBATCH --gres=gpu:1", "#SBATCH -t 04:00:00",
                 "export FRAGILITY_TORCH_THREADS=8", "--nthreads 1"):
        assert line in script, script
    for page in (Path(__file__).parent.parent / "README.md", Path(__file__).parent.parent / "book" / "running_at_scale.md"):
        text = page.read_text()
        assert "cores=1, processes=1, job_cpu=8" in text and 'job_extra_directives=["--gres=gpu:1"]' in text, page
