"""Small helpers that turn tidy per-member tables into per-group summaries."""
from __future__ import annotations

import pandas as pd


def summarise(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean, population SD (ddof = 0, as the volume's SDs imply), min, max and n over members."""
    g = df.groupby(by, sort=False)["value"]
    out = g.agg(value="mean", min="min", max="max", n_seeds="count").reset_index()
    out.insert(len(by) + 1, "sd", g.std(ddof=0).values)
    return out


def _only_row(summary: pd.DataFrame, where: dict) -> pd.Series:
    mask = pd.Series(True, index=summary.index)
    for k, v in where.items():
        mask &= summary[k] == v
    rows = summary[mask]
    if len(rows) != 1:
        raise KeyError(f"expected one row for {where}, found {len(rows)}")
    return rows.iloc[0]


def pick(summary: pd.DataFrame, **where) -> float:
    """The single ``value`` of the summary row matching ``where``; an error if there is not exactly one."""
    return float(_only_row(summary, where)["value"])


def stat(summary: pd.DataFrame, **where) -> dict:
    """value (mean), sd, min, max and n_seeds of the single summary row matching ``where``."""
    r = _only_row(summary, where)
    return {"value": float(r["value"]), "sd": float(r["sd"]), "min": float(r["min"]), "max": float(r["max"]),
            "n_seeds": int(r["n_seeds"])}


def series_stat(series: pd.Series) -> dict:
    """The :func:`stat` dict of one per-seed series (population SD)."""
    return {"value": float(series.mean()), "sd": float(series.std(ddof=0)), "min": float(series.min()),
            "max": float(series.max()), "n_seeds": int(series.count())}


def grid_rows(summary: pd.DataFrame, table: str, rows: dict, columns: dict, by: str = "arm",
              skip: set[tuple] = frozenset()) -> list[dict]:
    """Ours under published keys: ``rows`` maps our group to the printed row label, ``columns`` our metric to the
    printed column label; ``skip`` holds (group, metric) pairs the volume leaves blank."""
    out = []
    for group, row in rows.items():
        for metric, column in columns.items():
            if (group, metric) in skip:
                continue
            s = stat(summary, **{by: group, "metric": metric})
            out.append({"table": table, "row": row, "column": column, "value": s["value"], "sd": s["sd"],
                        "n_seeds": s["n_seeds"]})
    return out


def key_row(table: str, row: str, column: str, s: dict | float, n_seeds: int | None = None) -> dict:
    """One reproduced number under a published key, from a :func:`stat` dict (mean ± sd) or a plain value."""
    if isinstance(s, dict):
        return {"table": table, "row": row, "column": column, "value": s["value"], "sd": s["sd"],
                "n_seeds": s["n_seeds"]}
    return {"table": table, "row": row, "column": column, "value": float(s), "sd": float("nan"),
            "n_seeds": n_seeds}
