"""The published-values layer: loading, table layout, comparison and verdicts."""
import math

import pandas as pd
import pytest

from fragility_core.compare.published import (VERDICTS, VerdictRule, compare, load_published, published,
                                      published_table, scorecard, verdict)


def as_ours(rows: pd.DataFrame) -> pd.DataFrame:
    """A reproduction that hits every published number of ``rows`` (range rows: the midpoint)."""
    exact = rows.drop_duplicates(["table", "row", "column"]).copy()
    exact["value"] = exact["value"].fillna((exact["min"] + exact["max"]) / 2)
    return exact[["table", "row", "column", "value"]]


def test_the_csv_has_832_rows_and_22_in_chapter_1():
    df = load_published()
    assert len(df) == 832
    assert len(published(1)) == 22
    assert df.groupby("chapter").size().to_dict() == {
        1: 22, 2: 45, 3: 89, 4: 49, 5: 76, 6: 94, 7: 97, 8: 75, 9: 216, 10: 69}


def test_printed_strings_and_tags_are_kept():
    df = load_published()
    t1 = published(1, table="Table 1")
    full_clean = t1[(t1["row"] == "Full Network") & (t1["column"] == "Clean accuracy (%)")].iloc[0]
    assert full_clean["printed"] == "100.0" and full_clean["value"] == 100.0
    assert set(df["tag"]) == {"", "approx", "lower bound", "upper bound", "in words", "approx; in words"}
    assert (df["tag"] != "").sum() == 82
    assert (df.loc[df["tag"] != "", "note"].str.startswith("[")).all()
    ranges = df[df["value"].isna()]
    assert len(ranges) > 0 and ranges[["min", "max"]].notna().all().all()
    assert (df.loc[df["source"] != "table", "table"] == "").all()


def test_ch1_table1_in_printed_layout():
    layout = published_table(1, "Table 1")
    assert layout.shape == (3, 5)
    assert list(layout.index) == ["Full Network", "Pruned (95%)", "Recovered (Regrowth + Fine-tuning)"]
    assert layout.loc["Pruned (95%)", "Sparsity (%)"] == "94.7"
    assert layout.loc["Full Network", "Clean accuracy (%)"] == "100.0"


def test_table_cells_show_sd_ranges_and_dashes():
    assert published_table(6, "Table 3").loc["SSRI, Cycle 0", "Combined-Stress Accuracy (%)"] == "80.8 ± 8.7"
    assert published_table(8, "Table 4").loc["Ketamine-like", "Cycle 0 Relapse Rate (%)"] == "20–30"
    assert (published_table(4, "Table 1") == "—").any().any()
    with pytest.raises(ValueError, match="Table 9"):
        published_table(1, "Table 9")


def test_reproducing_every_number_exactly_agrees_everywhere():
    bounds_checked = 0
    for chapter in range(1, 11):
        pub = published(chapter)
        result = compare(as_ours(pub), chapter)
        assert len(result) == len(pub)
        bounds = pub["tag"].isin(["lower bound", "upper bound"])
        assert (result.loc[~bounds, "verdict"] == "agrees").all(), chapter
        # bounds are inclusive: sitting exactly on "at least x" / "at most x" satisfies it
        # (a bound that restates another number of the same key is judged against that number)
        alone = bounds & ~pub.duplicated(["table", "row", "column"], keep=False)
        assert (result.loc[alone, "verdict"] == "agrees").all(), chapter
        bounds_checked += alone.sum()
    assert bounds_checked > 0


def test_a_range_reproduced_as_a_range_is_judged_by_its_worse_end():
    key = {"table": "", "row": "Ketamine-like", "column": "Biased Stress Accuracy (%)"}
    pub = published(5)
    lo, hi = pub[(pub.table == "") & (pub.row == key["row"]) & (pub.column == key["column"])][["min", "max"]].iloc[0]
    for shift, expected in [(0.0, "agrees"), (7.0, "close"), (12.0, "deviates")]:
        ours = pd.DataFrame([{**key, "value": (lo + hi) / 2, "min": lo, "max": hi + shift}])
        row = compare(ours, 5).query("table == '' and row == @key['row'] and column == @key['column']").iloc[0]
        assert row["verdict"] == expected, shift


def test_ch1_all_agree_and_one_5pt_perturbation_deviates_alone():
    ours = as_ours(published(1))
    assert (compare(ours, 1)["verdict"] == "agrees").all()
    key = (ours["row"] == "Pruned (95%)") & (ours["column"] == "Standard accuracy (%)")
    ours.loc[key, "value"] += 5.0
    result = compare(ours, 1)
    deviating = result[result["verdict"] != "agrees"]
    assert len(deviating) == 1
    assert deviating.iloc[0][["row", "column", "verdict"]].tolist() == [
        "Pruned (95%)", "Standard accuracy (%)", "deviates"]
    assert deviating.iloc[0]["diff"] == pytest.approx(5.0)


def test_missing_results_stay_as_not_reproduced():
    ours = pd.DataFrame({"table": ["Table 1"], "row": ["Pruned (95%)"],
                         "column": ["Sparsity (%)"], "value": [94.7]})
    result = compare(ours, 1)
    assert len(result) == 22
    assert result["verdict"].value_counts().to_dict() == {"not reproduced": 21, "agrees": 1}
    assert result["ours"].isna().sum() == 21


def test_prose_keys_accept_nan_or_empty_table():
    ours = pd.DataFrame({"table": [math.nan, ""], "row": ["Pruned (95%)", "Full Network"],
                         "column": ["Non-zero parameters", "Active parameters"],
                         "value": [21050, 396548]})
    result = compare(ours, 1)
    assert (result.loc[result["ours"].notna(), "verdict"] == "agrees").all()
    assert result["ours"].notna().sum() == 2


def test_unknown_and_duplicated_keys_are_named():
    ours = pd.DataFrame({"table": ["Table 1"], "row": ["Pruned (96%)"],
                         "column": ["Sparsity (%)"], "value": [94.7]})
    with pytest.raises(ValueError, match=r"Pruned \(96%\)"):
        compare(ours, 1)
    twice = pd.concat([ours.assign(row="Pruned (95%)")] * 2)
    with pytest.raises(ValueError, match="more than one"):
        compare(twice, 1)
    with pytest.raises(ValueError, match="value"):
        compare(ours.drop(columns="value"), 1)
    with pytest.raises(ValueError, match="chapter"):
        published(11)


def test_single_seed_point_thresholds():
    assert verdict(51.8, 50.8, unit="%") == "agrees"
    assert verdict(53.0, 50.8, unit="%") == "close"
    assert verdict(54.0, 50.8, unit="%") == "deviates"
    assert verdict(53.0, 51.0, unit="%", tag="approx") == "agrees"
    assert verdict(55.5, 51.0, unit="%", tag="approx") == "close"
    assert verdict(56.5, 51.0, unit="%", tag="approx; in words") == "deviates"
    assert verdict(math.nan, 50.8, unit="%") == "not reproduced"


def test_bounds_and_ranges():
    assert verdict(97.1, 97.0, unit="%", tag="lower bound") == "agrees"
    assert verdict(96.9, 97.0, unit="%", tag="lower bound") == "deviates"
    assert verdict(3.9, 4.0, unit="%", tag="upper bound") == "agrees"
    assert verdict(4.1, 4.0, unit="%", tag="upper bound") == "deviates"
    assert verdict(92.0, math.nan, unit="%", lo=90, hi=95) == "agrees"
    assert verdict(97.5, math.nan, unit="%", lo=90, hi=95) == "close"
    assert verdict(88.0, math.nan, unit="%", lo=90, hi=95) == "close"
    assert verdict(86.5, math.nan, unit="%", lo=90, hi=95) == "deviates"


def test_counts_are_exact_unless_approximate():
    assert verdict(21050, 21050, unit="count", printed="21050") == "agrees"
    assert verdict(21047, 21050, unit="count", printed="21050") == "deviates"
    assert verdict(396548, 396000, unit="count", tag="approx", printed="396000") == "agrees"
    assert verdict(396548, 400000, unit="count", tag="approx", printed="400000") == "agrees"
    assert verdict(396548, 390000, unit="count", tag="approx", printed="3.9e5") == "deviates"


def test_multi_seed_placeholder_rule():
    rule = VerdictRule()
    # tolerance = max(2 * sqrt(8.8**2/10 + 8.0**2/10), 1.0) = 7.52...
    tol = rule.seeds_z * math.sqrt(8.8 ** 2 / 10 + 8.0 ** 2 / 10)
    assert verdict(81.3 + tol - 0.01, 81.3, unit="%", published_sd=8.8, published_n=10,
                   ours_sd=8.0, ours_n=10) == "agrees"
    assert verdict(81.3 + tol + 0.01, 81.3, unit="%", published_sd=8.8, published_n=10,
                   ours_sd=8.0, ours_n=10) == "close"
    assert verdict(81.3 + 2 * tol + 0.01, 81.3, unit="%", published_sd=8.8, published_n=10,
                   ours_sd=8.0, ours_n=10) == "deviates"
    # tiny SDs fall back on the 1 pt floor
    assert verdict(98.2, 97.3, unit="%", published_sd=0.2, published_n=10, ours_sd=0.2, ours_n=10) == "agrees"
    assert verdict(99.3, 97.3, unit="%", published_sd=0.2, published_n=10, ours_sd=0.2, ours_n=10) == "close"


def test_compare_carries_sd_seeds_and_profile():
    pub = published(6, table="Table 3")
    ours = as_ours(pub).assign(sd=0.5, n_seeds=10, profile="paper")
    result = compare(ours, 6)
    assert (result["profile"] == "paper").sum() == len(pub)
    assert (result.loc[result["table"] == "Table 3", "verdict"] == "agrees").all()


def test_scorecard_counts_verdicts_per_chapter():
    ours = as_ours(published(1))
    ours.loc[ours.index[0], "value"] = 0.0
    card = scorecard({1: compare(ours, 1), 2: compare(ours.iloc[:0], 2)})
    assert list(card.columns) == [*VERDICTS, "total"]
    assert card.loc[1, "agrees"] == 21 and card.loc[1, "deviates"] == 1
    assert card.loc[2, "not reproduced"] == 45 and card.loc[2, "total"] == 45
