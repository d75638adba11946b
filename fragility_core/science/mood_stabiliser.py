"""Chapter 7's long course: maintenance under a mood stabiliser, abrupt drug withdrawal, stabiliser decay.

The wrapper itself lives in the network (``EnsembleMLP.protection`` and the ``MS_*`` constants): at protection
p the gain is capped towards 1.05, an inhibitory bias of 0.15 · p is subtracted after every hidden layer and
the upward shift of biased noise is reduced by 0.3 · p.
"""
from __future__ import annotations

from typing import ClassVar

from dataclasses import dataclass, field

import torch

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.treatments import drug_off
from fragility_core.validate import COUNT, POSITIVE, Range, THRESHOLD, check_fraction, check_positive, check_ranges

# Per-arm decay rate of the stabiliser per step after withdrawal, as published (chapter 7 Methods)
DECAY_RATES = {"ketamine": 0.002, "ssri": 0.015, "neurosteroid": 0.008}


@dataclass(frozen=True)
class Discontinuation:
    durations: tuple[int, ...] = (25, 50, 100, 150, 200, 300)  # maintenance epochs before withdrawal
    lr: float = 1e-6
    decay_steps: int = 50
    rates: dict = field(default_factory=lambda: dict(DECAY_RATES))
    relapse_threshold: float = 60.0  # biased-noise accuracy below this after the wash-out is a manic relapse

    RANGES: ClassVar[dict[str, Range]] = {"lr": POSITIVE, "decay_steps": COUNT,
                                                 "relapse_threshold": THRESHOLD}

    def __post_init__(self):
        check_positive("lr", self.lr)
        check_positive("decay_steps", self.decay_steps)
        for arm, r in self.rates.items():
            check_fraction(f"rates[{arm!r}]", r)
        check_ranges(self)


def decayed_protection(rate: float, steps: int, start: float = 1.0) -> float:
    """Exponential decay p ← p · (1 − rate) per step (chapters 8/10 call it exponential; A23), no training."""
    check_fraction("rate", rate)
    return start * (1.0 - rate) ** steps


@torch.no_grad()
def withdraw(net: EnsembleMLP, protection: torch.Tensor | float) -> EnsembleMLP:
    """A copy with every drug parameter back at baseline (gain 1, damping 1, ReLU) at the given protection."""
    off = drug_off(net)
    off.protection.copy_(torch.as_tensor(protection, dtype=off.protection.dtype).expand_as(off.protection))
    return off
