"""A published single-seed number against our distribution over fresh seeds, and claims seed by seed.

The volume's chapters 1–4 report one network (seed 42). One draw beside one draw says little when seeds spread
widely, so each of those chapters also runs on 30 further seeds (500–529, data, initialisation and every draw
per seed). Here, every table is cut seed by seed and the chapter's own :func:`reproduced` and :func:`claims` run
on each slice:

- :func:`seed_spread`: per published key, our seed-42 value, the fresh seeds' median and 5–95 % range, and the
  published value's percentile among them; the published value is *within our seed spread* when it lies inside
  that range (widened by half a unit of the published number's last printed digit, its own rounding), *outside
  it* otherwise (a second verdict beside the seed-42 one). A quantity equal on every fresh seed (a parameter
  count, a sparsity the design fixes) has *no seed spread*: the seed-42 verdict alone applies;
- :func:`claims_on_seeds`: per claim, in how many fresh seeds it holds, with a 95 % bootstrap interval of that
  share.

The ten-seed chapters 5, 6 and 8 run on the same 30 further seeds. Their published numbers are ten-seed means, so
they are not placed seed by seed; their claims are judged seed by seed as above, except the claims about a set of
seeds (an SD across seeds, a ranking in every seed, a count or share of relapsing seeds or runs, autonomy in
some seed), which are judged on the three disjoint ten-seed panels (500–509, 510–519, 520–529), as the volume
judged them on its ten.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from fragility_core.compare.published import _decimals

KEY = ["table", "row", "column"]
SPREAD = ("within our seed spread", "outside it", "no seed spread")
LOW, HIGH = 5.0, 95.0   # the range (percentiles of our seeds) a published value must fall in


def seeds_of(tables: dict[str, pd.DataFrame]) -> list[int]:
    seeds = sorted({int(s) for df in tables.values() if "seed" in df.columns for s in df["seed"].unique()})
    if not seeds:
        raise ValueError("no table has a seed column: the tables cannot be cut seed by seed")
    return seeds


def one_seed(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """Every table restricted to ``seed`` (tables without a seed column are kept whole)."""
    return some_seeds(tables, (seed,))


def some_seeds(tables: dict[str, pd.DataFrame], seeds) -> dict[str, pd.DataFrame]:
    """Every table restricted to ``seeds`` (tables without a seed column are kept whole)."""
    return {name: (df[df["seed"].isin(list(seeds))].reset_index(drop=True) if "seed" in df.columns else df)
            for name, df in tables.items()}


def panels(seeds: list[int], size: int) -> list[tuple[int, ...]]:
    """Disjoint panels of ``size`` consecutive seeds (an incomplete last panel is dropped)."""
    if size < 1:
        raise ValueError(f"panel size must be at least 1, got {size}")
    return [tuple(seeds[i:i + size]) for i in range(0, len(seeds) - size + 1, size)]


def per_seed(reproduced: Callable[[dict], pd.DataFrame], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``reproduced`` on each seed's slice: one row per (seed, table, row, column) with its value."""
    parts = []
    for seed in seeds_of(tables):
        df = reproduced(one_seed(tables, seed))[[*KEY, "value"]].copy()
        df.insert(0, "seed", seed)
        parts.append(df)
    out = pd.concat(parts, ignore_index=True)
    out["table"] = out["table"].fillna("").astype(str)
    return out


def percentile_of(value: float, sample: np.ndarray) -> float:
    """The share (%) of ``sample`` below ``value``, ties counted half (so a value equal to all of them is 50)."""
    sample = sample[~np.isnan(sample)]
    if len(sample) == 0 or np.isnan(value):
        return float("nan")
    return float(100.0 * (np.sum(sample < value) + 0.5 * np.sum(sample == value)) / len(sample))


def seed_spread(fresh: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """For every published key of ``comparison`` (a :func:`~fragility_core.compare.published.compare` table of
    the published seed) with numbers on the fresh seeds: ours (published seed), the fresh seeds' median, 5th and
    95th percentiles, the published value's percentile among them and the spread verdict."""
    rows = []
    grouped = {k: g["value"].to_numpy(dtype=float) for k, g in fresh.groupby(KEY, sort=False)}
    for r in comparison.itertuples(index=False):
        values = grouped.get((r.table, r.row, r.column))
        value = r.ours - r.diff   # the published value (diff = ours - published); NaN where not reproduced
        if values is None or np.isnan(value):
            continue
        values = values[~np.isnan(values)]
        if len(values) == 0:
            continue
        lo, hi = np.percentile(values, [LOW, HIGH])
        pct = percentile_of(float(value), values)
        half = 0.5 * 10.0 ** -_decimals(str(r.published))
        spread = SPREAD[2] if values.min() == values.max() else \
            SPREAD[0] if lo - half <= value <= hi + half else SPREAD[1]
        rows.append({"table": r.table, "row": r.row, "column": r.column, "published": r.published,
                     "value": value, "ours (published seed)": r.ours, "verdict (published seed)": r.verdict,
                     "median (fresh seeds)": float(np.median(values)), "p5": float(lo), "p95": float(hi),
                     "fresh seeds": len(values), "published percentile": pct,
                     "spread verdict": spread})
    return pd.DataFrame(rows)


def bootstrap_share(holds: np.ndarray, *, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of the share (%) of ``True`` in ``holds`` (resampling seeds)."""
    holds = np.asarray(holds, dtype=float)
    rng = np.random.default_rng(seed)
    means = holds[rng.integers(0, len(holds), (resamples, len(holds)))].mean(axis=1) * 100
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def claims_on_seeds(claims: Callable[[dict], pd.DataFrame], tables: dict[str, pd.DataFrame], *,
                    panel_claims=frozenset(), panel_size: int = 1, resamples: int = 2000) -> pd.DataFrame:
    """Every claim on each fresh seed alone (or, for the ``panel_claims``, on each disjoint panel of
    ``panel_size`` seeds): the seeds (panels) in which it holds, the share with its bootstrap interval, and a
    sentence saying how robust that is."""
    seeds = seeds_of(tables)
    panel_claims = frozenset(panel_claims) if panel_size > 1 else frozenset()
    units = [(seed,) for seed in seeds]
    if panel_claims:
        units += [p for p in panels(seeds, panel_size) if p not in units]
    per = []
    for unit in units:
        c = claims(some_seeds(tables, unit))
        judged = c["claim"].isin(panel_claims) == (len(unit) > 1) if panel_claims else c["claim"] == c["claim"]
        c = c[judged]
        per.append(pd.DataFrame({"claim": c["claim"], "unit": [unit] * len(c), "holds": c["verdict"] == "holds"}))
    per = pd.concat(per, ignore_index=True)
    order = list(dict.fromkeys(per["claim"]))
    rows = []
    for claim in order:
        g = per[per["claim"] == claim]
        holds = g["holds"].to_numpy()
        lo, hi = bootstrap_share(holds, resamples=resamples)
        share = 100.0 * holds.mean()
        size = len(g["unit"].iloc[0])
        rows.append({"claim": claim, "seeds holding": int(holds.sum()), "seeds": len(holds),
                     "judged on": "seed" if size == 1 else f"panel of {size} seeds", "share (%)": share,
                     "95 % interval": f"{lo:.0f}–{hi:.0f} %", "robustness": robustness(share, size > 1)})
    return pd.DataFrame(rows)


def robustness(share: float, panels: bool = False) -> str:
    """A share of fresh seeds (or of fresh ten-seed panels), in words (the bands the scorecard counts)."""
    unit = "fresh panels" if panels else "fresh seeds"
    if share >= 90:
        return f"robust: holds in at least 90 % of {unit}"
    if share >= 50:
        return f"seed-dependent: holds in 50–90 % of {unit}"
    return f"fragile: holds in fewer than half of {unit}"


SPREAD_COUNTS = ("placed", "within", "outside", "no spread", "deviates", "deviates within",
                 "claims", "robust", "seed-dependent", "fragile")


def spread_counts(spread: pd.DataFrame | None, on_seeds: pd.DataFrame | None) -> dict[str, int]:
    """One chapter's counts for the scorecard: published numbers by spread verdict (and the published-seed
    deviations among those within our seed spread), claims by robustness band."""
    counts = dict.fromkeys(SPREAD_COUNTS, 0)
    if spread is not None and len(spread):
        verdict = spread["spread verdict"]
        counts.update({"placed": len(spread), "within": int((verdict == SPREAD[0]).sum()),
                       "outside": int((verdict == SPREAD[1]).sum()), "no spread": int((verdict == SPREAD[2]).sum()),
                       "deviates": int((spread["verdict (published seed)"] == "deviates").sum()),
                       "deviates within": int(((verdict == SPREAD[0])
                                               & (spread["verdict (published seed)"] == "deviates")).sum())})
    if on_seeds is not None and len(on_seeds):
        share = on_seeds["share (%)"]
        counts.update({"claims": len(on_seeds), "robust": int((share >= 90).sum()),
                       "seed-dependent": int(((share >= 50) & (share < 90)).sum()), "fragile": int((share < 50).sum())})
    return counts
