"""The numbers behind the chapter pages' investigations of chapters 5–7 (page-side: they read stored tables).

Each function condenses stored tables into what an investigation compares: chapter 6's relapsed seeds against
the further seeds and the threshold, chapter 7's relapse after withdrawal under A11's and A23's readings and
against its threshold. (Chapter 5's activation readings go through the chapter's own comparison:
``ch05.under_activation_readings``.)
"""
from __future__ import annotations

from math import comb

import pandas as pd

from fragility_core.compare.seeds import panels
from fragility_core.science.longitudinal import relapse_summary


# --- chapter 6: relapsed seeds ----------------------------------------------------------------------------------
def relapsed_by_threshold(course: pd.DataFrame, thresholds) -> pd.DataFrame:
    """Relapsed seeds per arm (rows) at each threshold (columns): combined stress below it at any cycle."""
    out = {}
    for threshold in thresholds:
        out[f"< {threshold:g} %"] = {arm: int(relapse_summary(g, threshold)["relapsed"].sum())
                                     for arm, g in course.groupby("arm", sort=False)}
    return pd.DataFrame(out)


def binomial_tail(k: int, n: int, q: float, *, upper: bool) -> float:
    """P(X ≥ k) (``upper``) or P(X ≤ k) for X ~ Binomial(n, q)."""
    ks = range(k, n + 1) if upper else range(0, k + 1)
    return float(sum(comb(n, i) * q ** i * (1 - q) ** (n - i) for i in ks))


def relapses_on_fresh_seeds(course: pd.DataFrame, fresh_course: pd.DataFrame, published: dict[str, int],
                            threshold: float, panel_size: int) -> pd.DataFrame:
    """Per arm: relapsed seeds on the published seeds (ours), on each disjoint fresh panel, the fresh per-seed
    rate, and the probability that a ten-seed experiment whose networks relapse independently at that rate
    relapses in as many seeds as published or more (fewer, when the published count is below the expected)."""
    rows = []
    fresh_seeds = sorted(fresh_course["seed"].unique())
    for arm, g in fresh_course.groupby("arm", sort=False):
        summary = relapse_summary(g, threshold).set_index("seed")
        per_seed = summary["relapsed"]
        counts = [int(per_seed.loc[list(p)].sum()) for p in panels(fresh_seeds, panel_size)]
        q = float(per_seed.mean())
        ours = int(relapse_summary(course[course["arm"] == arm], threshold)["relapsed"].sum())
        k = published[arm]
        upper = k >= panel_size * q
        rows.append({"arm": arm, "published": k, "ours": ours, "fresh panels": " / ".join(map(str, counts)),
                     "fresh per-seed rate (%)": 100 * q, "first relapse cycles (fresh)": ", ".join(
                         f"{c:g}" for c in sorted(summary["first_relapse_cycle"].dropna())) or "—",
                     "P(as far as published)": binomial_tail(k, panel_size, q, upper=upper),
                     "direction": "≥" if upper else "≤"})
    return pd.DataFrame(rows)


# --- chapter 7: relapse after withdrawal ----------------------------------------------------------------------
def relapse_by_reading(readings: pd.DataFrame) -> pd.DataFrame:
    """Relapse (% of seeds) and median biased accuracy after withdrawal, per arm and reading."""
    g = readings.groupby(["reading", "arm"], sort=False)
    return pd.DataFrame({"relapse (%)": 100 * g["relapsed"].mean(), "median biased accuracy (%)": g["biased"].median(),
                         "protection left": g["protection"].first()}).reset_index()


def relapse_by_threshold(withdrawal: pd.DataFrame, thresholds) -> pd.DataFrame:
    """Relapse probability (% of seed × duration pairs, each arm at its own decay rate) per arm (rows) if
    relapse meant biased accuracy below each threshold (columns)."""
    own = withdrawal[withdrawal["schedule"] == "own rate"]
    return pd.DataFrame({f"< {t:g} %": {arm: 100 * float((g["biased"] < t).mean())
                                        for arm, g in own.groupby("arm", sort=False)} for t in thresholds})
