"""The further seeds of the single-seed chapters: a fresh seed is a fresh draw of everything random, the page
reads them without computing, and a damaged or stale one is flagged, never shown as current."""
import dataclasses

import pytest
import torch

from fragility_core.book import stale_tables
from fragility_core.chapters import CHAPTERS
from fragility_core.chapters.base import FRESH_SEEDS
from fragility_core.compare import page
from fragility_core.compare.published import compare
from fragility_core.runs import Run
from fragility_core.science.data import BlobTask, TaskSpec, seed_task_spec

SINGLE_SEED = ["ch01", "ch02", "ch03", "ch04"]


@pytest.mark.parametrize("chapter", SINGLE_SEED)
def test_the_published_seed_draws_the_volumes_data_and_a_fresh_seed_its_own(chapter):
    published = Run.of(chapter).config
    assert published.seeds == (42,) and not published.per_seed_data and published.task == TaskSpec()
    fresh = Run.of(chapter).fresh()
    assert fresh.seeds == FRESH_SEEDS == tuple(range(500, 530)) and fresh.profile == "paper"
    assert fresh.config.per_seed_data   # data seeds follow the member seed (s, 10 000 + s, 20 000 + s)
    assert fresh.config == Run.of("ch01").fresh().config   # one protocol: the four chapters share its stages


def test_fresh_seeds_draw_different_data_and_the_same_seed_the_same_data():
    spec = dataclasses.replace(TaskSpec(), n_train=50, n_standard=20, n_clean=10)
    task = BlobTask.per_member([seed_task_spec(s, spec) for s in (500, 501)])
    again = BlobTask.per_member([seed_task_spec(s, spec) for s in (501,)])
    assert not torch.equal(task.train.x[0], task.train.x[1]) and not torch.equal(task.standard.x[0], task.standard.x[1])
    assert torch.equal(task.train.x[1], again.train.x[0]) and torch.equal(task.clean.y[1], again.clean.y[0])


def test_tiled_task_gives_every_snapshot_block_its_own_seeds_data():
    spec = dataclasses.replace(TaskSpec(), n_train=40, n_standard=20, n_clean=10)
    task = BlobTask.per_member([seed_task_spec(s, spec) for s in (500, 501, 502)])
    tiled = task.tile_members(5)   # chapter 3's 5 checkpoints x 3 seeds, block by block
    assert tiled.train.x.shape == (15, 40, 2) and tiled.standard.y.shape == (15, 20)
    for block in range(5):
        for j in range(3):
            for name in ("train", "standard", "clean"):
                assert torch.equal(tiled.split(name).x[block * 3 + j], task.split(name).x[j])
                assert torch.equal(tiled.split(name).y[block * 3 + j], task.split(name).y[j])
    shared = BlobTask.generate(spec)
    assert shared.tile_members(5) is shared   # one data set for every member: nothing to tile


def test_the_page_reads_the_further_seeds_and_flags_them_when_damaged(tmp_path):
    chapter = dataclasses.replace(CHAPTERS["ch01"], fresh_seeds=(500, 501))
    run = Run.of(chapter, profile="smoke", results_dir=tmp_path)
    results = run.compute(progress=False, log=None)
    comparison, claims = compare(chapter.reproduced(results), chapter=1), chapter.claims(results)

    html, spread, on_seeds, records = page.fresh_seeds_section(run, comparison, claims)
    assert spread is None and on_seeds is None and not records and "have not been computed" in html
    assert page.fresh_downloads_markdown(run, records) == ""
    assert "fragility compute ch01 --profile smoke --seeds $(seq 500 501)" in html
    assert not stale_tables(run)   # not computed yet: nothing to flag, nothing shown

    run.fresh().compute(progress=False, log=None)
    html, spread, on_seeds, records = page.fresh_seeds_section(run, comparison, claims)
    assert "STALE" not in html and set(spread["fresh seeds"]) == {2}
    assert "ch01-battery" in page.fresh_downloads_markdown(run, records)
    assert set(on_seeds["seeds"]) == {2} and set(on_seeds["claim"]) == set(claims["claim"])
    assert not stale_tables(run)

    (csv,) = (run.fresh().root / "stages" / "ch01-battery").glob("*.csv")
    csv.write_bytes(csv.read_bytes()[:200])
    html, spread, _, records = page.fresh_seeds_section(run, comparison, claims)
    assert "STALE" in html and "ch01-battery (damaged)" in html and "shows none of their numbers" in html
    assert spread is None and not records and "<table" not in html
    assert stale_tables(run) == ["ch01-battery on the further seeds (damaged)"]
