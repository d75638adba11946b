"""A published single-seed number placed in our fresh-seed distribution; claims counted seed by seed."""
import numpy as np
import pandas as pd
import pytest

from fragility_core.compare import seeds as S


def test_percentile_counts_ties_half():
    sample = np.array([1.0, 2.0, 3.0, 4.0])
    assert S.percentile_of(0.0, sample) == 0 and S.percentile_of(5.0, sample) == 100
    assert S.percentile_of(2.0, sample) == 37.5 and S.percentile_of(7.0, np.array([7.0, 7.0])) == 50


def tables(values: dict[int, float]) -> dict[str, pd.DataFrame]:
    return {"battery": pd.DataFrame({"seed": list(values), "metric": "acc", "value": list(values.values())}),
            "design": pd.DataFrame({"what": ["sparsity"], "value": [94.7]})}


def reproduced(t):   # a chapter's reproduced(): one seed's mean under a published key, plus a design number
    return pd.DataFrame([{"table": "Table 1", "row": "Pruned", "column": "Acc (%)",
                          "value": float(t["battery"]["value"].mean())},
                         {"table": "", "row": "Pruned", "column": "Sparsity (%)", "value": 94.71}])


def comparison(published_acc: float, ours_acc: float) -> pd.DataFrame:
    return pd.DataFrame([
        {"table": "Table 1", "row": "Pruned", "column": "Acc (%)", "published": f"{published_acc:.1f}",
         "ours": ours_acc, "diff": ours_acc - published_acc, "verdict": "deviates"},
        {"table": "", "row": "Pruned", "column": "Sparsity (%)", "published": "94.7", "ours": 94.71,
         "diff": 0.01, "verdict": "agrees"}])


def test_each_seed_is_cut_out_and_the_published_value_placed_in_the_spread():
    fresh = tables({500 + i: float(v) for i, v in enumerate(range(20, 80, 2))})   # 30 seeds: 20, 22, ..., 78
    per = S.per_seed(reproduced, fresh)
    assert len(per) == 60 and sorted(per[per.column == "Acc (%)"].value) == list(map(float, range(20, 80, 2)))
    inside = S.seed_spread(per, comparison(43.1, 51.8)).set_index("column")
    assert inside.loc["Acc (%)", "spread verdict"] == "within our seed spread"
    assert inside.loc["Acc (%)", "median (fresh seeds)"] == 49.0
    assert 35 < inside.loc["Acc (%)", "published percentile"] < 45
    assert inside.loc["Sparsity (%)", "spread verdict"] == "no seed spread"
    outside = S.seed_spread(per, comparison(90.0, 51.8)).set_index("column")
    assert outside.loc["Acc (%)", "spread verdict"] == "outside it"
    assert outside.loc["Acc (%)", "published percentile"] == 100


def test_claims_are_counted_seed_by_seed_with_an_interval():
    fresh = tables({500 + i: float(i) for i in range(30)})

    def claims(t):
        v = float(t["battery"]["value"].iloc[0])
        return pd.DataFrame([{"claim": "C.1", "verdict": "holds" if v < 12 else "does not hold"},
                             {"claim": "C.2", "verdict": "holds"}])
    out = S.claims_on_seeds(claims, fresh, resamples=500).set_index("claim")
    assert out.loc["C.1", "seeds holding"] == 12 and out.loc["C.1", "share (%)"] == 40
    assert out.loc["C.1", "robustness"].startswith("fragile")
    assert out.loc["C.2", "robustness"].startswith("robust") and out.loc["C.2", "95 % interval"] == "100–100 %"
    lo, hi = S.bootstrap_share(np.array([True] * 12 + [False] * 18), resamples=2000)
    assert lo < 40 < hi and hi - lo > 20


def test_tables_without_seeds_are_refused():
    with pytest.raises(ValueError, match="seed column"):
        S.per_seed(reproduced, {"design": pd.DataFrame({"value": [1.0]})})
