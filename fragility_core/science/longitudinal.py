"""Chapter 6's chronic-stress course: repeated pruning hits, each followed by mechanism-specific maintenance."""
from __future__ import annotations

from typing import ClassVar

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from fragility_core.science.connectivity import prune_magnitude, sparsity
from fragility_core.science.data import BlobTask
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.stress import COMBINED, StressCondition, evaluate
from fragility_core.science.training import Ramp, TrainSpec, train
from fragility_core.validate import COUNT, FRACTION, Range, THRESHOLD, check_fraction, check_positive, check_ranges


@dataclass(frozen=True)
class ChronicStress:
    """``cycles`` hits of ``prune_fraction`` of the surviving weights per layer, each followed by maintenance."""

    cycles: int = 8
    prune_fraction: float = 0.1
    relapse_threshold: float = 80.0  # combined-stress accuracy below this at any cycle counts as relapse

    RANGES: ClassVar[dict[str, Range]] = {"cycles": COUNT, "prune_fraction": FRACTION,
                                                 "relapse_threshold": THRESHOLD}

    def __post_init__(self):
        check_positive("cycles", self.cycles)
        check_fraction("prune_fraction", self.prune_fraction)
        check_ranges(self)


# Maintenance after every hit (protocol decision A26): K fine-tunes, S trains slowly with a mild noise taper
# inside each block, N tunes with the drug on. No regrowth for K (its sparsity must rise as published).
MAINTENANCE = {
    "ketamine": TrainSpec(epochs=5, lr=5e-4),
    "ssri": TrainSpec(epochs=20, lr=1e-5, noise=Ramp(0.5, 0.0)),
    "neurosteroid": TrainSpec(epochs=10, lr=5e-4),
}


def cycle_condition(cycle: int) -> StressCondition:
    """Combined stress with a fresh noise stream per cycle (A26: cycle 0 is re-measured, not copied)."""
    return StressCondition(f"combined (cycle {cycle})", input_sigma=COMBINED.input_sigma,
                           internal_sigma=COMBINED.internal_sigma)


def chronic_course(net: EnsembleMLP, task: BlobTask, maintenance: TrainSpec, course: ChronicStress, *,
                   purpose: str, progress: bool = True,
                   on_cycle_end: Callable[[int, EnsembleMLP], None] | None = None) -> pd.DataFrame:
    """Run the course in place; per cycle 0..cycles and member: combined-stress accuracy and weight sparsity."""
    rows = []

    def record(cycle: int):
        acc = evaluate(net, task, cycle_condition(cycle))
        sp = 100 * sparsity(net, "weights")
        rows.extend(dict(cycle=cycle, member=m, seed=s, combined=float(acc[m]), sparsity=float(sp[m]))
                    for m, s in enumerate(net.seeds))

    record(0)
    for cycle in range(1, course.cycles + 1):
        prune_magnitude(net, course.prune_fraction)
        train(net, task.train.x, task.train.y, maintenance, purpose=f"{purpose}-cycle{cycle}", progress=progress,
              desc=f"{purpose} cycle {cycle}/{course.cycles}")
        record(cycle)
        if on_cycle_end is not None:
            on_cycle_end(cycle, net)
    return pd.DataFrame(rows)


def relapse_summary(course: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per member: relapsed (any cycle below ``threshold``), first cycle below it, total drop c0 − c_last."""
    out = []
    last = course["cycle"].max()
    for (member, seed), g in course.groupby(["member", "seed"]):
        g = g.set_index("cycle")["combined"]
        below = g[g < threshold]
        out.append(dict(member=member, seed=seed, relapsed=not below.empty,
                        first_relapse_cycle=float(below.index.min()) if not below.empty else float("nan"),
                        total_drop=float(g.loc[0] - g.loc[last]), final=float(g.loc[last])))
    return pd.DataFrame(out)
