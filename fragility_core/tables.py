"""Small helpers that turn tidy per-member tables into per-group summaries."""
from __future__ import annotations

import pandas as pd


def summarise(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean, population SD (ddof = 0, as the volume's SDs imply), min, max and n over members."""
    g = df.groupby(by, sort=False)["value"]
    out = g.agg(value="mean", min="min", max="max", n_seeds="count").reset_index()
    out.insert(len(by) + 1, "sd", g.std(ddof=0).values)
    return out


def pick(summary: pd.DataFrame, **where) -> float:
    """The single ``value`` of the summary row matching ``where``; an error if there is not exactly one."""
    mask = pd.Series(True, index=summary.index)
    for k, v in where.items():
        mask &= summary[k] == v
    rows = summary[mask]
    if len(rows) != 1:
        raise KeyError(f"expected one row for {where}, found {len(rows)}")
    return float(rows["value"].iloc[0])
