"""The sparsity sweep: prune one trained baseline to each level (no regrowth) and run the battery."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from fragility_core.science.connectivity import prune_in_scope, prune_magnitude
from fragility_core.science.data import BlobTask
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.stress import BATTERY, StressCondition, stress_battery


def sparsity_sweep(baseline: EnsembleMLP, task: BlobTask, levels: Sequence[float],
                   conditions: Iterable[StressCondition] = BATTERY) -> pd.DataFrame:
    """Tidy battery per prune level; with a fixed seed a "fresh network per level" is this same baseline."""
    conditions = tuple(conditions)
    parts = []
    for level in levels:
        net = baseline.clone()
        prune_magnitude(net, level)
        parts.append(stress_battery(net, task, conditions, prune_level=100 * level))
    return pd.concat(parts, ignore_index=True)


def scope_sweep(baseline: EnsembleMLP, task: BlobTask, levels: Sequence[float], scopes: Sequence[str],
                conditions: Iterable[StressCondition] = BATTERY) -> pd.DataFrame:
    """:func:`sparsity_sweep` under other readings of which weights share a pruning threshold (A5), one
    ``scope`` column per reading (:func:`~fragility_core.science.connectivity.prune_in_scope`)."""
    conditions = tuple(conditions)
    parts = []
    for scope in scopes:
        for level in levels:
            net = baseline.clone()
            prune_in_scope(net, level, scope)
            parts.append(stress_battery(net, task, conditions, scope=scope, prune_level=100 * level))
    return pd.concat(parts, ignore_index=True)


CHANCE = 25.0  # four balanced-in-expectation classes


def locate_cliff(sweep: pd.DataFrame, metric: str, chance: float = CHANCE) -> float:
    """The sparsity (%) at which ``metric`` has lost half the way from its dense value to chance.

    Linear interpolation between adjacent prune levels, on the mean over members; the first crossing.
    A half-way crossing is robust to where the grid is dense, unlike "the largest single step".
    """
    curve = sweep[sweep.metric == metric].groupby("prune_level")["value"].mean().sort_index()
    half = (curve.iloc[0] + chance) / 2
    below = curve[curve < half]
    if below.empty:
        return float("nan")
    hi = below.index[0]
    lo = curve.index[curve.index.get_loc(hi) - 1]
    y_lo, y_hi = curve[lo], curve[hi]
    return float(lo + (hi - lo) * (y_lo - half) / (y_lo - y_hi))
