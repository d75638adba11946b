"""The sparsity sweep: prune one trained baseline to each level (no regrowth) and run the battery."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .connectivity import prune_magnitude
from .data import BlobTask
from .network import EnsembleMLP
from .stress import BATTERY, StressCondition, stress_battery


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


def locate_cliff(sweep: pd.DataFrame, metric: str) -> tuple[float, float]:
    """The prune level (%) that ends the largest drop of ``metric`` between adjacent levels, and that drop (pt).

    Uses the mean over members.
    """
    curve = sweep[sweep.metric == metric].groupby("prune_level")["value"].mean().sort_index()
    drops = -curve.diff()
    level = float(drops.idxmax())
    return level, float(drops.max())
