"""The numbers the chapter 5–7 investigations compare, on small tables whose answers are known."""
import pandas as pd
import pytest

from fragility_core.compare import investigations as inv


def course(values: dict[tuple[str, int], list[float]]) -> pd.DataFrame:
    """A chronic course: per (arm, seed) the combined-stress accuracy at cycles 0, 1, ..."""
    return pd.DataFrame([dict(arm=arm, member=seed, seed=seed, cycle=c, combined=v, sparsity=95.0)
                         for (arm, seed), vs in values.items() for c, v in enumerate(vs)])


def test_relapse_counts_follow_the_threshold_and_count_any_cycle():
    c = course({("ssri", 0): [79.0, 90.0], ("ssri", 1): [84.0, 86.0], ("ketamine", 0): [97.0, 97.0],
                ("ketamine", 1): [97.0, 96.0]})
    t = inv.relapsed_by_threshold(c, [80, 85])
    assert t.loc["ssri"].tolist() == [1, 2] and t.loc["ketamine"].tolist() == [0, 0]


def test_binomial_tails():
    assert inv.binomial_tail(0, 10, 0.3, upper=True) == pytest.approx(1.0)
    assert inv.binomial_tail(10, 10, 0.5, upper=True) == pytest.approx(0.5 ** 10)
    assert inv.binomial_tail(0, 10, 0.2, upper=False) == pytest.approx(0.8 ** 10)
    assert inv.binomial_tail(3, 10, 0.4, upper=True) + inv.binomial_tail(2, 10, 0.4, upper=False) == pytest.approx(1)


def test_relapses_on_fresh_seeds_counts_each_panel_and_the_chance_of_the_published_count():
    fresh = course({("ssri", s): [70.0 if s in (500, 501, 515) else 90.0] for s in range(500, 530)})
    ours = course({("ssri", s): [70.0 if s == 3 else 90.0] for s in range(10)})
    r = inv.relapses_on_fresh_seeds(ours, fresh, {"ssri": 4}, 80.0, 10).set_index("arm").loc["ssri"]
    assert r["ours"] == 1 and r["fresh panels"] == "2 / 1 / 0" and r["fresh per-seed rate (%)"] == pytest.approx(10)
    assert r["direction"] == "≥" and r["P(as far as published)"] == pytest.approx(inv.binomial_tail(4, 10, 0.1, upper=True))
    assert r["first relapse cycles (fresh)"] == "0, 0, 0"


def test_relapse_by_threshold_uses_each_arms_own_rate_only():
    w = pd.DataFrame([dict(arm="ssri", seed=0, duration=25, schedule="own rate", biased=55.0),
                      dict(arm="ssri", seed=1, duration=25, schedule="own rate", biased=65.0),
                      dict(arm="ssri", seed=0, duration=25, schedule="uniform 0.002", biased=10.0)])
    t = inv.relapse_by_threshold(w, [60, 70])
    assert t.loc["ssri"].tolist() == [50.0, 100.0]
