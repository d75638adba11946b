"""Runs: results keyed by (profile, seeds), status of every stage, damaged files found on the next run."""
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch

from fragility_core.book import ROOT
from fragility_core.cli import main
from fragility_core.runs import Run, seeds_label


def tree_digest(*dirs: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for d in dirs for p in sorted(d.rglob("*")) if p.is_file()}


def test_seed_labels_are_short_and_distinct():
    labels = {seeds_label(s) for s in [(5, 6), (56,), (5, 6, 7), tuple(range(500, 530)), (1, 3, 5, 7, 9, 11, 13)]}
    assert len(labels) == 5 and seeds_label((5, 6)) == "5_6" and seeds_label(tuple(range(500, 530))) == "500to529"


def test_only_the_published_seeds_use_the_published_results_dir():
    assert Run.of("ch02", profile="paper").root == Path("results/paper")
    assert Run.of("ch02", profile="paper").is_published_run
    other = Run.of("ch02", profile="paper", seeds=[5, 6])
    assert other.root == Path("results/paper-seeds-5_6") and not other.is_published_run
    assert Run.of("ch05", profile="paper", seeds=[42]).root == Path("results/paper-seeds-42")


def test_other_seeds_leave_the_published_results_and_pages_byte_identical(tmp_path, capsys):
    """`fragility run ch01 --profile paper --seeds 5 6` computes the published protocol on other seeds: its
    tables and page go elsewhere, and say which seeds they are."""
    results = tmp_path / "results"
    shutil.copytree(ROOT / "results" / "paper", results / "paper")
    before = tree_digest(results / "paper", ROOT / "book")
    assert main(["run", "ch01", "--profile", "paper", "--seeds", "5", "6", "--results-dir", str(results),
                 "--no-progress"]) == 0
    assert tree_digest(results / "paper", ROOT / "book") == before
    run = Run.of("ch01", profile="paper", seeds=[5, 6], results_dir=results)
    battery = pd.read_csv(run.root / "stages" / "ch01-battery" / f"{run.read_index()['ch01-battery']}.csv")
    assert sorted(battery["seed"].unique()) == [5, 6]
    page = ROOT / "_build" / "notebooks" / "paper-seeds-5_6" / "ch01_overpruning.ipynb"
    assert "Seeds [5, 6] (not the volume&#x27;s seeds)" in page.read_text() or \
        "Seeds [5, 6] (not the volume's seeds)" in page.read_text()


def test_status_reports_fresh_then_damaged_then_fresh_after_a_rerun(tmp_path, capsys):
    results = str(tmp_path / "results")
    assert main(["compute", "ch01", "--profile", "smoke", "--results-dir", results, "--no-progress"]) == 0
    assert main(["status", "ch01", "--profile", "smoke", "--results-dir", results]) == 0
    out = capsys.readouterr().out
    assert "ch01-battery" in out and "sweep" in out and "missing" not in out
    run = Run.of("ch01", profile="smoke", results_dir=results)
    csv = run.root / "stages" / "ch01-battery" / f"{run.read_index()['ch01-battery']}.csv"
    good = csv.read_bytes()
    csv.write_bytes(good[: len(good) // 2])   # truncated
    assert main(["status", "ch01", "--profile", "smoke", "--results-dir", results]) == 1
    assert "damaged" in capsys.readouterr().out
    messages = []
    run.compute(progress=False, log=messages.append)
    assert [m for m in messages if m.startswith("computing")] == ["computing ch01-battery ..."]
    assert csv.read_bytes() == good
    assert all(r.status == "fresh" for r in run.status())


def test_an_edited_network_state_is_detected_on_the_next_run(tmp_path):
    run = Run.of("ch01", profile="smoke", results_dir=tmp_path)
    tables = run.compute(progress=False, log=None)
    (pt,) = (run.root / ".state" / "baseline").glob("*.pt")
    state = torch.load(pt, weights_only=True)
    state["tensors"]["weights.0"].zero_()
    torch.save(state, pt)                                   # a loadable state with other weights
    shutil.rmtree(run.root / "stages" / "sweep")            # so the next run needs the baseline again
    messages = []
    again = run.compute(progress=False, log=messages.append)
    assert any("baseline" in m and "damaged" in m for m in messages)
    assert again["sweep"].equals(tables["sweep"])            # recomputed from a recomputed baseline


def test_a_chapters_needs_are_checked_before_compute(monkeypatch, tmp_path):
    import dataclasses
    import importlib.util

    from fragility_core.chapters import CHAPTERS

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a))
    llm = dataclasses.replace(CHAPTERS["ch01"], needs=frozenset({"llm"}))
    run = Run.of(llm, results_dir=tmp_path)   # reading stored results needs no extra
    with pytest.raises(ValueError, match=r"peft.*\[llm\]"):
        run.compute(progress=False)
    assert not any(tmp_path.rglob("*.csv"))   # nothing was computed
    gpu = dataclasses.replace(CHAPTERS["ch01"], needs=frozenset({"cuda"}))
    with pytest.raises(ValueError, match="device"):
        Run.of(gpu, device="cpu")


def _toy_chapter(number: int, table: str, weights=(0.0, 1.0, 2.0, 3.0)):
    """A chapter that measures one network shared with the other toy chapter (as chapters 5, 7 and 8 share
    theirs)."""
    from fragility_core.chapters.base import Chapter

    net = {"network": "shared", "seeds": [0]}

    def compute(store, protocol, *, progress=True):
        def measure():
            state = store.state("net", net, lambda: {"w": torch.tensor(weights)})
            return pd.DataFrame({"seed": [0], "value": [float(state["w"].sum()) + number]})
        return {"t": store.table(table, {"parent": net, "chapter": number}, measure)}

    return Chapter(number=number, slug=f"toy{number}", title="toy", volume_title="toy", volume_lines=(1, 1),
                   summary="toy", default_seeds=(0,), profiles=("smoke",), protocol=lambda profile, seeds: None,
                   compute=compute)


def test_a_shared_network_trained_again_with_other_bytes_stales_every_chapter_measured_on_it(tmp_path):
    """Two chapters measure one network; its file is gone (networks are never committed) and, trained again for
    a third chapter, it comes out different (as on another kind of processor): the first two chapters' tables
    are stale until each is recomputed, and recomputing the first leaves the second stale."""
    first, second = _toy_chapter(91, "first"), _toy_chapter(92, "second")
    third = _toy_chapter(93, "third", weights=(0.0, 1.0, 2.0, 3.5))
    run = lambda chapter: Run.of(chapter, profile="smoke", results_dir=tmp_path)  # noqa: E731
    statuses = lambda chapter: [r.status for r in run(chapter).status()]  # noqa: E731
    for chapter in (first, second):
        run(chapter).compute(progress=False, log=None)
    for pt in (tmp_path / "smoke" / ".state").rglob("*.pt"):
        pt.unlink()
    assert statuses(first) == statuses(second) == ["fresh"]   # a missing network file alone changes nothing
    run(third).compute(progress=False, log=None)
    assert statuses(first) == statuses(second) == ["stale"] and statuses(third) == ["fresh"]
    run(_toy_chapter(91, "first", weights=(0.0, 1.0, 2.0, 3.5))).compute(progress=False, log=None)
    assert statuses(first) == ["fresh"] and statuses(second) == ["stale"]
    (man,) = (tmp_path / "smoke" / "stages" / "second").glob("*.manifest.json")
    assert json.loads(man.read_text())["parents"][0]["name"] == "net"
