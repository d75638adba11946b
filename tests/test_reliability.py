"""Reliability, proved by injecting the faults: races, kills, damaged files, bad inputs, memory, file modes.

Each test is one failure a hostile tester found; it failed before the change that fixed it.
"""
import math
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import torch

from fragility_core import shards
from fragility_core.book import ROOT, execute, render_published_page
from fragility_core.chapters import get_chapter
from fragility_core.cli import main
from fragility_core.runs import Run
from fragility_core.science.training import make_adam
from fragility_core.science.treatments import Ketamine, Neurosteroid
from fragility_core.store import host, temporary_path, ResultStore, remove_leftovers, umask
from fragility_core.store.faults import VARIABLE as FAULT

CLI = [sys.executable, "-m", "fragility_core.cli"]


def stage_files(root: Path) -> dict[str, bytes]:
    """Every committed-kind file (tables and manifests) under ``root``, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "stages").rglob("*")) if p.is_file()}


def tables(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in stage_files(root).items() if k.endswith(".csv")}


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".pid" in p.name]


# --- two writers --------------------------------------------------------------------------------------
def _compute(config, counter):
    with open(counter, "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(0.3)
    return pd.DataFrame({"seed": config["seeds"], "value": [s * 1.5 for s in config["seeds"]]})


def _slow_table(root, config, counter, start):
    while time.time() < start:   # both processes reach the stage together
        time.sleep(0.001)
    store = ResultStore(root, profile="smoke", log=None)
    return store.table("t", config, partial(_compute, config, counter), code=(_compute,)).to_dict("list")


def _race(root, configs, counter):
    start = time.time() + 0.5
    ctx = mp.get_context("fork")
    with ctx.Pool(len(configs)) as pool:
        return pool.starmap(_slow_table, [(root, c, counter, start) for c in configs])


def test_two_runs_of_one_stage_compute_it_once_and_agree(tmp_path):
    counter = tmp_path / "calls"
    a, b = _race(tmp_path / "r", [{"seeds": [1]}, {"seeds": [1]}], counter)
    assert a == b == {"seed": [1], "value": [1.5]}
    assert len(counter.read_text().split()) == 1   # the second waited for the first, then loaded its result


def test_racing_stages_of_different_configs_never_pair_mismatched_files(tmp_path):
    for trial in range(10):
        root, counter = tmp_path / f"r{trial}", tmp_path / f"calls{trial}"
        got = _race(root, [{"seeds": [1]}, {"seeds": [2]}], counter)
        assert got == [{"seed": [1], "value": [1.5]}, {"seed": [2], "value": [3.0]}]
        for seeds in ([1], [2]):   # and a later reader of either config gets that config's data
            later = ResultStore(root, profile="smoke", log=None).table("t", {"seeds": seeds}, lambda: 1 / 0,
                                                                       code=(_compute,))
            assert later["seed"].tolist() == seeds


# --- kills --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Chapter 1 at the smoke profile, computed once without a fault (the yardstick of the kill tests)."""
    out = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run([*CLI, "compute", "ch01", "--profile", "smoke", "--no-progress", "--results-dir", str(out)],
                   check=True, capture_output=True)
    return tables(out / "smoke")


KILLS = [   # successive runs into one directory, each killed at a later point than the one before
    ("write:baseline", "a network state written to its temporary file, not yet in place"),
    ("compute:treated-random-regrowth", "during training (the regrown networks' fine-tuning)"),
    ("write:ch01-battery", "a table written to its temporary file, not yet in place"),
    ("manifest:ch01-battery", "a table in place, its manifest (the commit point) not yet written"),
]


def test_runs_killed_at_four_points_resume_to_the_uninterrupted_tables_and_leave_no_temporary_file(
        uninterrupted, tmp_path):
    args = [*CLI, "compute", "ch01", "--profile", "smoke", "--no-progress", "--results-dir", str(tmp_path)]
    for fault, when in KILLS:
        killed = subprocess.run(args, env={**os.environ, FAULT: fault}, capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, (when, killed.stdout[-1000:], killed.stderr[-2000:])
        if fault.startswith("write:"):
            assert leftovers(tmp_path / "smoke"), f"killed {when}: its temporary file should be there"
    subprocess.run(args, check=True, capture_output=True)
    assert tables(tmp_path / "smoke") == uninterrupted
    assert leftovers(tmp_path) == []


def test_two_command_line_runs_into_one_directory_compute_each_stage_once(uninterrupted, tmp_path):
    args = [*CLI, "compute", "ch01", "--profile", "smoke", "--no-progress", "--results-dir", str(tmp_path)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    logs = [p.communicate()[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), logs
    computed = [line for log in logs for line in log.splitlines() if line.startswith("computing ")]
    assert len(computed) == len(set(computed)), computed   # no stage computed by both
    assert tables(tmp_path / "smoke") == uninterrupted


def test_a_killed_page_execution_leaves_the_book_page_and_is_cleaned_up(tmp_path):
    chapter = get_chapter("ch09")                       # a published-values page: quick to execute
    page = tmp_path / chapter.page
    page.write_text('{"the previous, finished page": true}')   # distinct from what the killed run would write
    before = page.read_bytes()
    code = ("import sys; from pathlib import Path; from fragility_core.book import render_published_page;"
            "from fragility_core.chapters import get_chapter;"
            f"render_published_page(get_chapter('ch09'), Path({str(tmp_path)!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.time() + 120
    while not list(tmp_path.glob(".*.pid*.ipynb")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".*.pid*.ipynb")), "the page never started executing"
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert page.read_bytes() == before                 # the book keeps its finished page
    assert list(tmp_path.glob(".*.pid*.ipynb"))        # the killed run's temporary page is left ...
    render_published_page(chapter, tmp_path)
    assert not list(tmp_path.glob(".*.pid*.ipynb"))    # ... and removed by the next run
    assert nbformat.read(page, as_version=4).cells      # which completes the page


def test_leftovers_of_live_processes_are_kept(tmp_path):
    mine = tmp_path / f".t.csv.pid{os.getpid()}.abc.tmp"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f".t.csv.pid{dead.pid}.abc.tmp"
    for p in (mine, gone):
        p.write_text("x")
    assert remove_leftovers(tmp_path) == [gone] and mine.exists()


def test_leftovers_are_judged_only_on_their_own_host(tmp_path):
    """On a shared results directory a pid means nothing on another host: that host's files stay."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ours = tmp_path / f".t.csv.pid{dead.pid}@{host()}.abc.tmp"
    theirs = tmp_path / f".t.csv.pid{dead.pid}@another-node-17.abc.tmp"
    for p in (ours, theirs):
        p.write_text("x")
    assert remove_leftovers(tmp_path) == [ours] and theirs.exists()
    assert f".pid{os.getpid()}@{host()}." in temporary_path(tmp_path / "t.csv").name


# --- damaged files ---------------------------------------------------------------------------------------
def test_a_stage_file_replaced_by_another_valid_one_is_detected_and_recomputed(tmp_path):
    paths = []
    for x in (1, 2):
        store = ResultStore(tmp_path, profile="smoke", log=None)
        store.table("t", {"x": x}, lambda: pd.DataFrame({"a": [x]}))
        paths.append(tmp_path / store.tables()[0].path)
    one, two = paths
    one.write_bytes(two.read_bytes())                  # a complete, well-formed table: the wrong one
    again = ResultStore(tmp_path, profile="smoke", log=None)
    x = 1
    assert again.table("t", {"x": 1}, lambda: pd.DataFrame({"a": [x]}))["a"].tolist() == [1]
    assert again.tables()[0].status == "computed"


# --- bad inputs fail before compute, naming the parameter ---------------------------------------------
@pytest.mark.parametrize("make, word", [
    (lambda: Ketamine(init_std=-1), "init_std"),
    (lambda: Neurosteroid(damping=1.7), "damping"),
    (lambda: Neurosteroid(damping=0), "damping"),
    (lambda: Ketamine(fraction=1.5), "fraction"),
    (lambda: Run.of("ch05", profile="smoke", seeds=[2**64]), "seeds"),
    (lambda: Run.of("ch05", profile="smoke", seeds=[2**31]), "seeds"),
])
def test_out_of_range_parameters_are_rejected_where_they_are_constructed(make, word):
    with pytest.raises(ValueError, match=word):
        make()


@pytest.mark.parametrize("args, word", [
    (["compute", "ch05", "--profile", "smoke", "--seeds", str(2**64)], "seeds"),
    (["compute", "ch05", "--profile", "smoke", "--max-members", "3"], "max_members"),
    (["compute", "ch05", "--profile", "smoke", "--results-dir", "{file}"], "results_dir"),
    (["compute", "ch05", "--profile", "smoke", "--results-dir", "{file}/sub"], "results_dir"),
    (["run", "ch05", "--profile", "smoke", "--output-dir", "{file}"], "--output-dir"),
])
def test_bad_paths_and_seeds_fail_before_compute_naming_them(args, word, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    args = [a.replace("{file}", str(afile)) for a in args]
    if "--results-dir" not in args:
        args += ["--results-dir", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--no-progress"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"usage: fragility {args[0]}" in err and word in err.rsplit("error:", 1)[1]
    assert not (tmp_path / "out").exists() and afile.read_text() == "not a directory"


def test_an_undeclared_notebook_parameter_is_an_error(tmp_path):
    source = ROOT / "notebooks" / "published_chapter.ipynb"
    with pytest.raises(ValueError, match="prune_fraction"):      # through `fragility run` ...
        execute(source, tmp_path / "p.ipynb", {"chapter": 9, "prune_fraction": 1.5})
    import papermill                                              # ... and through papermill itself
    with pytest.raises(papermill.PapermillExecutionError, match="prune_fraction"):
        papermill.execute_notebook(str(source), str(tmp_path / "q.ipynb"), cwd=str(ROOT), progress_bar=False,
                                   parameters={"chapter": 9, "prune_fraction": 1.5}, kernel_name="python3")


# --- memory ---------------------------------------------------------------------------------------------
def test_a_long_seed_list_is_split_into_chunks_that_fit_the_memory_budget(monkeypatch):
    monkeypatch.setattr(shards, "available_memory", lambda: 8 << 30)
    run = Run.of("ch05", profile="smoke", seeds=list(range(1, 501)))
    per = run.chapter.member_memory_mb << 20
    chunks = run.chunks()
    assert len(chunks) > 1 and sum(chunks, ()) == run.seeds
    assert max(map(len, chunks)) * per <= (8 << 30) * shards.MEMORY_FRACTION
    assert all(len(c) % shards.MEMBER_ALIGNMENT == 0 for c in chunks[:-1])
    assert Run.of("ch05", profile="smoke", seeds=[1, 2, 3]).chunks() == [(1, 2, 3)]


@pytest.mark.parametrize("n", range(1, 27))
def test_chunks_keep_every_member_where_one_batch_has_it(n):
    """Every chunk but the last a multiple of the alignment, in order, within the limit; the fewest chunks, or
    the soonest finish on k workers."""
    for limit in (4, 5, 8, 13, 100):
        for parts in (None, 1, 2, 3):
            cs = shards.chunks(range(n), limit, parts=parts)
            assert sum(cs, ()) == tuple(range(n)) and all(0 < len(c) <= limit for c in cs)
            assert all(len(c) % shards.MEMBER_ALIGNMENT == 0 for c in cs[:-1]), (n, limit, parts, cs)
    assert shards.chunks(range(10), 100, parts=2) == [tuple(range(4)), tuple(range(4, 10))]
    with pytest.raises(ValueError, match="at least 4"):
        shards.chunks(range(n), 3)


def _adam_trajectory(p0: torch.Tensor, grads: torch.Tensor) -> torch.Tensor:
    p = p0.clone().requires_grad_()
    opt = make_adam([p], 1e-3, torch.device("cpu"))
    out = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        out.append(p.detach().clone())
    return torch.stack(out)


def test_the_optimiser_gives_each_member_the_same_numbers_in_aligned_chunks_as_in_one_batch():
    """The reason for the alignment (``shards`` docstring): the output bias, 4 floats per member, updated by the
    engine's Adam for 3,000 steps of gradients spanning four decades, in one batch of 10 and in chunks."""
    gen = torch.Generator().manual_seed(0)
    p0 = torch.randn(10, 1, 4, generator=gen)
    grads = torch.randn(3000, 10, 1, 4, generator=gen) * torch.logspace(-4, 0, 3000).view(-1, 1, 1, 1)
    one = _adam_trajectory(p0, grads)

    def chunked(cs):
        return torch.cat([_adam_trajectory(p0[c[0]:c[-1] + 1], grads[:, c[0]:c[-1] + 1]) for c in cs], 1)

    for limit, parts in ((4, None), (8, None), (100, 2), (100, 3), (5, None)):
        cs = shards.chunks(range(10), limit, parts=parts)
        assert torch.equal(chunked(cs), one), cs
    misaligned = [tuple(range(5)), tuple(range(5, 10))]   # what the alignment forbids
    with pytest.raises(shards.ShardError, match="multiple of 4"):
        shards.check_aligned(misaligned)
    if torch.equal(chunked(misaligned), one):
        pytest.skip("this CPU's optimiser kernel rounds a tensor's last floats like the others: the alignment "
                    "is not needed here, so this test cannot show that it works")


def test_every_trained_parameter_needs_at_most_the_member_alignment():
    """Parameters whose per-member size is a multiple of 16 floats are never split by a vector of up to 16; the
    others must fit the alignment (the output bias: 4 floats per member -> 4 members)."""
    from fragility_core.models.gru import EnsembleGRU
    from fragility_core.models.mlp import EnsembleMLP

    for net in (EnsembleMLP([0, 1]), EnsembleGRU([0, 1])):
        for name, p in net.named_parameters():
            size = p[0].numel()
            needed = 16 // math.gcd(16, size)
            assert shards.MEMBER_ALIGNMENT % needed == 0, (type(net).__name__, name, size)


def test_merge_refuses_a_table_without_the_block_shape():
    with pytest.raises(shards.ShardError, match="seed"):
        shards.merge([pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [2]})], [[0, 1, 2, 3], [4, 5]])
    with pytest.raises(shards.ShardError, match="in order"):
        shards.merge([pd.DataFrame({"seed": [1, 0, 2, 3]}), pd.DataFrame({"seed": [4, 5]})], [[0, 1, 2, 3], [4, 5]])
    with pytest.raises(shards.ShardError, match="multiple of 4"):
        shards.merge([pd.DataFrame({"seed": [0, 1]}), pd.DataFrame({"seed": [2, 3]})], [[0, 1], [2, 3]])


def _block(seeds, values):
    n = len(seeds)
    return pd.DataFrame({"arm": ["k"] * n + ["s"] * n, "member": list(range(n)) * 2, "seed": list(seeds) * 2,
                         "v": values})


def test_merge_interleaves_blocks_and_shifts_members():
    a = _block([5, 6, 7, 8], [1, 2, 3, 4, 11, 12, 13, 14])
    b = _block([9, 10], [5, 6, 15, 16])
    m = shards.merge([a, b], [[5, 6, 7, 8], [9, 10]])
    assert m["seed"].tolist() == [5, 6, 7, 8, 9, 10] * 2 and m["member"].tolist() == list(range(6)) * 2
    assert m["v"].tolist() == [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]
    c = pd.DataFrame({"arm": ["k", "s"], "member": [0, 0], "seed": [9, 9], "v": [9, 10]})   # a one-seed shard
    m = shards.merge([a, c], [[5, 6, 7, 8], [9]])
    assert m["seed"].tolist() == [5, 6, 7, 8, 9] * 2 and m["member"].tolist() == list(range(5)) * 2


# --- file modes -----------------------------------------------------------------------------------------
def test_written_results_follow_the_umask(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    store.table("t", {"x": 1}, lambda: pd.DataFrame({"a": [1]}))
    csv = tmp_path / store.tables()[0].path
    csv.write_text("damaged")                           # force a rewrite, as a rerun does
    ResultStore(tmp_path, profile="smoke", log=None).table("t", {"x": 1}, lambda: pd.DataFrame({"a": [1]}))
    expected = 0o666 & ~umask()
    for p in (csv, csv.with_suffix(".manifest.json")):
        assert p.stat().st_mode & 0o777 == expected, oct(p.stat().st_mode)


@pytest.mark.parametrize("chapter", ["ch05", "ch06", "ch07", "ch08"])
def test_a_chapter_computed_in_chunks_of_members_equals_one_batch_byte_for_byte(chapter, tmp_path):
    seeds = [0, 1, 2, 3, 4]
    one = Run.of(chapter, profile="smoke", seeds=seeds, results_dir=tmp_path / "one")
    one.compute(progress=False, log=None)
    lines = []
    chunked = Run.of(chapter, profile="smoke", seeds=seeds, results_dir=tmp_path / "chunked", max_members=4)
    assert chunked.chunks() == [(0, 1, 2, 3), (4,)]
    chunked.compute(progress=False, log=lines.append)
    assert any("5 seeds in 2 chunks" in line for line in lines), lines
    assert tables(chunked.root) == tables(one.root)       # the same files: names, keys and bytes
    assert chunked.read_index() == one.read_index()
    man = next((chunked.root / "stages").rglob("*.manifest.json")).read_text()
    assert '"merged_from_shards"' in man
