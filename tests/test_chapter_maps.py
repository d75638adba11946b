"""Each chapter's ``reproduced`` and ``claims`` on small synthetic tables: the published keys carry the quantity
they name, and each claim's verdict follows the numbers it reads.

The tables have the shapes of the committed ``results/paper/chNN/*.csv`` (same columns, group labels, metric names,
member/seed columns); every cell gets a distinct value, so a key that reads the wrong group, the wrong metric or the
wrong sign shows as a wrong number. Rows are shuffled: nothing may depend on row order. No network is trained.
"""
from __future__ import annotations

import importlib
import math
from itertools import count

import numpy as np
import pandas as pd
import pytest

from fragility_core.chapters import get_chapter
from fragility_core.compare.published import compare

# ------------------------------------------------------------------------------------------------------------------
# metric names and group labels, as in the committed tables
CLEAN, STANDARD, IN1, IN2 = "clean", "standard", "input σ=1.0", "input σ=2.0"
I03, I05, I10, I15, I25 = "internal σ=0.3", "internal σ=0.5", "internal σ=1.0", "internal σ=1.5", "internal σ=2.5"
COMB, BIASED = "combined", "internal σ=1.0, mean +1.0"
NZ, SP_ALL, SP_W = "non-zero parameters", "sparsity (all parameters)", "sparsity (weights only)"
BEFORE, AFTER, DROP = "relapse before", "relapse after", "relapse drop"
GAIN, DAMPING, ACTIVATION = "gain", "damping", "activation"

BATTERY = [CLEAN, STANDARD, IN1, IN2, I03, I05, I10, I15, I25, COMB, NZ, SP_ALL, SP_W]
RELAPSE = [BEFORE, AFTER, DROP]
ACUTE = [*BATTERY, BIASED, *RELAPSE, GAIN, DAMPING, ACTIVATION]
UNITS = {NZ: "count", DROP: "pt", GAIN: "ratio", DAMPING: "ratio", ACTIVATION: "a.u."}
SMALL = {GAIN, DAMPING, ACTIVATION}  # metrics of order 1: a small per-seed spread

ARMS = ["dense", "untreated", "ketamine", "ssri", "neurosteroid", "neurosteroid-off"]
TREATED = ["ketamine", "ssri", "neurosteroid"]
LEVELS = [0.0, 50.0, 70.0, 80.0, 85.0, 90.0, 90.5, 91.0, 91.5, 92.0, 92.5, 93.0, 93.5, 94.0, 94.5, 95.0, 96.0,
          97.0, 98.0, 99.0]
CHECKPOINTS = [0, 5, 10, 15, 20]
REGIMENS = ["acute-moderate", "acute-full", "chronic-x3", "chronic-x6", "chronic-x10", "pruned"]
SEEDS3 = (0, 1, 2)


# ------------------------------------------------------------------------------------------------------------------
# builders

def spread(metric: str) -> float:
    return 0.003 if metric in SMALL else 0.3


def offsets(n: int, s: float) -> list[float]:
    """Symmetric per-seed offsets (mean 0, population SD ``s`` for n = 2, ``s·√(2/3)`` for n = 3)."""
    return {1: [0.0], 2: [-s, s], 3: [-s, 0.0, s]}[n]


def tidy(by: str, planted: dict, groups, metrics, seeds, *, unique: bool = True, shuffle: int = 0) -> pd.DataFrame:
    """A tidy per-member table ``by, member, seed, metric, value, unit``.

    ``planted[(group, metric)]`` is a mean (spread symmetrically over the seeds) or a per-seed list; every other
    cell gets a distinct filler (500 and up, far from every planted number). ``unique`` asserts that no two cells
    share a mean, so a swapped key cannot pass by coincidence.
    """
    fill = count()
    means, rows = {}, []
    for g in groups:
        for m in metrics:
            v = planted.get((g, m))
            if v is None:
                v = 500.0 + 1.37 * next(fill)
            per_seed = list(v) if isinstance(v, (list, tuple)) else [v + o for o in offsets(len(seeds), spread(m))]
            assert len(per_seed) == len(seeds)
            means[(g, m)] = float(np.mean(per_seed))
            rows += [{by: g, "member": i, "seed": s, "metric": m, "value": float(x), "unit": UNITS.get(m, "%")}
                     for i, (s, x) in enumerate(zip(seeds, per_seed))]
    unknown = set(planted) - set(means)
    assert not unknown, f"planted cells outside the table: {unknown}"
    if unique:
        vals = [round(x, 9) for x in means.values()]
        dup = {x for x in vals if vals.count(x) > 1}
        assert not dup, f"planted means are not distinct: {dup}"
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=shuffle).reset_index(drop=True)


def sweep(curves: dict, seeds) -> pd.DataFrame:
    """The sparsity sweep: ``curves[metric]`` maps each prune level to its mean; other metrics are fillers."""
    planted = {(level, m): curve[level] for m, curve in curves.items() for level in LEVELS}
    return tidy("prune_level", planted, LEVELS, BATTERY, seeds, unique=False, shuffle=1)


def get(rep: pd.DataFrame, table: str, row: str, column: str) -> pd.Series:
    hit = rep[(rep["table"] == table) & (rep["row"] == row) & (rep["column"] == column)]
    assert len(hit) == 1, f"expected one reproduced row for {(table, row, column)}, found {len(hit)}"
    return hit.iloc[0]


def value(rep: pd.DataFrame, table: str, row: str, column: str) -> float:
    return float(get(rep, table, row, column)["value"])


def has_key(rep: pd.DataFrame, table: str, row: str, column: str) -> bool:
    return bool(((rep["table"] == table) & (rep["row"] == row) & (rep["column"] == column)).any())


def approx(x: float):
    return pytest.approx(x, rel=1e-12, abs=1e-9)


def verdict(claims: pd.DataFrame, claim_id: str) -> str:
    hit = claims[claims["claim"] == claim_id]
    assert len(hit) == 1, f"claim {claim_id} appears {len(hit)} times"
    return hit.iloc[0]["verdict"]


def assert_flips(chapter: int, claim_id: str, holding: dict, broken: dict) -> None:
    claims = get_chapter(chapter).claims
    assert verdict(claims(holding), claim_id) == "holds"
    assert verdict(claims(broken), claim_id) == "does not hold"


def assert_compares(rep: pd.DataFrame, chapter: int) -> None:
    """``compare`` accepts every key (it raises on one the chapter does not publish) and carries our values."""
    cmp = compare(rep, chapter=chapter)
    ours = cmp.dropna(subset=["ours"]).drop_duplicates(["table", "row", "column"])
    merged = ours.merge(rep, on=["table", "row", "column"], how="outer", indicator=True, validate="one_to_one")
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][["table", "row", "column"]]
    assert np.allclose(merged["ours"], merged["value"])


# Two sweep curves with different cliffs, one per metric, so a cliff read on the wrong metric shows.
CURVE_A = dict(zip(LEVELS, [99.9, 99.8, 99.7, 99.5, 99.2, 98.6, 97.0, 95.1, 90.4, 80.3, 70.2, 60.7, 55.0, 50.1,
                            45.3, 42.2, 35.1, 30.4, 27.3, 25.6]))
CURVE_B = dict(zip(LEVELS, [98.1, 98.0, 97.9, 97.6, 97.2, 96.5, 95.0, 90.2, 80.1, 70.3, 62.4, 50.6, 45.5, 40.7,
                            35.8, 31.9, 30.2, 28.7, 27.1, 26.3]))
# locate_cliff: half-way from the dense value to chance (25 %), linear between the two levels around it
CLIFF_A = 92.5 + 0.5 * (70.2 - (99.9 + 25) / 2) / (70.2 - 60.7)
CLIFF_B = 92.5 + 0.5 * (62.4 - (98.1 + 25) / 2) / (62.4 - 50.6)


def test_cliff_reference_values_are_between_the_levels_that_bracket_them():
    assert 92.5 < CLIFF_A < 93.0 and 92.5 < CLIFF_B < 93.0 and CLIFF_A != pytest.approx(CLIFF_B, abs=1e-3)


# ==================================================================================================================
# Chapter 1
CH01 = {
    ("baseline", CLEAN): 99.91, ("baseline", STANDARD): 99.72, ("baseline", IN1): 97.83, ("baseline", IN2): 83.64,
    ("baseline", SP_ALL): 0.0, ("baseline", NZ): 396548.0,
    ("pruned", CLEAN): 50.81, ("pruned", STANDARD): 43.12, ("pruned", IN1): 41.43, ("pruned", IN2): 39.44,
    ("pruned", SP_ALL): 94.69, ("pruned", NZ): 21050.0,
    ("recovered", CLEAN): 99.87, ("recovered", STANDARD): 99.66, ("recovered", IN1): 97.52,
    ("recovered", IN2): 84.21, ("recovered", SP_ALL): 47.35, ("recovered", NZ): 208799.0,
    ("pruned", SP_W): 94.99, ("recovered", SP_W): 47.49,  # the other sparsity: a wrong denominator shows
}


def ch01_tables(battery: dict | None = None, standard_curve: dict | None = None) -> dict:
    return {"battery": tidy("stage", {**CH01, **(battery or {})}, ["baseline", "pruned", "recovered"], BATTERY, (42,)),
            "sweep": sweep({STANDARD: standard_curve or CURVE_A, COMB: CURVE_B}, (42,))}


def test_ch01_keys():
    rep = get_chapter(1).reproduced(ch01_tables())
    rows = {"baseline": "Full Network", "pruned": "Pruned (95%)", "recovered": "Recovered (Regrowth + Fine-tuning)"}
    columns = {CLEAN: "Clean accuracy (%)", STANDARD: "Standard accuracy (%)", IN1: "Noisy accuracy (%) (σ=1.0)",
               IN2: "Very noisy accuracy (%) (σ=2.0)", SP_ALL: "Sparsity (%)"}
    for stage, row in rows.items():
        for metric, column in columns.items():
            assert value(rep, "Table 1", row, column) == approx(CH01[(stage, metric)]), (row, column)
    assert value(rep, "", "Full Network", "Active parameters") == 396548
    assert value(rep, "", "Full Network", "Parameters (approx.)") == 396548
    assert value(rep, "", "Pruned (95%)", "Non-zero parameters") == 21050
    assert value(rep, "", "Recovered (Regrowth + Fine-tuning)", "Active parameters") == 208799
    assert value(rep, "", "Recovered (Regrowth + Fine-tuning)", "Sparsity (%)") == approx(47.35)
    # the abstract's range under perturbation: the lower of the two perturbed accuracies of the recovered network
    assert value(rep, "", "Recovered (Regrowth + Fine-tuning)", "Accuracy under perturbations (%)") == approx(84.21)
    swapped = get_chapter(1).reproduced(ch01_tables({("recovered", IN1): 80.07}))
    assert value(swapped, "", "Recovered (Regrowth + Fine-tuning)", "Accuracy under perturbations (%)") == approx(80.07)
    # the cliff is read on the standard-accuracy curve (combined carries a different cliff)
    assert value(rep, "", "Sparsity sweep", "Sparsity range of sharp accuracy drop (%)") == approx(CLIFF_A)
    assert (rep["n_seeds"] == 1).all()
    assert_compares(rep, 1)


def test_ch01_claims():
    good = ch01_tables()
    # C1.3: pruned accuracy falls with every added perturbation; swapping σ1 and σ2 breaks the ordering
    assert_flips(1, "C1.3", good, ch01_tables({("pruned", IN1): 39.44, ("pruned", IN2): 41.43}))
    # C1.4: recovered within 1 pt of dense everywhere; 1.1 pt short at σ 2.0 breaks it
    assert_flips(1, "C1.4", good, ch01_tables({("recovered", IN2): 82.54}))
    # C1.5: within 2 pt of dense at 90 % sparsity (99.9 vs 98.6); 97.5 at 90 % breaks it, the cliff unchanged
    assert_flips(1, "C1.5", good, ch01_tables(standard_curve={**CURVE_A, 90.0: 97.5}))
    # C1.1: dense degrades as input noise grows; σ 2.0 above σ 1.0 breaks it
    assert_flips(1, "C1.1", good, ch01_tables({("baseline", IN2): 98.05}))


# ==================================================================================================================
# Chapter 2
CH02 = {
    ("baseline", CLEAN): 99.93, ("baseline", STANDARD): 99.81, ("baseline", IN1): 97.84, ("baseline", IN2): 83.61,
    ("baseline", I03): 99.74, ("baseline", I05): 99.69, ("baseline", I10): 99.58, ("baseline", I15): 99.35,
    ("baseline", COMB): 98.02, ("baseline", NZ): 396548.0, ("baseline", SP_ALL): 0.0,
    ("pruned", CLEAN): 50.82, ("pruned", STANDARD): 43.13, ("pruned", IN1): 41.24, ("pruned", IN2): 39.65,
    ("pruned", I03): 35.57, ("pruned", I05): 31.21, ("pruned", I10): 29.03, ("pruned", I15): 28.46,
    ("pruned", COMB): 32.04, ("pruned", NZ): 21050.0, ("pruned", SP_ALL): 94.71, ("pruned", SP_W): 94.99,
    ("gradient", CLEAN): 99.96, ("gradient", STANDARD): 99.88, ("gradient", IN1): 97.33, ("gradient", IN2): 84.05,
    ("gradient", I03): 99.91, ("gradient", I05): 99.82, ("gradient", I10): 99.41, ("gradient", I15): 95.02,
    ("gradient", COMB): 96.93, ("gradient", NZ): 208755.0, ("gradient", SP_ALL): 47.33, ("gradient", SP_W): 47.51,
    ("random", CLEAN): 99.97, ("random", STANDARD): 99.94, ("random", I10): 98.81, ("random", I15): 93.62,
    ("random", NZ): 208800.0,
}
CH02_STAGES = ["baseline", "pruned", "gradient", "random"]


def ch02_tables(battery: dict | None = None, combined_curve: dict | None = None) -> dict:
    return {"battery": tidy("stage", {**CH02, **(battery or {})}, CH02_STAGES, BATTERY, (42,)),
            "sweep": sweep({STANDARD: CURVE_A, COMB: combined_curve or CURVE_B}, (42,))}


def test_ch02_keys():
    rep = get_chapter(2).reproduced(ch02_tables())
    assert (rep["table"] == "").all()
    rows = {"baseline": "Dense baseline", "pruned": "Pruned (95%)", "gradient": "Gradient-guided regrowth (50%)",
            "random": "Random regrowth (50%)"}
    columns = {CLEAN: "Clean accuracy (%)", STANDARD: "Standard accuracy (%)", IN1: "Input noise σ=1.0 (%)",
               IN2: "Input noise σ=2.0 (%)", I05: "Internal noise σ=0.5 (moderate) (%)",
               I10: "Internal noise σ=1.0 (high) (%)", I15: "Internal noise σ=1.5 (severe) (%)",
               COMB: "Combined stress (input σ=1.0 + internal σ=0.5) (%)"}
    n_cells = 0
    for stage, row in rows.items():
        for metric, column in columns.items():
            if has_key(rep, "", row, column):
                assert value(rep, "", row, column) == approx(CH02[(stage, metric)]), (row, column)
                n_cells += 1
    assert n_cells == 22  # every accuracy the prose states, under its own stage and condition
    g, p, r = "Gradient-guided regrowth (50%)", "Pruned (95%)", "Random regrowth (50%)"
    assert value(rep, "", g, "Regrown weights") == 208755 - 21050  # gradient count minus pruned count
    assert value(rep, "", p, "Active parameters") == 21050
    assert value(rep, "", "Dense baseline", "Trainable parameters") == 396548
    assert value(rep, "", p, "Sparsity (%)") == approx(94.71)
    assert value(rep, "", g, "Sparsity (%)") == approx(47.33)
    assert value(rep, "", p, "Accuracy under internal noise (%)") == approx(31.21)  # the higher of σ 0.5 / 1.0
    assert value(rep, "", g, "Clean/standard accuracy (%)") == approx(99.88)
    key = "High internal noise accuracy, random-vs-gradient comparison (%)"
    assert value(rep, "", g, key) == approx(99.41) and value(rep, "", r, key) == approx(98.81)
    stressed = [IN1, IN2, I03, I05, I10, I15, COMB]
    ratio = 100 * np.mean([CH02[("gradient", m)] / CH02[("baseline", m)] for m in stressed])
    assert value(rep, "", g, "Accuracy under stress relative to baseline (% of baseline)") == approx(ratio)
    # the sweep numbers all come from the combined-stress curve
    assert value(rep, "", "Sparsity sweep", "Critical sparsity threshold (%)") == approx(CLIFF_B)
    assert value(rep, "", "Sparsity sweep", "Combined-stress drop beyond threshold (pt)") == approx(96.5 - 31.9)
    assert value(rep, "", "Sparsity sweep, 90% to 93% sparsity", "Combined-stress accuracy collapse (pt)") == approx(
        96.5 - 50.6)
    assert value(rep, "", "Sparsity sweep, sparsity up to ~90%", "Combined stress (%)") == approx(96.5)
    assert value(rep, "", "Sparsity sweep, sparsity beyond 95%", "Combined stress (%)") == approx(30.2)
    assert_compares(rep, 2)


def test_ch02_claims():
    good = ch02_tables()
    # C2.5: gradient beats random at σ 1.0 and 1.5; swapping the two arms at σ 1.5 breaks it
    assert_flips(2, "C2.5", good, ch02_tables({("gradient", I15): 93.62, ("random", I15): 95.02}))
    # C2.2: on the pruned network internal noise hurts more than input noise; σ 1.0 above input σ 2.0 breaks it
    assert_flips(2, "C2.2", good, ch02_tables({("pruned", I10): 40.07}))
    # C2.6b: the 90→93 % collapse exceeds 40 pt (96.5 → 50.6); 96.5 → 58.0 does not
    assert_flips(2, "C2.6b", good, ch02_tables(combined_curve={**CURVE_B, 93.0: 58.0}))
    # C2.6c: beyond 95 % at most 31 % (30.2); 31.5 at 97 % breaks it
    assert_flips(2, "C2.6c", good, ch02_tables(combined_curve={**CURVE_B, 97.0: 31.5}))


# ==================================================================================================================
# Chapter 3
CH03_BATTERY = {
    ("baseline", CLEAN): 99.92, ("baseline", STANDARD): 99.83, ("baseline", IN1): 97.81, ("baseline", IN2): 83.62,
    ("baseline", I05): 99.71, ("baseline", I15): 99.44, ("baseline", COMB): 98.03, ("baseline", NZ): 396548.0,
    ("pruned", CLEAN): 50.83, ("pruned", STANDARD): 43.91, ("pruned", IN1): 41.62, ("pruned", IN2): 39.84,
    ("pruned", I05): 31.33, ("pruned", I15): 30.42, ("pruned", COMB): 32.21, ("pruned", SP_ALL): 94.72,
    ("pruned", SP_W): 94.98,
    ("gradient", CLEAN): 99.97, ("gradient", STANDARD): 99.89, ("gradient", IN1): 97.34, ("gradient", IN2): 83.93,
    ("gradient", I05): 99.73, ("gradient", I10): 99.12, ("gradient", I15): 95.61, ("gradient", I25): 82.71,
    ("gradient", COMB): 97.04, ("gradient", SP_ALL): 47.31, ("gradient", SP_W): 47.52,
    ("random", IN2): 82.52, ("random", I10): 98.63, ("random", I15): 94.71, ("random", I25): 80.13,
    ("random", COMB): 96.51,
}
# per checkpoint: clean, combined, extreme (σ 2.5), relapse before, relapse after (drop = before − after)
CH03_CONS = {0: (25.31, 35.12, 29.47, 35.16, 37.04), 5: (99.83, 97.81, 79.12, 97.84, 97.02),
             10: (99.86, 97.22, 81.03, 97.25, 97.43), 15: (99.89, 97.19, 81.34, 97.17, 97.21),
             20: (99.93, 97.31, 84.58, 97.33, 97.71)}
# per regimen: weights-only sparsity, combined, extreme, relapse drop
CH03_REG = {"pruned": (94.99, 36.62, 30.27, 0.74), "acute-moderate": (38.01, 97.24, 84.43, 0.21),
            "acute-full": (0.02, 97.14, 82.17, 0.13), "chronic-x3": (20.52, 97.52, 91.34, 0.23),
            "chronic-x6": (4.43, 97.71, 93.61, 0.52), "chronic-x10": (0.58, 97.18, 93.83, -0.61)}
SEEDS2 = (42, 43)


def ch03_tables(battery: dict | None = None, cons: dict | None = None, reg: dict | None = None) -> dict:
    cons_values = {**CH03_CONS, **(cons or {})}
    planted = {}
    for cp, (clean, comb, extreme, before, after) in cons_values.items():
        planted.update({(cp, CLEAN): clean, (cp, COMB): comb, (cp, I25): extreme, (cp, BEFORE): before,
                        (cp, AFTER): after, (cp, DROP): round(before - after, 10)})
    consolidation = tidy("checkpoint", planted, CHECKPOINTS, BATTERY + RELAPSE, SEEDS2, unique=False, shuffle=2)
    # one member per (checkpoint, seed), as in the committed table; "epochs" is the profile's scaled length
    consolidation["member"] = consolidation["checkpoint"].map(CHECKPOINTS.index) * len(SEEDS2) + consolidation[
        "seed"].map(SEEDS2.index)
    consolidation.insert(1, "epochs", consolidation["checkpoint"] * 3)
    reg_values = {**CH03_REG, **(reg or {})}
    planted = {}
    for g, (sparsity, comb, extreme, drop) in reg_values.items():
        planted.update({(g, SP_W): sparsity, (g, COMB): comb, (g, I25): extreme, (g, DROP): drop,
                        (g, SP_ALL): sparsity + 0.35})
    return {"battery": tidy("stage", {**CH03_BATTERY, **(battery or {})}, CH02_STAGES, BATTERY, SEEDS2),
            "consolidation": consolidation,
            "regimens": tidy("regimen", planted, REGIMENS, BATTERY + RELAPSE, SEEDS2, shuffle=3),
            "sweep": sweep({STANDARD: CURVE_A, COMB: CURVE_B}, SEEDS2)}


def test_ch03_keys():
    rep = get_chapter(3).reproduced(ch03_tables())
    rows = {"baseline": "Baseline (0% Sparsity)", "pruned": "Pruned (~95% Sparsity)",
            "gradient": "Recovered (~47% Sparsity)"}
    columns = {CLEAN: "Clean Accuracy", STANDARD: "Standard Accuracy", IN1: "Input Noise (+1.0)",
               IN2: "Input Noise (+2.0)", I05: "Internal Stress (Neural Noise): Moderate (σ=0.5)",
               I15: "Internal Stress (Neural Noise): Severe (σ=1.5)",
               COMB: "Combined Stress (Input +1.0, Internal 0.5)"}
    b = CH03_BATTERY
    for metric, column in columns.items():
        for stage, row in rows.items():
            assert value(rep, "Table 1", row, column) == approx(b[(stage, metric)]), (row, column)
        # the recovery delta is recovered minus pruned (positive)
        assert value(rep, "Table 1", "Recovery Delta", column) == approx(b[("gradient", metric)] - b[("pruned", metric)])
    t2 = {"0 (Immediate)": 0, "5 Epochs": 5, "10 Epochs": 10, "15 Epochs": 15, "20 Epochs": 20}
    for row, cp in t2.items():
        clean, _, extreme, before, after = CH03_CONS[cp]
        assert value(rep, "Table 2", row, "Clean Accuracy") == approx(clean)
        # the relapse test's "before" is the combined-stress accuracy (same condition; committed tables agree)
        assert value(rep, "Table 2", row, "Combined Stress Accuracy") == approx(before)
        assert value(rep, "Table 2", row, "Extreme Stress Resilience (σ=2.5)") == approx(extreme)
        assert value(rep, "Table 2", row, "Post-Relapse Accuracy") == approx(after)
        assert value(rep, "Table 2", row, "Relapse Vulnerability") == approx(before - after)  # before − after
    assert value(rep, "", "20 Epochs vs 0 (Immediate)", "Extreme-stress improvement (pt)") == approx(84.58 - 29.47)
    # |drop| ≤ 0.5 from 10 epochs on (0.82 at 5)
    assert value(rep, "", "Consolidation duration",
                 "Consolidation needed for relapse-resistant circuits (epochs)") == 10
    assert value(rep, "", "Dense network", "Parameters (approx.)") == 396548
    assert value(rep, "", "Pruned (~95% Sparsity)", "Sparsity (%)") == approx(94.72)  # all parameters (Part A)
    assert value(rep, "", "Recovered (~47% Sparsity)", "Sparsity (%)") == approx(47.31)
    assert value(rep, "", "Pruned (~95% Sparsity)", "Combined Stress (%)") == approx(32.21)
    assert value(rep, "", "Gradient-guided regrowth (15 epochs)", "Severe internal noise accuracy (%)") == approx(95.61)
    assert value(rep, "", "Random regrowth (comparison)", "Severe internal noise accuracy (%)") == approx(94.71)
    assert value(rep, "", "Sparsity sweep", "Critical sparsity threshold (%)") == approx(CLIFF_B)
    assert value(rep, "", "Sparsity sweep", "Combined-stress drop at cliff (pt)") == approx(96.5 - 31.9)
    # Part B (weights-only sparsity; the all-parameter one is planted 0.35 higher)
    assert value(rep, "", "Pruned template (Part B)", "Sparsity (%)") == approx(94.99)
    assert value(rep, "", "Chronic ×3 (15 epochs)", "Sparsity (%)") == approx(20.52)
    assert value(rep, "", "Chronic ×6 (30 epochs)", "Combined Stress (%)") == approx(97.71)
    assert value(rep, "", "Acute full (100% regrowth, 20 epochs)", "Extreme Stress (σ=2.5) (%)") == approx(82.17)
    assert value(rep, "", "Chronic ×10 (50 epochs) vs Acute moderate (60% regrowth, 15 epochs)",
                 "Extreme-stress difference (pt)") == approx(93.83 - 84.43)
    assert value(rep, "", "Chronic ×10 (50 epochs) vs Acute full (100% regrowth, 20 epochs)",
                 "Extreme-stress difference (pt)") == approx(93.83 - 82.17)
    assert value(rep, "", "Chronic (iterative) vs single-cycle regrowth", "Extreme-stress gain (pt)") == approx(
        93.83 - (84.43 + 82.17) / 2)
    # signs: "change" is after − before = −drop; "reduced by" is the drop; "increased by" is −drop
    change = "Relapse change in combined accuracy (pt)"
    assert value(rep, "", "Acute moderate (60% regrowth, 15 epochs)", change) == approx(-0.21)
    assert value(rep, "", "Acute full (100% regrowth, 20 epochs)", change) == approx(-0.13)
    assert value(rep, "", "Chronic ×3 (15 epochs)", change) == approx(-0.23)
    assert value(rep, "", "Chronic ×6 (30 epochs)", "Relapse: accuracy reduced by (pt)") == approx(0.52)
    assert value(rep, "", "Chronic ×10 (50 epochs)", "Relapse: accuracy increased by (pt)") == approx(0.61)
    assert (rep["n_seeds"] == 2).all()
    assert_compares(rep, 3)


def test_ch03_claims():
    good = ch03_tables()
    # C3.8: extreme stress ×10 ≥ ×6 > ×3 > acute moderate > acute full; swapping the two acute regimens breaks it
    assert_flips(3, "C3.8", good, ch03_tables(reg={"acute-moderate": (38.01, 97.24, 82.17, 0.21),
                                                  "acute-full": (0.02, 97.14, 84.43, 0.13)}))
    # C3.3: gradient beats random in every high-stress condition; random ahead at σ 2.5 breaks it
    assert_flips(3, "C3.3", good, ch03_tables({("random", I25): 83.06}))
    # C3.5: extreme stress rises with consolidation; swapping 10 and 15 epochs breaks it
    assert_flips(3, "C3.5", good, ch03_tables(cons={10: (99.86, 97.22, 81.34, 97.25, 97.43),
                                                   15: (99.89, 97.19, 81.03, 97.17, 97.21)}))
    # C3.6: every relapse prune after ≥ 5 epochs costs ≤ 1 pt; a 1.27 pt drop at 15 epochs breaks it
    assert_flips(3, "C3.6", good, ch03_tables(cons={15: (99.89, 97.19, 81.34, 97.17, 95.90)}))
    # C3.9: every Part B regimen changes ≤ 1 pt; a 1.4 pt drop for chronic ×3 breaks it
    assert_flips(3, "C3.9", good, ch03_tables(reg={"chronic-x3": (20.52, 97.52, 91.34, 1.4)}))


# ==================================================================================================================
# Chapter 4
CH04 = {
    ("dense", NZ): 396548.0,
    ("untreated", SP_W): 94.991, ("untreated", CLEAN): 50.81, ("untreated", STANDARD): 43.92,
    ("untreated", COMB): 31.83, ("untreated", I25): 28.31, ("untreated", I05): 31.64, ("untreated", I10): 29.93,
    ("untreated", I15): 28.04,
    ("ketamine", SP_W): 47.52, ("ketamine", CLEAN): 99.97, ("ketamine", STANDARD): 99.96, ("ketamine", COMB): 96.91,
    ("ketamine", I25): 84.52, ("ketamine", DROP): -0.21, ("ketamine", I05): 99.83, ("ketamine", I10): 99.02,
    ("ketamine", I15): 96.13,
    ("ssri", SP_W): 94.98, ("ssri", CLEAN): 99.95, ("ssri", STANDARD): 99.54, ("ssri", COMB): 83.51,
    ("ssri", I25): 44.03, ("ssri", DROP): 10.82, ("ssri", I05): 87.24, ("ssri", I10): 70.32, ("ssri", I15): 58.04,
    ("neurosteroid", SP_W): 94.97, ("neurosteroid", CLEAN): 99.98, ("neurosteroid", STANDARD): 99.93,
    ("neurosteroid", COMB): 97.52, ("neurosteroid", I25): 42.54, ("neurosteroid", DROP): 4.13,
    ("neurosteroid", I05): 99.91, ("neurosteroid", I10): 89.63, ("neurosteroid", I15): 69.33,
    ("neurosteroid-off", SP_W): 94.96, ("neurosteroid-off", COMB): 90.54, ("neurosteroid-off", I25): 58.61,
}


def ch04_tables(arms: dict | None = None) -> dict:
    curve = pd.DataFrame([{"arm": a, "member": 0, "seed": 42, "sigma": s, "value": 90.0 - 10 * s + i}
                          for i, a in enumerate(ARMS) for s in (0.0, 1.0, 2.5)])
    return {"arms": tidy("arm", {**CH04, **(arms or {})}, ARMS, BATTERY + RELAPSE, (42,)), "noise_curve": curve}


def test_ch04_keys():
    rep = get_chapter(4).reproduced(ch04_tables())
    rows = {"untreated": "Untreated (pruned)", "ketamine": "Ketamine-like", "ssri": "SSRI-like",
            "neurosteroid": "Neurosteroid-like (on)", "neurosteroid-off": "Neurosteroid-like (off)"}
    t1 = {SP_W: "Sparsity (%)", CLEAN: "Clean (%)", STANDARD: "Standard (%)", COMB: "Combined Stress (%)",
          I25: "Extreme Stress (σ=2.5) (%)", DROP: "Relapse Drop (%)"}
    n_cells = 0
    for arm, row in rows.items():
        for metric, column in t1.items():
            if has_key(rep, "Table 1", row, column):
                assert value(rep, "Table 1", row, column) == approx(CH04[(arm, metric)]), (row, column)
                n_cells += 1
    assert n_cells == 4 * 6 - 1 + 3  # untreated has no relapse drop; drug-off: sparsity, combined, extreme
    assert not has_key(rep, "Table 1", "Untreated (pruned)", "Relapse Drop (%)")
    t2 = {STANDARD: "No Noise", I05: "Moderate (σ=0.5)", I10: "High (σ=1.0)", I15: "Severe (σ=1.5)",
          I25: "Extreme (σ=2.5)"}
    for arm in ("untreated", "ketamine", "ssri", "neurosteroid"):
        for metric, column in t2.items():
            assert value(rep, "Table 2", rows[arm], column) == approx(CH04[(arm, metric)]), (arm, column)
    assert value(rep, "", "Ketamine-like", "Sparsity (%)") == approx(47.52)
    assert value(rep, "", "Dense network", "Trainable weights (approx.)") == 396548
    # "dipped by": the relapse drop (before − after), as the prose reads it
    assert value(rep, "", "Ketamine-like", "Relapse: combined-stress accuracy dipped by (pt)") == approx(-0.21)
    assert_compares(rep, 4)


def test_ch04_claims():
    good = ch04_tables()
    # C4.3: relapse drop ketamine < neurosteroid < SSRI; swapping neurosteroid and SSRI breaks it
    assert_flips(4, "C4.3", good, ch04_tables({("neurosteroid", DROP): 10.82, ("ssri", DROP): 4.13}))
    # C4.5: drug off lowers combined, raises extreme; drug-off extreme below drug-on breaks it
    assert_flips(4, "C4.5", good, ch04_tables({("neurosteroid-off", I25): 40.06}))
    # C4.7: at σ 1.0 ketamine > neurosteroid > SSRI; swapping neurosteroid and SSRI breaks it
    assert_flips(4, "C4.7", good, ch04_tables({("neurosteroid", I10): 70.32, ("ssri", I10): 89.63}))
    # C4.2: ketamine far ahead at σ 2.5, SSRI and neurosteroid above untreated; untreated above neurosteroid breaks it
    assert_flips(4, "C4.2", good, ch04_tables({("untreated", I25): 43.01}))


# ==================================================================================================================
# Chapters 5-7: one acute table (arm × metric × seed), three seeds
N_ON = [97.41, 97.72, 97.98]    # neurosteroid combined, per seed
N_OFF = [80.12, 76.55, 78.83]   # neurosteroid-off combined, per seed
ACUTE_MEANS = {
    ("dense", NZ): 396548.0,
    ("untreated", CLEAN): 34.71, ("untreated", STANDARD): 36.82, ("untreated", I05): 29.91,
    ("untreated", I10): 29.62, ("untreated", I15): 29.83, ("untreated", I25): 29.54, ("untreated", COMB): 29.73,
    ("untreated", BIASED): 25.02, ("untreated", GAIN): 1.0, ("untreated", ACTIVATION): 0.1003,
    ("untreated", SP_W): 94.91,
    ("ketamine", CLEAN): 99.97, ("ketamine", STANDARD): 99.95, ("ketamine", I05): 99.86, ("ketamine", I10): 98.21,
    ("ketamine", I15): 92.93, ("ketamine", I25): 76.84, ("ketamine", COMB): 97.21,
    ("ketamine", BIASED): [80.1, 84.2, 88.39], ("ketamine", GAIN): 1.25, ("ketamine", ACTIVATION): 0.6491,
    ("ketamine", SP_W): 47.51, ("ketamine", DROP): -0.11,
    ("ssri", CLEAN): 99.96, ("ssri", STANDARD): 99.89, ("ssri", I05): 95.31, ("ssri", I10): 78.22,
    ("ssri", I15): 64.52, ("ssri", I25): 50.13, ("ssri", COMB): 90.81, ("ssri", BIASED): [43.5, 49.1, 50.26],
    ("ssri", GAIN): 1.6, ("ssri", ACTIVATION): 0.3902, ("ssri", SP_W): 94.92, ("ssri", DROP): 8.83,
    ("neurosteroid", CLEAN): 99.98, ("neurosteroid", STANDARD): 99.94, ("neurosteroid", I05): 99.88,
    ("neurosteroid", I10): 92.91, ("neurosteroid", I15): 70.92, ("neurosteroid", I25): 42.93,
    ("neurosteroid", COMB): N_ON, ("neurosteroid", BIASED): 50.53, ("neurosteroid", GAIN): 0.85,
    ("neurosteroid", DAMPING): 0.7, ("neurosteroid", ACTIVATION): 0.1961, ("neurosteroid", SP_W): 94.93,
    ("neurosteroid", DROP): 5.12,
    ("neurosteroid-off", COMB): N_OFF, ("neurosteroid-off", I25): 51.94, ("neurosteroid-off", BIASED): 36.91,
    ("neurosteroid-off", SP_W): 94.94,
}
SD3 = 0.3 * math.sqrt(2 / 3)  # population SD of (−0.3, 0, +0.3)


def acute(overrides: dict | None = None) -> pd.DataFrame:
    return tidy("arm", {**ACUTE_MEANS, **(overrides or {})}, ARMS, ACUTE, SEEDS3, shuffle=4)


def mean(key) -> float:
    return float(np.mean(ACUTE_MEANS[key]))


ROWS = {"untreated": "Untreated (pruned)", "ketamine": "Ketamine-like", "ssri": "SSRI-like",
        "neurosteroid": "Neurosteroid-like"}
NOISE = {STANDARD: "No Noise (%)", I05: "Moderate (σ=0.5) (%)", I10: "High (σ=1.0) (%)", I15: "Severe (σ=1.5) (%)",
         I25: "Extreme (σ=2.5) (%)"}
RISK = {GAIN: "Gain Multiplier", BIASED: "Biased Stress Accuracy (%)", ACTIVATION: "Activation Magnitude"}


def check_grid(rep, table, rows, columns, skip=()):
    for arm, row in rows.items():
        for metric, column in columns.items():
            if (arm, metric) in skip:
                assert not has_key(rep, table, row, column), (table, row, column)
                continue
            got = get(rep, table, row, column)
            assert float(got["value"]) == approx(mean((arm, metric))), (table, row, column)
            assert int(got["n_seeds"]) == 3


# ------------------------------------------------------------------------------------------------------------------
# Chapter 5

def test_ch05_keys():
    rep = get_chapter(5).reproduced({"acute": acute()})
    check_grid(rep, "Table 1", ROWS, NOISE)
    check_grid(rep, "Table 2", ROWS, RISK)
    check_grid(rep, "Table 3", ROWS, {COMB: "Combined Stress (%)", I25: "Extreme Stress (%)",
                                      BIASED: "Biased Stress (%)", GAIN: "Gain Multiplier",
                                      ACTIVATION: "Activation Magnitude", SP_W: "Sparsity (%)",
                                      DROP: "Relapse Drop (%)"}, skip={("untreated", DROP)})
    assert float(get(rep, "Table 1", "Ketamine-like", "Moderate (σ=0.5) (%)")["sd"]) == approx(SD3)
    # per seed: neurosteroid on − off (the seeds are paired; rows are shuffled)
    loss = np.array(N_ON) - np.array(N_OFF)
    got = get(rep, "", "Neurosteroid-like", "Combined-stress loss when damping removed (pt)")
    assert float(got["value"]) == approx(loss.mean()) and float(got["sd"]) == approx(loss.std())
    # paired by seed, not by row position: the neurosteroid rows in reverse seed order give the same pairs
    t = acute()
    reordered = pd.concat([t[t.arm != "neurosteroid"], t[t.arm == "neurosteroid"].sort_values("seed", ascending=False)])
    got = get(get_chapter(5).reproduced({"acute": reordered}), "", "Neurosteroid-like",
              "Combined-stress loss when damping removed (pt)")
    assert float(got["value"]) == approx(loss.mean()) and float(got["sd"]) == approx(loss.std())
    assert value(rep, "", "Neurosteroid-like", "Effective gain") == approx(0.85 * 0.7)
    assert value(rep, "", "Dense network", "Adjustable parameters (approx.)") == approx(396548)
    assert value(rep, "", "All treated arms", "Clean / standard accuracy (%)") == approx(99.89)  # SSRI standard
    assert value(rep, "", "Untreated (pruned)", "Clean (%)") == approx(34.71)
    for arm in ("untreated", "ketamine", "ssri", "neurosteroid"):
        assert value(rep, "", ROWS[arm], "Combined Stress (%)") == approx(mean((arm, COMB)))
    for arm in TREATED:
        assert value(rep, "", ROWS[arm], "Relapse Drop (%)") == approx(mean((arm, DROP)))
    assert value(rep, "", "Neurosteroid-like (damping removed)", "Combined Stress (%)") == approx(np.mean(N_OFF))
    kn = (97.21 + np.mean(N_ON)) / 2
    assert value(rep, "", "Ketamine-like & Neurosteroid-like", "Combined Stress (%)") == approx(kn)
    assert value(rep, "", "SSRI-like vs Ketamine-like/Neurosteroid-like", "Combined-stress shortfall (pt)") == approx(
        kn - 90.81)
    # the biased-noise ranges across seeds
    ssri = get(rep, "", "SSRI-like", "Biased Stress Accuracy (%)")
    ket = get(rep, "", "Ketamine-like", "Biased Stress Accuracy (%)")
    assert (ssri["min"], ssri["max"]) == (approx(43.5), approx(50.26))
    assert (ket["min"], ket["max"]) == (approx(80.1), approx(88.39))
    assert_compares(rep, 5)


def test_ch05_claims():
    good = {"acute": acute()}
    # C5.4: relapse drop ketamine < neurosteroid < SSRI; swapping neurosteroid and SSRI breaks it
    assert_flips(5, "C5.4", good, {"acute": acute({("neurosteroid", DROP): 8.83, ("ssri", DROP): 5.12})})
    # C5.5: removing the drug costs > 10 pt (≈ 19.2); a drug-off arm 9 pt lower does not
    off = [x + 10.2 for x in N_OFF]
    assert_flips(5, "C5.5", good, {"acute": acute({("neurosteroid-off", COMB): off})})
    # C5.6: biased-noise SD largest for SSRI and ketamine; a widely spread neurosteroid arm breaks it
    assert_flips(5, "C5.6", good, {"acute": acute({("neurosteroid", BIASED): [46.0, 50.53, 55.06]})})
    # C5.7: every seed ranks the arms as the means do; ketamine's activation below SSRI's in seed 2 only breaks it
    # (its mean stays first, so C5.3b still holds)
    broken = {"acute": acute({("ketamine", ACTIVATION): [0.70, 0.8573, 0.39]})}
    assert_flips(5, "C5.7", good, broken)
    assert verdict(get_chapter(5).claims(broken), "C5.3b") == "holds"


# ------------------------------------------------------------------------------------------------------------------
# Chapter 6: the acute table plus an eight-cycle course per treated arm
K_COURSE = [[round(97.40 + 0.01 * c + 0.10 * s, 4) for c in range(9)] for s in range(3)]
S_COURSE = [[78.1, 79.9, 82.3, 85.4, 87.2, 88.9, 90.1, 91.0, 91.7],   # below 80 first at cycle 0
            [85.2, 84.1, 79.5, 83.6, 86.8, 88.2, 89.4, 90.3, 92.2],   # first at cycle 2
            [88.4, 89.6, 90.7, 91.5, 92.1, 92.8, 93.3, 93.9, 94.6]]   # never
N_COURSE = [[97.7, 97.9, 97.8, 97.6, 97.5, 97.0, 96.4, 95.9, 95.1],   # never
            [97.6, 97.8, 97.7, 97.5, 97.2, 96.8, 90.3, 78.0, 60.3],   # first at cycle 7
            [97.8, 98.0, 97.9, 97.7, 97.6, 97.3, 96.9, 96.1, 95.6]]   # never
SPARSITY = {"ketamine": [47.5 + 3.74 * c for c in range(9)], "ssri": [95.0 + 0.4 * c for c in range(9)],
            "neurosteroid": [95.1 + 0.41 * c for c in range(9)]}


def course(k=K_COURSE, s=S_COURSE, n=N_COURSE) -> pd.DataFrame:
    parts = []
    for arm, curves in (("ketamine", k), ("ssri", s), ("neurosteroid", n)):
        rows = [{"cycle": c, "member": i, "seed": seed, "combined": curves[i][c], "sparsity": SPARSITY[arm][c]}
                for c in range(9) for i, seed in enumerate(SEEDS3)]
        parts.append(pd.DataFrame(rows).sample(frac=1.0, random_state=5).assign(arm=arm))
    return pd.concat(parts, ignore_index=True)


def ch06_tables(acute_overrides: dict | None = None, **course_kw) -> dict:
    return {"acute": acute(acute_overrides), "course": course(**course_kw)}


def test_ch06_keys():
    rep = get_chapter(6).reproduced(ch06_tables())
    check_grid(rep, "Table 1", ROWS, {SP_W: "Sparsity (%)", CLEAN: "Clean (%)", STANDARD: "Standard (%)",
                                      COMB: "Combined Stress (%)"})
    check_grid(rep, "Table 2", ROWS, NOISE)
    curves = {"Ketamine": np.array(K_COURSE), "SSRI": np.array(S_COURSE), "Neurosteroid": np.array(N_COURSE)}
    for short, a in curves.items():
        for c in (0, 3, 8):
            got = get(rep, "Table 3", f"{short}, Cycle {c}", "Combined-Stress Accuracy (%)")
            assert float(got["value"]) == approx(a[:, c].mean()) and float(got["sd"]) == approx(a[:, c].std())
        drop = a[:, 0] - a[:, 8]  # total drop: cycle 0 minus cycle 8, per seed
        assert value(rep, "Table 4", short, "Total accuracy drop (cycle 0 to 8)") == approx(drop.mean())
        assert value(rep, "Table 4", short, "Final accuracy (cycle 8)") == approx(a[:, 8].mean())
    assert value(rep, "Table 4", "SSRI", "Total accuracy drop (cycle 0 to 8)") < 0  # SSRI improves: a negative drop
    assert value(rep, "Table 4", "Neurosteroid", "Total accuracy drop (cycle 0 to 8)") == approx((2.6 + 37.3 + 2.2) / 3)
    relapsed = {"Ketamine": 0, "SSRI": 2, "Neurosteroid": 1}
    for short, k in relapsed.items():
        assert value(rep, "Table 4", short, "Seeds with relapse (<80%)") == k
        assert value(rep, "Table 4", short, "Seeds without relapse (≥80%)") == 3 - k
    assert value(rep, "Table 4", "SSRI", "Mean cycle at relapse (if relapsed)") == approx(1.0)  # (0 + 2) / 2
    assert value(rep, "Table 4", "Neurosteroid", "Mean cycle at relapse (if relapsed)") == approx(7.0)
    assert not has_key(rep, "Table 4", "Ketamine", "Mean cycle at relapse (if relapsed)")
    rate = "Longitudinal relapse rate (% of seeds)"
    assert value(rep, "", "SSRI-like", rate) == approx(200 / 3)
    assert value(rep, "", "Neurosteroid-like", rate) == approx(100 / 3)
    both = get(rep, "", "SSRI-like & Neurosteroid-like", rate)
    assert (both["value"], both["min"], both["max"]) == (approx(50.0), approx(100 / 3), approx(200 / 3))
    ext = get(rep, "", "SSRI-like & Neurosteroid-like", "Extreme (σ=2.5) (%)")
    assert (ext["value"], ext["min"], ext["max"]) == (approx((50.13 + 42.93) / 2), approx(42.93), approx(50.13))
    for arm in TREATED:
        assert value(rep, "", ROWS[arm], "Acute relapse drop (pt)") == approx(mean((arm, DROP)))
    assert value(rep, "", "Neurosteroid-like (damping off)", "Combined Stress (%)") == approx(np.mean(N_OFF))
    assert value(rep, "", "Neurosteroid-like (damping off)", "Extreme (σ=2.5) (%)") == approx(51.94)
    k_cycles = np.array(K_COURSE).mean(axis=0)
    assert value(rep, "", "Ketamine-like, cycles 0-8", "Combined-Stress Accuracy (%)") == approx(k_cycles.mean())
    assert value(rep, "", "Ketamine-like", "Combined-Stress Accuracy, all cycles (%)") == approx(k_cycles.min())
    assert value(rep, "", "Ketamine-like, Cycle 8", "Sparsity (%)") == approx(47.5 + 3.74 * 8)
    n8 = get(rep, "", "Neurosteroid-like, Cycle 8", "Combined-Stress Accuracy (%)")
    assert (n8["value"], n8["min"], n8["max"]) == (approx((95.1 + 60.3 + 95.6) / 3), approx(60.3), approx(95.6))
    gain = "Improvement over untreated, combined stress (pt)"
    assert value(rep, "", "Ketamine-like & Neurosteroid-like", gain) == approx((97.21 + np.mean(N_ON)) / 2 - 29.73)
    assert value(rep, "", "SSRI-like", gain) == approx(90.81 - 29.73)
    assert value(rep, "", "Untreated (pruned)", "Combined Stress (%)") == approx(29.73)
    loss = np.array(N_ON) - np.array(N_OFF)
    got = get(rep, "", "Neurosteroid-like (damping off)", "Combined-stress loss (pt)")
    assert float(got["value"]) == approx(loss.mean()) and float(got["sd"]) == approx(loss.std())
    assert_compares(rep, 6)


def test_ch06_claims():
    good = ch06_tables()
    # C6.5: ketamine flat (range of cycle means ≤ 1 pt) and never relapses; one seed at 79.5 in cycle 4 breaks it
    k = [row[:] for row in K_COURSE]
    k[1][4] = 79.5
    assert_flips(6, "C6.5", good, ch06_tables(k=k))
    # C6.6: SSRI cycle 8 above cycle 0; swapping the first and last cycles breaks it
    s = [[r[8], *r[1:8], r[0]] for r in S_COURSE]
    assert_flips(6, "C6.6", good, ch06_tables(s=s))
    # C6.8: relapsed seeds ketamine 0 ≤ neurosteroid 1 ≤ SSRI 2; two more neurosteroid relapses (3 > 2) break it
    n = [row[:] for row in N_COURSE]
    n[0][8], n[2][8] = 79.1, 78.7
    assert_flips(6, "C6.8", good, ch06_tables(n=n))
    # C6.4: drug off lowers combined and raises extreme; a drug-off extreme below drug-on breaks it
    assert_flips(6, "C6.4", good, ch06_tables({("neurosteroid-off", I25): 41.07}))


# ------------------------------------------------------------------------------------------------------------------
# Chapter 7: the acute table plus withdrawal after six maintenance lengths
DURATIONS = (25, 50, 100, 150, 200, 300)
DECAY = {"ketamine": 0.002, "ssri": 0.015, "neurosteroid": 0.008}
SCHEDULES = {"own rate": None, "uniform 0.002": 0.002, "uniform 0.008": 0.008, "uniform 0.015": 0.015}
RELAPSING = {  # (schedule, arm) -> the seeds that relapse (biased accuracy below 60 %) at every duration
    ("own rate", "ketamine"): set(), ("own rate", "ssri"): {0, 1, 2}, ("own rate", "neurosteroid"): {0, 1},
    ("uniform 0.002", "ketamine"): set(), ("uniform 0.002", "ssri"): {0}, ("uniform 0.002", "neurosteroid"): set(),
    ("uniform 0.008", "ketamine"): set(), ("uniform 0.008", "ssri"): {0, 1}, ("uniform 0.008", "neurosteroid"): {1},
    ("uniform 0.015", "ketamine"): {0}, ("uniform 0.015", "ssri"): {0, 1, 2}, ("uniform 0.015", "neurosteroid"): {0, 1},
}
K_AFTER_MIN = 91.05  # the lowest ketamine post-withdrawal accuracy at its own rate (seed 2, 100 epochs)


def withdrawal(relapsing: dict | None = None, by_duration: dict | None = None) -> pd.DataFrame:
    """``by_duration[(schedule, arm, duration)]`` overrides the relapsing seeds at one maintenance length."""
    pattern = {**RELAPSING, **(relapsing or {})}
    rows = []
    for di, d in enumerate(DURATIONS):
        for ai, arm in enumerate(TREATED):
            for schedule, rate in SCHEDULES.items():
                bad = (by_duration or {}).get((schedule, arm, d), pattern[(schedule, arm)])
                for si, seed in enumerate(SEEDS3):
                    if seed in bad:
                        biased = 40.0 + ai + 0.1 * si + 0.01 * di
                    elif arm == "ketamine" and schedule == "own rate":
                        biased = K_AFTER_MIN if (seed, d) == (2, 100) else 91.2 + 0.1 * si + 0.01 * di
                    else:
                        biased = 70.0 + ai + 0.1 * si + 0.01 * di
                    r = DECAY[arm] if rate is None else rate
                    rows.append(dict(duration=d, epochs=d, arm=arm, seed=seed, schedule=schedule, rate=r,
                                     protection=(1 - r) ** 50, biased_on=95.0 - ai - si, biased=biased,
                                     relapsed=bool(biased < 60.0)))
    return pd.DataFrame(rows).sample(frac=1.0, random_state=6).reset_index(drop=True)


def ch07_tables(acute_overrides: dict | None = None, **withdrawal_kw) -> dict:
    return {"acute": acute(acute_overrides), "withdrawal": withdrawal(**withdrawal_kw)}


def test_ch07_keys():
    rep = get_chapter(7).reproduced(ch07_tables())
    check_grid(rep, "Table 1", ROWS, {SP_W: "Sparsity (%)", CLEAN: "Clean (%)", STANDARD: "Standard (%)",
                                      COMB: "Combined (%)"})
    check_grid(rep, "Table 2", ROWS, {STANDARD: "None (%)", I05: "Moderate (σ=0.5) (%)", I10: "High (σ=1.0) (%)",
                                      I15: "Severe (σ=1.5) (%)", I25: "Extreme (σ=2.5) (%)"})
    check_grid(rep, "Table 3", ROWS, RISK)
    summary_rows = {"ketamine": "Ketamine-like", "ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like",
                    "untreated": "Untreated"}
    check_grid(rep, "Table 4", summary_rows, {COMB: "Combined Stress (%)", BIASED: "Biased Stress (%)",
                                              GAIN: "Gain Multiplier", ACTIVATION: "Activation Magnitude",
                                              DROP: "Acute Relapse Drop (%)"}, skip={("untreated", DROP)})
    # relapse probability: own decay rate only, over seed × duration pairs
    prob = {"Ketamine-like": 0.0, "SSRI-like": 100.0, "Neurosteroid-like": 200 / 3}
    for row, p in prob.items():
        assert value(rep, "Table 4", row, "Manic Relapse Prob. (%)") == approx(p)
    for row, rate in (("Ketamine-like", 0.002), ("SSRI-like", 0.015), ("Neurosteroid-like", 0.008)):
        assert value(rep, "Table 4", row, "MS Decay Rate") == approx(rate)
    g = "Durability & Post-Discontinuation Stability"
    assert value(rep, "Table 5", "Ketamine-like", f"{g}: manic relapse post-cessation (%)") == approx(0.0)
    assert value(rep, "Table 5", "SSRI-like", f"{g}: relapse post-cessation (%)") == approx(100.0)
    assert value(rep, "Table 5", "Neurosteroid-like", f"{g}: relapse post-cessation (%)") == approx(200 / 3)
    for arm, row in (("ketamine", "Ketamine-like"), ("ssri", "SSRI-like"), ("neurosteroid", "Neurosteroid-like")):
        assert value(rep, "Table 5", row, "Acute Efficacy & Speed: combined stress (%)") == approx(mean((arm, COMB)))
        assert value(rep, "Table 5", row, f"{g}: extreme stress (%)") == approx(mean((arm, I25)))
        assert value(rep, "Table 5", row, "Manic Conversion Risk (Acute & Longitudinal): biased accuracy (%)") == \
            approx(mean((arm, BIASED)))
    assert value(rep, "Table 5", "SSRI-like", "Manic Conversion Risk (Acute & Longitudinal): gain") == approx(1.6)
    kn = get(rep, "", "Ketamine-like & Neurosteroid-like, σ=1.0-1.5", "Stress resilience range (%)")
    kn_values = [98.21, 92.93, 92.91, 70.92]
    assert (kn["value"], kn["min"], kn["max"]) == (approx(np.mean(kn_values)), approx(70.92), approx(98.21))
    ss = get(rep, "", "SSRI-like, σ=1.0-1.5", "Stress resilience range (%)")
    assert (ss["value"], ss["min"], ss["max"]) == (approx((78.22 + 64.52) / 2), approx(64.52), approx(78.22))
    assert value(rep, "", "Untreated (pruned)", "Accuracy across internal-noise levels (%)") == approx(
        (29.91 + 29.62 + 29.83 + 29.54) / 4)
    for arm in TREATED:
        assert value(rep, "", ROWS[arm], "Acute Relapse Drop (%)") == approx(mean((arm, DROP)))
    assert value(rep, "", "Neurosteroid-like (damping off)", "Combined (%)") == approx(np.mean(N_OFF))
    assert value(rep, "", "Neurosteroid-like (damping off)", "Biased Stress Accuracy (%)") == approx(36.91)
    assert value(rep, "", "Neurosteroid-like (damping off)", "Extreme (σ=2.5) (%)") == approx(51.94)
    # own rate only: the ketamine arm's uniform-0.015 relapses (≈ 40 %) must not count
    assert value(rep, "", "Ketamine-like (post-withdrawal)", "Biased-noise accuracy, every seed (%)") == approx(
        K_AFTER_MIN)
    assert value(rep, "", "Dense network", "Trainable weights (approx.)") == approx(396548)
    assert_compares(rep, 7)


def test_ch07_claims():
    good = ch07_tables()
    # C7.6: ketamine never relapses at its own rate, SSRI and neurosteroid in most pairs; one ketamine relapse breaks it
    assert_flips(7, "C7.6", good, ch07_tables(by_duration={("own rate", "ketamine", 50): {1}}))
    # C7.7: SSRI and neurosteroid flat across maintenance lengths; neurosteroid relapsing in all seeds at the two
    # longest lengths only (67 % → 100 %) breaks it
    longer = {("own rate", "neurosteroid", d): {0, 1, 2} for d in (200, 300)}
    broken = ch07_tables(by_duration=longer)
    assert_flips(7, "C7.7", good, broken)
    assert verdict(get_chapter(7).claims(broken), "C7.6") == "holds"
    # C7.x: at every uniform rate ketamine relapses least; ketamine relapsing in every seed at 0.008 breaks it
    assert_flips(7, "C7.x", good, ch07_tables(relapsing={("uniform 0.008", "ketamine"): {0, 1, 2}}))
    # C7.5: drug off lowers combined and biased, raises extreme; drug-off biased above drug-on breaks it
    assert_flips(7, "C7.5", good, ch07_tables({("neurosteroid-off", BIASED): 60.07}))
    # C7.1: neurosteroid ≥ ketamine − 0.5 > ... ; SSRI above ketamine breaks it
    assert_flips(7, "C7.1", good, ch07_tables({("ssri", COMB): 97.39}))


# ------------------------------------------------------------------------------------------------------------------
# Chapter 8: the acute table on the scarred state (+ scar load), withdrawal as chapter 7, six kindling cycles
SCAR = "scar load"
SCARS = [2.04, 3.11, 4.57]   # early scar load per seed: the same in every arm (scars are shared by a seed's arms)
ARMS8 = [a for a in ARMS if a != "dense"]
KINDLING_RELAPSES = {  # arm -> per cycle, the seeds that relapse
    "ketamine": [{2}, set(), set(), set(), set(), set()],
    "ssri": [{0, 1, 2}, {0, 1, 2}, {0, 1}, {0, 1}, {0}, {0}],
    "neurosteroid": [{0, 1, 2}, {0, 1, 2}, {0, 1}, set(), set(), set()],
}
TRIGGER = {"ketamine": (74.1, 3.3), "ssri": (40.2, 5.1), "neurosteroid": (33.3, 10.9)}  # cycle 0 mean, rise per cycle
SCAR_RISE = {"ketamine": 1.31, "ssri": 0.27, "neurosteroid": 0.13}       # scar load added per cycle (pt)
SEVERITY = {"ketamine": 2.0, "ssri": 1.98, "neurosteroid": 1.04}
FINAL = {"ketamine": [96.1, 97.2, 98.3], "ssri": [55.4, 80.5, 90.6], "neurosteroid": [92.2, 93.3, 94.4]}


def ch08_acute(overrides: dict | None = None) -> pd.DataFrame:
    planted = {k: v for k, v in ACUTE_MEANS.items() if k[0] != "dense"}
    planted.update({(arm, SCAR): SCARS for arm in ARMS8})
    return tidy("arm", {**planted, **(overrides or {})}, ARMS8, [*ACUTE, SCAR], SEEDS3, unique=False, shuffle=8)


def kindling(relapses: dict | None = None, final: dict | None = None, trigger: dict | None = None,
             severity: dict | None = None) -> pd.DataFrame:
    relapses, final, trigger = {**KINDLING_RELAPSES, **(relapses or {})}, {**FINAL, **(final or {})}, \
        {**TRIGGER, **(trigger or {})}
    sev = {**SEVERITY, **(severity or {})}
    rows = []
    for arm in TREATED:
        for si, seed in enumerate(SEEDS3):
            load = SCARS[si]
            for c in range(6):
                load += SCAR_RISE[arm]
                a0, rise = trigger[arm]
                cells = {"relapsed": float(seed in relapses[arm][c]), "trigger accuracy": a0 + rise * c + si,
                         "severity": sev[arm] + 0.001 * si, "scar load": load, "bias": 1.5 - 0.2 * c}
                rows += [dict(cycle=c, arm=arm, seed=seed, metric=m, value=v) for m, v in cells.items()]
            cells = {"autonomy accuracy": final[arm][si], "autonomous": float(final[arm][si] < 70), "scar load": load}
            rows += [dict(cycle=6, arm=arm, seed=seed, metric=m, value=v) for m, v in cells.items()]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=9).reset_index(drop=True)


CH08_WITHDRAWAL = dict(relapsing={("own rate", "neurosteroid"): {0, 1, 2}},
                       by_duration={("own rate", "neurosteroid", d): {0, 1} for d in (200, 300)})


def ch08_tables(acute_overrides: dict | None = None, withdrawal_kw: dict | None = None, **kindling_kw) -> dict:
    return {"acute": ch08_acute(acute_overrides), "withdrawal": withdrawal(**(withdrawal_kw or CH08_WITHDRAWAL)),
            "kindling": kindling(**kindling_kw)}


def seed_stat(values) -> tuple:
    return approx(float(np.mean(values))), approx(float(np.std(values)))


def test_ch08_keys():
    rep = get_chapter(8).reproduced(ch08_tables())
    rows8 = {"untreated": "Untreated Baseline", "ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like",
             "ketamine": "Ketamine-like"}
    planted = {**{k: v for k, v in ACUTE_MEANS.items() if k[0] != "dense"}, **{(a, SCAR): SCARS for a in ARMS8}}
    m = lambda key: float(np.mean(planted[key]))  # noqa: E731
    for table, columns, skip in (
            ("Table 1", {CLEAN: "Clean Accuracy (%)", COMB: "Combined Stress Accuracy (%)",
                         SP_W: "Network Sparsity (%)", SCAR: "Early Scarring (%)"}, ()),
            ("Table 2", {BIASED: "Biased Accuracy (%)", GAIN: "Gain Multiplier",
                         ACTIVATION: "Avg. Hidden Activation"}, {("untreated", ACTIVATION)})):
        for arm, row in rows8.items():
            for metric, column in columns.items():
                if (arm, metric) in skip:
                    assert not has_key(rep, table, row, column)
                    continue
                assert value(rep, table, row, column) == approx(m((arm, metric))), (table, row, column)
    labels = {"ketamine": "Ketamine-like", "ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like"}
    for arm, row in labels.items():
        totals = [sum(seed in r for r in KINDLING_RELAPSES[arm]) for seed in SEEDS3]
        got = get(rep, "Table 3", row, "Avg. Total Relapses")
        assert (float(got["value"]), float(got["sd"])) == seed_stat(totals)
        assert value(rep, "Table 3", row, "Autonomy Rate (%)") == approx(100 * np.mean([x < 70 for x in FINAL[arm]]))
        assert value(rep, "Table 3", row, "Final Biased Accuracy (Minimal Trigger) (%)") == approx(np.mean(FINAL[arm]))
        for c in (0, 5):
            assert value(rep, "Table 4", row, f"Cycle {c} Relapse Rate (%)") == approx(
                100 * len(KINDLING_RELAPSES[arm][c]) / 3)
            assert value(rep, "Table 4", row, f"Cycle {c} Biased Accuracy (%)") == approx(
                TRIGGER[arm][0] + TRIGGER[arm][1] * c + 1)
        final_scar = [s + 6 * SCAR_RISE[arm] for s in SCARS]
        got = get(rep, "", row, "Final scar load after kindling (%)")
        assert (float(got["value"]), float(got["sd"])) == seed_stat(final_scar)
    # severity is read at relapses only: the neurosteroid-like arm relapsed in cycles 0–2
    n_sev = [SEVERITY["neurosteroid"] + 0.001 * si for c in range(6) for si, s in enumerate(SEEDS3)
             if s in KINDLING_RELAPSES["neurosteroid"][c]]
    assert value(rep, "", "Neurosteroid-like", "Severity factor") == approx(np.mean(n_sev))
    assert value(rep, "", "Neurosteroid-like", "Scar burden by cycle 3 (%)") == approx(
        np.mean(SCARS) + 4 * SCAR_RISE["neurosteroid"])
    assert value(rep, "", "Neurosteroid-like", "Cycle 3 Relapse Rate (%)") == approx(0.0)
    assert value(rep, "", "Neurosteroid-like", "Cycle 1 Relapse Rate (%)") == approx(100.0)
    assert value(rep, "", "SSRI-like", "Relapse rate in later cycles (%)") == approx((200 / 3 + 100 / 3 + 100 / 3) / 3)
    # discontinuation: per-seed relapse fractions over the six lengths, population SD
    n_per_seed = [100.0, 100.0, 400 / 6]
    got = get(rep, "", "Neurosteroid-like", "Post-discontinuation relapse (% of runs)")
    assert (float(got["value"]), float(got["sd"])) == seed_stat(n_per_seed)
    assert value(rep, "", "SSRI-like", "Post-discontinuation relapse (% of runs)") == approx(100.0)
    assert value(rep, "", "SSRI-like & neurosteroid-like", "Networks relapsing within 50 decay steps (of 10)") == \
        approx((100 + np.mean(n_per_seed)) / 2 / 10)
    off = np.array(N_ON) - np.array(N_OFF)
    got = get(rep, "", "Neurosteroid-like (inhibition removed)", "Combined-stress accuracy drop (pt)")
    assert (float(got["value"]), float(got["sd"])) == seed_stat(off)
    assert value(rep, "", "Neurosteroid-like (inhibition removed)", "Biased-noise accuracy drop (pt)") == approx(
        50.53 - 36.91)
    assert value(rep, "", "Ketamine-like", "Network Sparsity (%)") == approx(47.51)
    assert value(rep, "", "Other arms (SSRI, neurosteroid, untreated)", "Network Sparsity (%)") == approx(
        (94.92 + 94.93 + 94.91) / 3)
    assert_compares(rep, 8)


def test_ch08_claims():
    good = ch08_tables()
    claims = get_chapter(8).claims(good)
    assert (claims["verdict"] == "holds").all(), claims[claims["verdict"] != "holds"]
    # C8.1: the early scar load must be the same in every arm
    assert_flips(8, "C8.1", good, ch08_tables({("ketamine", SCAR): [2.04, 3.11, 4.6]}))
    assert_flips(8, "C8.2", good, ch08_tables({("ssri", BIASED): 51.0}))
    assert_flips(8, "C8.3", good, ch08_tables({("ketamine", DROP): 1.5}))
    # C8.4: neurosteroid relapsing at every length (no fall after 100 epochs) breaks it
    assert_flips(8, "C8.4", good, ch08_tables(withdrawal_kw=dict(relapsing={("own rate", "neurosteroid"): {0, 1, 2}})))
    # C8.5: a neurosteroid-like network failing at the minimal trigger breaks it
    assert_flips(8, "C8.5", good, ch08_tables(final={"neurosteroid": [62.2, 93.3, 94.4]}))
    # C8.6: the ketamine-like arm relapsing most breaks it
    many = {"ketamine": [{0, 1, 2}] * 6}
    assert_flips(8, "C8.6", good, ch08_tables(relapses=many))
    # C8.7: a falling trigger accuracy for the SSRI-like arm breaks it
    assert_flips(8, "C8.7", good, ch08_tables(trigger={"ssri": (40.2, -1.0)}))
    # C8.8: a neurosteroid-like relapse in cycle 4 breaks it
    late = {"neurosteroid": [{0, 1, 2}, {0, 1, 2}, {0, 1}, set(), {1}, set()]}
    assert_flips(8, "C8.8", good, ch08_tables(relapses=late))
    # C8.9: an SSRI-like severity only 1.2 times the neurosteroid-like one breaks it
    assert_flips(8, "C8.9", good, ch08_tables(severity={"ssri": 1.25}))
    # C8.10: drug off within 10 pt on combined stress breaks it
    assert_flips(8, "C8.10", good, ch08_tables({("neurosteroid-off", COMB): [x + 12 for x in N_OFF]}))


# ------------------------------------------------------------------------------------------------------------------
# Chapter 10: chapter 8's tables on a recurrent network (no dense arm); C10.10 against chapter 8's tables
CH10_ACUTE = {  # over chapter 5-7's means: chance-level biased accuracy, the GRU's activation order, drug off
    ("untreated", ACTIVATION): 0.0671, ("ketamine", ACTIVATION): 0.2542, ("ssri", ACTIVATION): 0.1363,
    ("neurosteroid", ACTIVATION): 0.2941,
    ("ketamine", BIASED): 26.61, ("ssri", BIASED): 25.33, ("neurosteroid", BIASED): 26.04,
    ("neurosteroid", I25): 84.17,
    ("neurosteroid-off", COMB): [64.93, 62.11, 67.45], ("neurosteroid-off", I25): 60.38,
    ("neurosteroid-off", BIASED): 25.87,
    # the scars are a seed's in every arm; planted a little apart per arm so that a key reading the wrong arm shows
    **{(arm, SCAR): [s + 0.01 * i for s in SCARS] for i, arm in enumerate(ARMS8)},
}
CH10_PLANTED = {**{k: v for k, v in ACUTE_MEANS.items() if k[0] != "dense"}, **CH10_ACUTE}
ALL3 = {0, 1, 2}
CH10_RELAPSES = {arm: [ALL3] * 6 for arm in TREATED}   # every arm relapses in every cycle
CH10_FINAL = {"ketamine": [25.1, 26.2, 27.3], "ssri": [24.6, 25.4, 26.1], "neurosteroid": [41.2, 50.5, 60.3]}
CH10_SEVERITY = {"ketamine": 1.59, "ssri": 1.67, "neurosteroid": 1.35}
SEVERITY_RISE = {"ketamine": 0.004, "ssri": 0.018, "neurosteroid": -0.01}   # severity added per cycle
CH10_WITHDRAWAL = dict(relapsing={("own rate", arm): ALL3 for arm in TREATED})   # every run relapses


def ch10_acute(overrides: dict | None = None) -> pd.DataFrame:
    return tidy("arm", {**CH10_PLANTED, **(overrides or {})}, ARMS8, [*ACUTE, SCAR], SEEDS3, shuffle=10)


def ch10_kindling(severity_rise: dict | None = None, **kindling_kw) -> pd.DataFrame:
    """Chapter 8's kindling table with a severity that moves with the cycle (so first and last cycles differ)."""
    df = kindling(**kindling_kw)
    rise = {**SEVERITY_RISE, **(severity_rise or {})}
    sev = df["metric"] == "severity"
    df.loc[sev, "value"] += df.loc[sev, "arm"].map(rise) * df.loc[sev, "cycle"]
    return df


def ch10_tables(acute_overrides: dict | None = None, withdrawal_kw: dict | None = None, *,
                relapses: dict | None = None, final: dict | None = None, trigger: dict | None = None,
                severity: dict | None = None, severity_rise: dict | None = None) -> dict:
    return {"acute": ch10_acute(acute_overrides), "withdrawal": withdrawal(**(withdrawal_kw or CH10_WITHDRAWAL)),
            "kindling": ch10_kindling(severity_rise, relapses={**CH10_RELAPSES, **(relapses or {})},
                                      final={**CH10_FINAL, **(final or {})}, trigger=trigger,
                                      severity={**CH10_SEVERITY, **(severity or {})})}


# for the keys: relapses that differ by arm, cycle and seed (the SSRI-like arm first relapses in cycle 1, last in
# cycle 4), and autonomy that differs by arm (ketamine-like 3 of 3, SSRI-like 1 of 3, neurosteroid-like 2 of 3)
KEYS_RELAPSES = {"ketamine": [ALL3, ALL3, {1, 2}, {2}, {0, 2}, {2}],
                 "ssri": [set(), {0, 1}, ALL3, {1, 2}, {2}, set()],
                 "neurosteroid": [ALL3, {0, 1}, {0}, {0, 2}, {1}, {1, 2}]}
KEYS_FINAL = {"ketamine": [25.1, 26.2, 27.3], "ssri": [24.6, 73.4, 76.1], "neurosteroid": [41.2, 50.5, 91.7]}


def ch10_severity(arm: str, cycle: int, si: int) -> float:
    return CH10_SEVERITY[arm] + SEVERITY_RISE[arm] * cycle + 0.001 * si


def ch10_trigger(arm: str, cycle: int, si: int) -> float:
    a0, rise = TRIGGER[arm]
    return a0 + rise * cycle + si


def test_ch10_keys():
    rep = get_chapter(10).reproduced(ch10_tables(relapses=KEYS_RELAPSES, final=KEYS_FINAL))
    assert rep["value"].notna().all(), rep[rep["value"].isna()]
    m = lambda arm, metric: float(np.mean(CH10_PLANTED[(arm, metric)]))  # noqa: E731
    rows10 = {"untreated": "Untreated (pruned)", "ketamine": "Ketamine-like", "ssri": "SSRI-like",
              "neurosteroid": "Neurosteroid-like"}
    for table, columns in (("Table 1", {SP_W: "Sparsity (%)", SCAR: "Scar (%)", CLEAN: "Clean Accuracy (%)",
                                        COMB: "Combined Stress Accuracy (%)"}),
                           ("Table 2", {GAIN: "Gain Multiplier", BIASED: "Biased Stress Accuracy (%)",
                                        ACTIVATION: "Activation Magnitude"})):
        for arm, row in rows10.items():
            for metric, column in columns.items():
                got = get(rep, table, row, column)
                assert float(got["value"]) == approx(m(arm, metric)), (table, row, column)
                assert int(got["n_seeds"]) == 3
    # Table 3: per arm, over the seeds
    labels = {"ketamine": "Ketamine-like", "ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like"}
    final_scar = {arm: [s + 6 * SCAR_RISE[arm] for s in SCARS] for arm in TREATED}
    for arm, row in labels.items():
        totals = [sum(seed in r for r in KEYS_RELAPSES[arm]) for seed in SEEDS3]
        got = get(rep, "Table 3", row, "Total Relapses")
        assert (float(got["value"]), float(got["sd"])) == seed_stat(totals), row
        got = get(rep, "Table 3", row, "Final Scar (%)")
        assert (float(got["value"]), float(got["sd"])) == seed_stat(final_scar[arm]), row
        assert value(rep, "Table 3", row, "Autonomy Rate (%)") == approx(
            100 * np.mean([x < 70 for x in KEYS_FINAL[arm]])), row
        got = get(rep, "Table 3", row, "Autonomy Accuracy (%)")
        assert (float(got["value"]), float(got["sd"])) == seed_stat(KEYS_FINAL[arm]), row
    assert [value(rep, "Table 3", labels[a], "Autonomy Rate (%)") for a in TREATED] == [
        approx(100.0), approx(100 / 3), approx(200 / 3)]
    # the acute prose keys
    assert value(rep, "", "Ketamine-like & Neurosteroid-like", "Combined Stress Accuracy (%)") == approx(
        min(m("ketamine", COMB), m("neurosteroid", COMB)))
    assert value(rep, "", "SSRI-like", "Combined Stress Accuracy (%)") == approx(m("ssri", COMB))
    got = get(rep, "", "All arms (early adversity)", "Scar (%)")
    untreated_scars = CH10_PLANTED[("untreated", SCAR)]
    assert (float(got["value"]), float(got["min"]), float(got["max"])) == (
        approx(np.mean(untreated_scars)), approx(min(untreated_scars)), approx(max(untreated_scars)))
    for arm in TREATED:
        assert value(rep, "", rows10[arm], "Activation Magnitude") == approx(m(arm, ACTIVATION))
        assert value(rep, "", rows10[arm], "Acute relapse drop (pt)") == approx(m(arm, DROP))
    assert value(rep, "", "SSRI-like", "Gain (final)") == approx(1.6)
    assert value(rep, "", "Neurosteroid-like (inhibition removed)", "Combined Stress Accuracy (%)") == approx(
        m("neurosteroid-off", COMB))
    assert value(rep, "", "Neurosteroid-like (inhibition removed)", "Extreme-stress accuracy (%)") == approx(60.38)
    # kindling prose keys
    got = get(rep, "", "Ketamine-like", "Final Scar (%)")   # the abstract's, = Table 3's
    assert (float(got["value"]), float(got["sd"])) == seed_stat(final_scar["ketamine"])
    # the ketamine-like scar load after cycle 0 (its first relapse), not the early scars nor a later cycle
    got = get(rep, "", "Ketamine-like", "Scar after first relapse (%)")
    assert (float(got["value"]), float(got["sd"])) == seed_stat([s + SCAR_RISE["ketamine"] for s in SCARS])
    # severity at relapses only, over every cycle: each seed's mean over its relapses, then mean ± SD over seeds
    for arm in ("ketamine", "neurosteroid"):
        per_seed = [np.mean([ch10_severity(arm, c, si) for c in range(6) if s in KEYS_RELAPSES[arm][c]])
                    for si, s in enumerate(SEEDS3) if any(s in KEYS_RELAPSES[arm][c] for c in range(6))]
        got = get(rep, "", rows10[arm], "Severity factor")
        assert (float(got["value"]), float(got["sd"])) == seed_stat(per_seed), arm
        assert got["n_seeds"] == len(per_seed), arm
    # SSRI-like: the first cycle with a relapse is 1 (seeds 0, 1), the last is 4 (seed 2)
    got = get(rep, "", "SSRI-like", "Severity factor, early cycles")
    assert (float(got["value"]), float(got["sd"])) == seed_stat([ch10_severity("ssri", 1, si) for si in (0, 1)])
    assert value(rep, "", "SSRI-like", "Severity factor, late cycles") == approx(ch10_severity("ssri", 4, 2))
    # trigger accuracy: over every cycle and seed (ketamine-like, SSRI-like); cycles 0 and 5 (neurosteroid-like)
    for arm, column in (("ketamine", "Biased-noise accuracy during kindling (%)"),
                        ("ssri", "Biased-accuracy floor (%)")):
        got = get(rep, "", rows10[arm], column)   # each seed's mean over the cycles, then over the seeds
        assert (float(got["value"]), float(got["sd"])) == seed_stat(
            [np.mean([ch10_trigger(arm, c, si) for c in range(6)]) for si in range(3)]), column
        assert got["n_seeds"] == 3, column
    got = get(rep, "", "Neurosteroid-like", "Biased-noise accuracy, kindling baseline (%)")
    assert (float(got["value"]), float(got["sd"])) == seed_stat([ch10_trigger("neurosteroid", 0, si)
                                                                  for si in range(3)])
    assert value(rep, "", "Neurosteroid-like", "Biased-noise accuracy by cycle 5 (%)") == approx(
        np.mean([ch10_trigger("neurosteroid", 5, si) for si in range(3)]))
    # "only one seed maintained autonomy": the neurosteroid-like seeds that are not autonomous (91.7 ≥ 70)
    assert value(rep, "", "Neurosteroid-like", "Seeds maintaining autonomy (count)") == approx(1.0)
    others = (np.mean(final_scar["ssri"]) + np.mean(final_scar["neurosteroid"])) / 2
    assert value(rep, "", "Ketamine-like vs other arms", "Final scar load ratio (x)") == approx(
        np.mean(final_scar["ketamine"]) / others)
    assert_compares(rep, 10)
    # every published number is reproduced except the three that cite other chapters
    cmp = compare(rep, chapter=10)
    missing = cmp[cmp["verdict"] == "not reproduced"]
    assert sorted(missing["row"]) == ["Ch8 MLP ketamine-like arm (cited)", "Ch9 LLM early-trigger arm (cited)",
                                      "Ch9 LLM regrowth arm (cited)"]


def assert_flips_only(chapter: int, claim_id: str, holding: dict, broken: dict) -> None:
    """``broken`` flips ``claim_id`` and no other claim."""
    assert_flips(chapter, claim_id, holding, broken)
    claims = get_chapter(chapter).claims(broken)
    others = claims[claims["claim"] != claim_id]
    assert (others["verdict"] == "holds").all(), others[others["verdict"] != "holds"]


def test_ch10_claims():
    good = ch10_tables()
    claims = get_chapter(10).claims(good)
    assert sorted(claims["claim"], key=lambda c: int(c.split(".")[1])) == [f"C10.{i}" for i in range(1, 10)]
    assert (claims["verdict"] == "holds").all(), claims[claims["verdict"] != "holds"]
    # C10.1: untreated clean accuracy above 60 % breaks it
    assert_flips_only(10, "C10.1", good, ch10_tables({("untreated", CLEAN): 61.3}))
    # C10.2: the SSRI-like arm within 5 pt of the other two on combined stress breaks it
    assert_flips_only(10, "C10.2", good, ch10_tables({("ssri", COMB): 93.5}))
    # C10.3: an arm's biased accuracy 2.3 pt from the untreated one (still in 23–29 %), or SSRI-like activation
    # above ketamine-like, breaks it
    assert_flips_only(10, "C10.3", good, ch10_tables({("ketamine", BIASED): 27.33}))
    assert_flips_only(10, "C10.3", good, ch10_tables({("ssri", ACTIVATION): 0.2601}))
    # C10.4: a ketamine-like acute relapse drop of 1.5 pt breaks it
    assert_flips_only(10, "C10.4", good, ch10_tables({("ketamine", DROP): 1.5}))
    # C10.5: one neurosteroid-like seed not relapsing after the longest maintenance breaks it
    assert_flips_only(10, "C10.5", good, ch10_tables(withdrawal_kw=dict(
        **CH10_WITHDRAWAL, by_duration={("own rate", "neurosteroid", 300): {0, 1}})))
    # C10.6: one SSRI-like seed missing the last relapse, or a neurosteroid-like autonomy of 2 of 3, breaks it
    assert_flips_only(10, "C10.6", good, ch10_tables(relapses={"ssri": [ALL3] * 5 + [{0, 1}]}))
    assert_flips_only(10, "C10.6", good, ch10_tables(final={"neurosteroid": [41.2, 50.5, 91.7]}))
    # C10.7: ketamine-like severity above the SSRI-like one breaks it
    assert_flips_only(10, "C10.7", good, ch10_tables(severity={"ketamine": 1.72}))
    # C10.8: a falling neurosteroid-like trigger accuracy breaks it
    assert_flips_only(10, "C10.8", good, ch10_tables(trigger={"neurosteroid": (33.3, -1.0)}))
    # C10.9: drug off moving biased accuracy by more than 3 pt breaks it
    assert_flips_only(10, "C10.9", good, ch10_tables({("neurosteroid-off", BIASED): 29.5}))


def test_ch10_reversal_against_chapter_8():
    reversal = importlib.import_module(get_chapter(10).reproduced.__module__).reversal
    rec, ff = ch10_tables(), ch08_tables()   # GRU: 6 relapses, 100 % autonomous; MLP: 1/3 relapse, none autonomous
    claim = reversal(rec, ff)
    assert claim.id == "C10.10" and claim.holds
    assert not reversal(ff, rec).holds
    # the feed-forward ketamine-like arm relapsing in every cycle (as often as the recurrent one) breaks it
    assert not reversal(rec, ch08_tables(relapses={"ketamine": [ALL3] * 6})).holds
    # ... and so does its becoming autonomous in every seed (as often as the recurrent one)
    assert not reversal(rec, ch08_tables(final={"ketamine": [55.1, 56.2, 57.3]})).holds
    # the recurrent ketamine-like arm never becoming autonomous breaks it (its other arms unchanged)
    assert not reversal(ch10_tables(final={"ketamine": [85.1, 86.2, 87.3]}), ff).holds
