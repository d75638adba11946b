"""The three treatment mechanisms (and no treatment), each a dataclass of its parameters, applied by :func:`treat`.

- :class:`Ketamine` — structural: regrow a fraction of pruned sites (gradient-guided or random), then fine-tune.
- :class:`ChronicKetamine` — repeated smaller regrowth: each cycle regrows a fraction of the still-missing
  sites with freshly accumulated gradients, then fine-tunes briefly.
- :class:`SSRI` — functional: the mask is untouched; long, slow training while internal noise tapers off
  (and, from chapter 5 on, a gain ramp).
- :class:`Neurosteroid` — modulatory: damping after every hidden activation and tanh instead of ReLU,
  briefly tuned; :func:`drug_off` removes it without touching a weight.
- :class:`Untreated` — nothing.

All act on every member of an ensemble at once and in place. A treatment's random streams are named by its
``name`` so that two arms of one seed never share draws by accident.
"""
from __future__ import annotations

from typing import ClassVar

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from fragility_core.science.connectivity import accumulate_gradient, regrow
from fragility_core.science.data import Split
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.training import Ramp, TrainSpec, train
from fragility_core.validate import (COUNT, DAMPING, FRACTION, NON_NEGATIVE, POSITIVE, Range, check_choice,
                                     check_fraction, check_positive, check_ranges)


@dataclass(frozen=True)
class Ketamine:
    fraction: float = 0.5
    by: str = "gradient"
    gradient_batches: int = 30
    init_std: float = 0.03
    finetune: TrainSpec = TrainSpec(epochs=15, lr=5e-4)
    gain: float = 1.0
    name: str = "ketamine"

    RANGES: ClassVar[dict[str, Range]] = {"fraction": FRACTION, "gradient_batches": COUNT, "init_std": NON_NEGATIVE, "gain": POSITIVE}

    def __post_init__(self):
        check_fraction("fraction", self.fraction)
        check_choice("by", self.by, ("gradient", "random"))
        check_positive("gradient_batches", self.gradient_batches)
        check_positive("gain", self.gain)
        check_ranges(self)


@dataclass(frozen=True)
class ChronicKetamine:
    cycles: int = 10
    fraction: float = 0.4           # of the sites still missing at each cycle
    gradient_batches: int = 30
    init_std: float = 0.03
    finetune: TrainSpec = TrainSpec(epochs=5, lr=5e-4)
    name: str = "chronic-ketamine"

    RANGES: ClassVar[dict[str, Range]] = {"cycles": COUNT, "fraction": FRACTION, "gradient_batches": COUNT,
                                                 "init_std": NON_NEGATIVE}

    def __post_init__(self):
        check_fraction("fraction", self.fraction)
        check_positive("cycles", self.cycles)
        check_ranges(self)


@dataclass(frozen=True)
class SSRI:
    training: TrainSpec = TrainSpec(epochs=100, lr=1e-5, noise=Ramp(0.5, 0.0))
    name: str = "ssri"


@dataclass(frozen=True)
class Neurosteroid:
    damping: float = 0.7
    gain: float = 1.0
    training: TrainSpec = TrainSpec(epochs=10, lr=5e-4)
    name: str = "neurosteroid"

    RANGES: ClassVar[dict[str, Range]] = {"damping": DAMPING, "gain": POSITIVE}

    def __post_init__(self):
        check_positive("damping", self.damping)
        check_positive("gain", self.gain)
        check_ranges(self)


@dataclass(frozen=True)
class Untreated:
    name: str = "untreated"


Treatment = Ketamine | ChronicKetamine | SSRI | Neurosteroid | Untreated


def treat(net: EnsembleMLP, treatment: Treatment, train_set: Split, *, progress: bool = True,
          on_cycle_end: Callable[[int, EnsembleMLP], None] | None = None,
          on_epoch_end: Callable[[int, EnsembleMLP], None] | None = None) -> EnsembleMLP:
    """Apply ``treatment`` to every member of ``net`` in place (and return it).

    ``on_epoch_end`` is passed to training (single-phase treatments); ``on_cycle_end(cycle, net)`` is called
    after each cycle of :class:`ChronicKetamine`.
    """
    x, y = train_set.x, train_set.y
    match treatment:
        case Untreated():
            pass
        case Ketamine():
            tag = f"{treatment.name}-{treatment.by}"
            net.gain.fill_(treatment.gain)
            scores = None
            if treatment.by == "gradient":
                scores = accumulate_gradient(net, x, y, batches=treatment.gradient_batches,
                                             batch_size=treatment.finetune.batch_size,
                                             purpose=f"{tag}-gradient")
            regrow(net, treatment.fraction, by=treatment.by, scores=scores, init_std=treatment.init_std,
                   purpose=f"{tag}-regrow")
            train(net, x, y, treatment.finetune, purpose=f"{tag}-finetune", progress=progress,
                  desc=f"{treatment.name} ({treatment.by}) fine-tune", on_epoch_end=on_epoch_end)
        case ChronicKetamine():
            for cycle in range(1, treatment.cycles + 1):
                tag = f"{treatment.name}-cycle{cycle}"
                scores = accumulate_gradient(net, x, y, batches=treatment.gradient_batches,
                                             batch_size=treatment.finetune.batch_size, purpose=f"{tag}-gradient")
                regrow(net, treatment.fraction, by="gradient", scores=scores, init_std=treatment.init_std,
                       purpose=f"{tag}-regrow")
                train(net, x, y, treatment.finetune, purpose=f"{tag}-finetune", progress=progress,
                      desc=f"chronic cycle {cycle}/{treatment.cycles}")
                if on_cycle_end is not None:
                    on_cycle_end(cycle, net)
        case SSRI():
            train(net, x, y, treatment.training, purpose=treatment.name, progress=progress,
                  desc="SSRI-like training", on_epoch_end=on_epoch_end)
        case Neurosteroid():
            net.damping.fill_(treatment.damping)
            net.gain.fill_(treatment.gain)
            net.use_tanh.fill_(True)
            train(net, x, y, treatment.training, purpose=treatment.name, progress=progress,
                  desc="neurosteroid-like tuning", on_epoch_end=on_epoch_end)
        case _:
            raise ValueError(f"treatment must be one of {', '.join(c.__name__ for c in Treatment.__args__)}, "
                             f"got {treatment!r}")
    return net


@torch.no_grad()
def drug_off(net: EnsembleMLP) -> EnsembleMLP:
    """A copy with every modulator removed (gain 1, damping 1, ReLU restored); weights and masks untouched."""
    off = net.clone()
    off.gain.fill_(1.0)
    off.damping.fill_(1.0)
    off.use_tanh.fill_(False)
    return off
