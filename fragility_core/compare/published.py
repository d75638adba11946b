"""The volume's published numbers, and how a reproduced number is judged against them.

Every published number comes from the package data file ``data/published_values.csv``
(see ``data/README.md``); nothing here or anywhere else retypes one. Pure pandas: no torch.

A reproduced quantity is keyed exactly as the CSV keys it: ``(table, row, column)`` within a
chapter, where ``table`` is ``""`` for prose and abstract numbers. A few prose quantities are
stated more than once (say 50.8 in the Results and "~51" in the abstract); one reproduced
value is then judged against each statement separately.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

KEY = ["table", "row", "column"]
VERDICTS = ("agrees", "close", "deviates", "not reproduced")
POINT_UNITS = frozenset({"%", "pt", "% of baseline"})   # judged by absolute differences in points
COMPARISON_COLUMNS = ["source", "table", "row", "column", "unit", "published", "published_sd",
                      "min", "max", "ours", "ours_sd", "ours_min", "ours_max", "diff", "verdict", "note"]
VERDICT_COLOURS = {"agrees": "#d4edda", "close": "#fff3cd", "deviates": "#f8d7da",
                   "not reproduced": "#e2e3e5"}

_TAG = re.compile(r"^\[([^\]]+)\]")
_NUMBER = re.compile(r"[-+]?\d+(?:\.(\d+))?(e[-+]?\d+)?")


@dataclass(frozen=True)
class VerdictRule:
    """Thresholds for :func:`verdict`, in the unit of the published number.

    Single-seed numbers (published ``n_seeds == 1``) in %/pt: ``|diff| <= agree_pt`` agrees,
    ``<= close_pt`` is close, else deviates; rows tagged ``[approx]`` use the ``approx_*`` pair.
    Bounds: ``[lower bound]`` agrees when ours is above it, ``[upper bound]`` when below,
    otherwise deviates. Ranges (only ``min``/``max`` printed): inside agrees, within
    ``range_close_pt`` outside is close. Counts without an SD must match as printed
    (``[approx]`` counts: within ``count_approx_rel`` relative). Other units (ratio, a.u., ...)
    use relative thresholds ``relative_agree`` / ``relative_close`` (``approx_relative_*``).

    Ranges that we reproduce as a range too (ours has ``min``/``max``, e.g. across seeds): judged by
    the worse of the two ends, agreeing within ``range_ends_agree_pt`` and close within
    ``range_ends_close_pt`` (extremes of ten seeds are noisy). Bounds are inclusive.

    Multi-seed numbers (published ``n_seeds > 1``):
    tolerance = max(``seeds_z`` · sqrt(sd_pub²/n_pub + sd_ours²/n_ours), floor), with floor
    ``seeds_floor_pt`` for %/pt and ``seeds_floor_rel`` · |published| otherwise; within the
    tolerance agrees, within ``seeds_close_factor`` × tolerance is close. ``[approx]`` rows never
    get a tighter tolerance than the single-seed ``approx_*`` pair.
    """

    agree_pt: float = 1.0
    close_pt: float = 3.0
    approx_agree_pt: float = 2.0
    approx_close_pt: float = 5.0
    range_close_pt: float = 3.0
    count_approx_rel: float = 0.01
    relative_agree: float = 0.05
    relative_close: float = 0.15
    approx_relative_agree: float = 0.10
    approx_relative_close: float = 0.25
    seeds_z: float = 2.0
    seeds_floor_pt: float = 1.0
    seeds_floor_rel: float = 0.05
    seeds_close_factor: float = 2.0
    range_ends_agree_pt: float = 5.0
    range_ends_close_pt: float = 10.0


def load_published() -> pd.DataFrame:
    """All 832 published numbers, in CSV order.

    Columns: the CSV schema (``value``, ``sd``, ``min``, ``max`` as floats, NaN when empty;
    ``table`` is ``""`` for prose and abstract rows), plus ``tag`` (the note's leading
    ``[approx]``/``[lower bound]``/``[upper bound]``/``[in words]`` without brackets, else ``""``),
    ``printed`` (the value exactly as printed, or ``min–max`` for a range-only row) and ``cell``
    (``printed`` with ``± sd`` where an SD was printed).
    """
    source = resources.files("fragility_core") / "data" / "published_values.csv"
    with source.open("r", encoding="utf-8") as f:
        raw = pd.read_csv(f, dtype=str, keep_default_na=False)
    df = raw.copy()
    for col in ("chapter", "n_seeds", "line"):
        df[col] = df[col].astype(int)
    for col in ("value", "sd", "min", "max"):
        df[col] = pd.to_numeric(raw[col].mask(raw[col] == ""), errors="raise").astype(float)
    df["tag"] = raw["note"].str.extract(_TAG, expand=False).fillna("").astype(str)
    range_only = raw["value"] == ""
    df["printed"] = raw["value"].where(~range_only, raw["min"] + "–" + raw["max"])
    df["cell"] = df["printed"].where(raw["sd"] == "", df["printed"] + " ± " + raw["sd"])
    return df


def published(chapter: int, table: str | None = None, source: str | None = None) -> pd.DataFrame:
    """The published rows of one chapter, optionally of one table (``"Table 1"``) or one
    source (``"table"``, ``"prose"``, ``"abstract"``), in CSV order. The data file, not a list here,
    says which chapters exist."""
    df = load_published()
    chapters = sorted(set(df["chapter"]))
    if chapter not in chapters:
        raise ValueError(f"chapter must be one of {chapters}, got {chapter!r}")
    keep = df["chapter"] == int(chapter)
    if table is not None:
        keep &= df["table"] == table
    if source is not None:
        keep &= df["source"] == source
    return df[keep].reset_index(drop=True)


def published_table(chapter: int, table: str) -> pd.DataFrame:
    """A published table in its printed layout: row labels × column labels (both in CSV order),
    cells as printed (``value ± sd``, or ``min–max``); ``—`` where the volume printed no number."""
    rows = published(chapter, table=table, source="table")
    if rows.empty:
        tables = sorted(set(published(chapter, source="table")["table"]))
        raise ValueError(f"chapter {chapter} has no published {table!r}; its tables are {tables}")
    layout = rows.pivot(index="row", columns="column", values="cell")
    layout = layout.reindex(index=rows["row"].unique(), columns=rows["column"].unique())
    layout.index.name = None
    layout.columns.name = None
    return layout.fillna("—")


def _normalise_ours(ours: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in (*KEY, "value") if c not in ours.columns]
    if missing:
        raise ValueError(f"ours is missing column(s) {missing}; it needs table, row, column, value")
    out = ours.copy()
    out["table"] = out["table"].fillna("").astype(str)
    out["row"] = out["row"].astype(str)
    out["column"] = out["column"].astype(str)
    out["value"] = pd.to_numeric(out["value"]).astype(float)
    for col in ("sd", "n_seeds", "min", "max"):
        out[col] = pd.to_numeric(out[col]).astype(float) if col in out.columns else np.nan
    duplicated = out[out.duplicated(KEY, keep=False)]
    if not duplicated.empty:
        keys = sorted(set(map(tuple, duplicated[KEY].to_numpy())))
        raise ValueError(f"ours has more than one value for the key(s) {keys}")
    return out


def compare(ours: pd.DataFrame, chapter: int, *, rule: VerdictRule = VerdictRule()) -> pd.DataFrame:
    """Published vs reproduced, one row per published number of ``chapter`` (CSV order).

    ``ours`` has columns ``table, row, column, value`` and optionally ``sd``, ``n_seeds`` (when
    absent, taken equal to the published number of seeds) and ``profile`` (carried into the
    output). Its keys must be published keys of the chapter: an unknown key raises ValueError
    naming it, so a typo in a label cannot silently drop a result. Published numbers that we do
    not reproduce stay, with ``ours`` NaN and verdict ``"not reproduced"``.
    """
    pub = published(chapter)
    mine = _normalise_ours(ours)
    known = set(map(tuple, pub[KEY].to_numpy()))
    unknown = [k for k in map(tuple, mine[KEY].to_numpy()) if k not in known]
    if unknown:
        raise ValueError(f"ours has key(s) that chapter {chapter} does not publish "
                         f"(table, row, column): {unknown}")
    extra = ["profile"] if "profile" in mine.columns else []
    mine = mine[[*KEY, "value", "sd", "n_seeds", "min", "max", *extra]].rename(
        columns={"value": "ours", "sd": "ours_sd", "n_seeds": "ours_n", "min": "ours_min", "max": "ours_max"})
    both = pub.merge(mine, on=KEY, how="left", validate="many_to_one")
    both["diff"] = both["ours"] - both["value"]
    judged = [
        judge_range(r.ours_min, r.ours_max, r.min, r.max, rule)
        if math.isnan(r.value) and not (math.isnan(r.ours_min) or math.isnan(r.ours_max)) else
        judge(r.ours, r.value, unit=r.unit, tag=r.tag, lo=r.min, hi=r.max,
              published_sd=r.sd, published_n=r.n_seeds,
              ours_sd=r.ours_sd, ours_n=r.n_seeds if math.isnan(r.ours_n) else r.ours_n,
              printed=r.printed, rule=rule)
        for r in both.itertuples(index=False)
    ]
    both["verdict"] = [v for v, _ in judged]
    if extra:
        both["profile"] = both["profile"].fillna("")
    both = both.rename(columns={"printed": "published", "sd": "published_sd"})
    out = both[COMPARISON_COLUMNS + extra]
    # what a page shows besides the columns (not exported): the chapter, and per row (by position) the tolerance
    # that decided its verdict and the line of the volume that prints the number
    out.attrs["chapter"] = int(chapter)
    out.attrs["tolerance"] = [b for _, b in judged]
    out.attrs["line"] = [int(x) for x in both["line"]]
    out.attrs["cell"] = [str(x) for x in both["cell"]]
    return out


def _decimals(printed: str) -> int:
    """Decimal places of the first number in a printed string (0 for ``3.97e5``)."""
    m = _NUMBER.search(printed)
    if m is None or m.group(2):
        return 0
    return len(m.group(1) or "")


def _tolerances(unit: str, approx: bool, reference: float, rule: VerdictRule) -> tuple[float, float]:
    """(agree, close) thresholds on |diff| for a single-seed exact or approximate number."""
    if unit in POINT_UNITS:
        return (rule.approx_agree_pt, rule.approx_close_pt) if approx else (rule.agree_pt, rule.close_pt)
    agree, close = ((rule.approx_relative_agree, rule.approx_relative_close) if approx
                    else (rule.relative_agree, rule.relative_close))
    return agree * abs(reference), close * abs(reference)


def _n(x: float) -> str:
    """A threshold or difference in a tolerance statement: three significant digits."""
    return f"{x:.3g}"


def judge(ours: float, value: float, *, unit: str, tag: str = "", lo: float = math.nan,
          hi: float = math.nan, published_sd: float = math.nan, published_n: int = 1,
          ours_sd: float = math.nan, ours_n: float = 1, printed: str | None = None,
          rule: VerdictRule = VerdictRule()) -> tuple[str, str]:
    """:func:`verdict` and the tolerance that decided it, in words (``"agrees within ±1 pt, close within ±3 pt
    (a single-run number)"``): the one place the thresholds of :class:`VerdictRule` are applied."""
    tags = {t.strip() for t in tag.split(";")} if tag else set()
    approx = "approx" in tags
    pt = " pt" if unit in POINT_UNITS else ""
    if math.isnan(value):
        if math.isnan(lo) or math.isnan(hi):
            raise ValueError(f"a published number needs a value or a min/max range, got {value}, {lo}, {hi}")
        basis = f"inside the published range {_n(lo)}–{_n(hi)} agrees, within {_n(rule.range_close_pt)} pt outside it close"
        if ours is None or math.isnan(ours):
            return "not reproduced", basis
        outside = max(lo - ours, ours - hi, 0.0)
        return ("agrees" if outside == 0 else "close" if outside <= rule.range_close_pt else "deviates"), basis
    if "lower bound" in tags:
        basis = f"a lower bound: agrees when ours is at least {_n(value)}"
        return ("not reproduced" if ours is None or math.isnan(ours) else
                "agrees" if ours >= value else "deviates"), basis
    if "upper bound" in tags:
        basis = f"an upper bound: agrees when ours is at most {_n(value)}"
        return ("not reproduced" if ours is None or math.isnan(ours) else
                "agrees" if ours <= value else "deviates"), basis
    has_sd = not math.isnan(published_sd)
    missing = ours is None or math.isnan(ours)
    diff = math.nan if missing else abs(ours - value)
    if unit == "count" and not has_sd:
        if approx:
            basis = (f"an approximate count: agrees within ±{_n(rule.count_approx_rel * 100)} % "
                     f"(±{_n(rule.count_approx_rel * abs(value))})")
            return ("not reproduced" if missing else
                    "agrees" if diff <= rule.count_approx_rel * abs(value) else "deviates"), basis
        decimals = _decimals(printed) if printed is not None else 0
        basis = "a count: agrees only when equal as printed" + (f" ({decimals} decimals)" if decimals else "")
        return ("not reproduced" if missing else
                "agrees" if round(ours, decimals) == value else "deviates"), basis
    if published_n > 1:
        ours_n_ = 1 if missing else ours_n
        se = math.sqrt(np.nansum([published_sd ** 2 / published_n, ours_sd ** 2 / max(ours_n_, 1)]))
        floor = rule.seeds_floor_pt if unit in POINT_UNITS else rule.seeds_floor_rel * abs(value)
        agree = max(rule.seeds_z * se, floor)
        close = rule.seeds_close_factor * agree
        how = (f"{_n(rule.seeds_z)} standard errors of the difference ({_n(rule.seeds_z * se)}{pt}), at least "
               f"{_n(floor)}{pt}; {int(published_n)} published seeds" + ("" if missing else f", {int(ours_n_)} ours"))
        if approx:
            approx_agree, approx_close = _tolerances(unit, True, value, rule)
            if approx_agree > agree or approx_close > close:
                how += "; an approximate number: never tighter than the approximate single-run thresholds"
            agree, close = max(agree, approx_agree), max(close, approx_close)
    else:
        agree, close = _tolerances(unit, approx, value, rule)
        how = ("an approximate single-run number" if approx else "a single-run number") + (
            "" if unit in POINT_UNITS else
            f", {_n(100 * (rule.approx_relative_agree if approx else rule.relative_agree))} % and "
            f"{_n(100 * (rule.approx_relative_close if approx else rule.relative_close))} % of the published value")
    basis = f"agrees within ±{_n(agree)}{pt}, close within ±{_n(close)}{pt} ({how})"
    if missing:
        return "not reproduced", basis
    return ("agrees" if diff <= agree else "close" if diff <= close else "deviates"), basis


def verdict(ours: float, value: float, *, unit: str, tag: str = "", lo: float = math.nan,
            hi: float = math.nan, published_sd: float = math.nan, published_n: int = 1,
            ours_sd: float = math.nan, ours_n: float = 1, printed: str | None = None,
            rule: VerdictRule = VerdictRule()) -> str:
    """``"agrees"``, ``"close"``, ``"deviates"`` or ``"not reproduced"`` (ours is NaN), by the
    thresholds of ``rule`` (see :class:`VerdictRule`). ``printed`` (the published string) sets
    the precision at which a count must match exactly; ``value`` is NaN for a range-only row.
    :func:`judge` gives the tolerance that decided it as well."""
    return judge(ours, value, unit=unit, tag=tag, lo=lo, hi=hi, published_sd=published_sd, published_n=published_n,
                 ours_sd=ours_sd, ours_n=ours_n, printed=printed, rule=rule)[0]


def judge_range(ours_lo: float, ours_hi: float, lo: float, hi: float,
                rule: VerdictRule = VerdictRule()) -> tuple[str, str]:
    """:func:`range_verdict` and the tolerance that decided it, in words."""
    worst = max(abs(ours_lo - lo), abs(ours_hi - hi))
    basis = (f"a range reproduced as a range, judged by its worse end: agrees within ±{_n(rule.range_ends_agree_pt)} "
             f"pt, close within ±{_n(rule.range_ends_close_pt)} pt")
    return ("agrees" if worst <= rule.range_ends_agree_pt else "close" if worst <= rule.range_ends_close_pt
            else "deviates"), basis


def range_verdict(ours_lo: float, ours_hi: float, lo: float, hi: float, rule: VerdictRule = VerdictRule()) -> str:
    """A published range (e.g. min–max across seeds) against ours: judged by the worse of the two ends."""
    return judge_range(ours_lo, ours_hi, lo, hi, rule)[0]


def scorecard(comparisons: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Counts of each verdict per chapter (rows: chapters; columns: verdicts, then total)."""
    counts = {
        chapter: df["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
        for chapter, df in sorted(comparisons.items())
    }
    card = pd.DataFrame(counts).T.astype(int)
    card.index.name = "chapter"
    card["total"] = card.sum(axis=1)
    return card


def display_decimals(printed: str, unit: str) -> int:
    """Decimals a number is shown with: the published precision, at least one for %/pt."""
    return max(_decimals(printed), 1) if unit in POINT_UNITS else _decimals(printed)


def _format_number(x: float, decimals: int, signed: bool = False) -> str:
    if x is None or math.isnan(x):
        return ""
    return f"{x:{'+' if signed else ''}.{decimals}f}"
