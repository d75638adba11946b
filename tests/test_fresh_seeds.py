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


@pytest.mark.parametrize("chapter", ["ch05", "ch07"])
def test_ten_seed_chapters_keep_the_volumes_data_on_its_seeds_and_draw_their_own_elsewhere(chapter):
    ch = CHAPTERS[chapter]
    assert not ch.protocol("paper", tuple(range(10))).per_seed_data
    assert not ch.protocol("smoke", (0, 1, 2)).per_seed_data   # CI's subset: the volume's data, the same stages
    fresh = ch.protocol("paper", FRESH_SEEDS)
    assert fresh.per_seed_data and fresh == CHAPTERS["ch05"].protocol("paper", FRESH_SEEDS)  # ch 7 shares ch 5's
    assert ch.protocol("paper", (0, 500)).per_seed_data      # a list reaching beyond the volume's seeds
    assert CHAPTERS["ch06"].protocol("paper", tuple(range(10))).per_seed_data   # chapter 6 always per seed


def test_chapter_8_on_further_seeds_draws_their_own_data_and_scars_on_chapter_5s_substrate():
    from fragility_core.chapters import ch08

    ch = CHAPTERS["ch08"]
    published = ch.protocol("paper", tuple(range(10)))
    assert not published.acute.per_seed_data
    assert not ch.protocol("smoke", (0, 1, 2)).acute.per_seed_data   # CI's subset keeps the volume's data
    fresh = ch.protocol("paper", FRESH_SEEDS)
    assert ch.fresh_seeds == FRESH_SEEDS and fresh.acute.per_seed_data
    assert fresh.acute == CHAPTERS["ch05"].protocol("paper", FRESH_SEEDS)   # the same baseline and prune stages
    assert fresh.kindling == published.kindling and fresh.course == published.course   # nothing else changes
    assert ch.panel_claims <= set(ch08.claims(Run.of("ch08").load()[0])["claim"])   # panels name real claims


def test_withdrawal_of_the_three_arms_in_one_ensemble_reads_each_seeds_own_data():
    """The maintained arms are one ensemble of three blocks of the seeds; with per-seed data each block is
    measured on its seeds' sets, exactly as each arm alone."""
    from types import SimpleNamespace

    from fragility_core.chapters.ch07 import withdrawal_table
    from fragility_core.models.mlp import EnsembleMLP
    from fragility_core.science.stress import BIASED, evaluate

    seeds = (3, 4)
    task = BlobTask.per_member([seed_task_spec(s, TaskSpec(n_train=64, n_standard=300, n_clean=20)) for s in seeds])
    arms = [EnsembleMLP(list(seeds)) for _ in range(3)]
    for k, arm in enumerate(arms):
        arm.gain.fill_(1.0 + 0.3 * k)
    table = withdrawal_table(EnsembleMLP.concat(arms), SimpleNamespace(task=task, protocol=SimpleNamespace(
        seeds=seeds)), published_duration=25, epochs=25)
    own = table[table.schedule == "own rate"]
    assert len(own) == 3 * len(seeds)
    for k, (arm, rows) in enumerate(own.groupby("arm", sort=False)):
        assert rows["biased_on"].tolist() == [float(a) for a in evaluate(arms[k], task, BIASED)]


def _toy_claims(tables):
    """Two claims on a toy table: one about each network (value > 0), one about a set of seeds (most positive)."""
    from fragility_core.compare.claims import Claim, claims_table

    v = tables["t"]["value"]
    return claims_table([Claim("each", "every value is positive", bool((v > 0).all()), ""),
                         Claim("set", "at least 8 of the seeds are positive", int((v > 0).sum()) >= 8, "")])


def test_claims_about_a_set_of_seeds_are_judged_on_disjoint_panels_the_rest_seed_by_seed():
    import pandas as pd
    from fragility_core.compare.seeds import claims_on_seeds, panels

    assert panels(list(range(500, 530)), 10) == [tuple(range(500 + 10 * i, 510 + 10 * i)) for i in range(3)]
    assert panels(list(range(25)), 10) == [tuple(range(10)), tuple(range(10, 20))]   # the incomplete one dropped
    values = [1.0] * 30
    for s in (3, 14, 15, 16):   # panel 1 holds (9 of 10 positive), panel 2 fails (7 of 10), panel 3 holds
        values[s] = -1.0
    tables = {"t": pd.DataFrame({"seed": range(500, 530), "value": values})}
    out = claims_on_seeds(_toy_claims, tables, panel_claims={"set"}, panel_size=10).set_index("claim")
    assert out.loc["each", ["seeds holding", "seeds", "judged on"]].tolist() == [26, 30, "seed"]
    assert out.loc["set", ["seeds holding", "seeds", "judged on"]].tolist() == [2, 3, "panel of 10 seeds"]
    assert out.loc["set", "robustness"].startswith("seed-dependent") and "panels" in out.loc["set", "robustness"]
    per_seed = claims_on_seeds(_toy_claims, tables).set_index("claim")   # no panel claims: all seed by seed
    assert per_seed.loc["set", "seeds"] == 30 and per_seed.loc["set", "seeds holding"] == 0
    html = page.claims_on_seeds_view(out.reset_index(), _toy_claims(tables), published="Published seeds")
    assert "2 of 3 ten-seed panels (67 %)" in html and "26 of 30 (87 %)" in html
