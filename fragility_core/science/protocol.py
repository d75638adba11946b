"""The single-seed protocol shared by chapters 1–4, as data, scaled by a run profile."""
from __future__ import annotations

from typing import ClassVar

import dataclasses
from dataclasses import asdict, dataclass, replace

from fragility_core.science.data import TaskSpec
from fragility_core.profiles import Profile, get_profile
from fragility_core.science.training import TrainSpec
from fragility_core.science.treatments import SSRI, ChronicKetamine, Ketamine, Neurosteroid
from fragility_core.validate import FRACTION, Range, check_fraction, check_ranges, check_seeds

# The sparsity sweep: the published grid {0, 50, 70, 80, 90, 95, 97, 99} plus 85 and half-point steps
# through 90–95 % so that the cliff is located, not bracketed (protocol decision A14).
SWEEP_LEVELS = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.905, 0.91, 0.915, 0.92, 0.925, 0.93, 0.935, 0.94, 0.945,
                0.95, 0.96, 0.97, 0.98, 0.99)


@dataclass(frozen=True)
class Protocol:
    seeds: tuple[int, ...] = (42,)
    task: TaskSpec = TaskSpec()
    baseline: TrainSpec = TrainSpec(epochs=20, lr=1e-3)
    prune_fraction: float = 0.95
    ketamine: Ketamine = Ketamine()
    ssri: SSRI = SSRI()
    neurosteroid: Neurosteroid = Neurosteroid()
    chronic: ChronicKetamine = ChronicKetamine()
    relapse_fraction: float = 0.4
    sweep_levels: tuple[float, ...] = SWEEP_LEVELS
    per_seed_data: bool = False  # chapter 6: every seed draws its own data sets (seed_task_spec)
    profile: str = "paper"

    RANGES: ClassVar[dict[str, Range]] = {"prune_fraction": FRACTION, "relapse_fraction": FRACTION}

    def __post_init__(self):
        check_seeds("seeds", self.seeds)
        check_fraction("prune_fraction", self.prune_fraction)
        check_fraction("relapse_fraction", self.relapse_fraction)
        for level in self.sweep_levels:
            check_fraction("sweep_levels", level)
        check_ranges(self)

    @classmethod
    def for_profile(cls, profile: str | Profile, seeds=(42,), **overrides) -> "Protocol":
        """The published protocol with every training length and data size scaled by ``profile``."""
        p = get_profile(profile)
        base = replace(cls(seeds=check_seeds("seeds", seeds), profile=p.name), **overrides)
        task = replace(base.task, n_train=p.samples(base.task.n_train), n_standard=p.samples(base.task.n_standard),
                       n_clean=p.samples(base.task.n_clean))
        return replace(scale_epochs(base, p), task=task)

    def epochs(self, published: int) -> int:
        """A published epoch count under this protocol's profile (e.g. a consolidation checkpoint)."""
        return get_profile(self.profile).epochs(published)

    def config(self, *parts: str) -> dict:
        """The config of a stage, restricted to the fields it depends on."""
        d = asdict(self)
        keys = ("seeds", "task", *(("per_seed_data",) if self.per_seed_data else ()), *parts)
        return {k: d[k] for k in keys}


def scale_epochs(obj, profile: Profile):
    """A copy of a (nested) dataclass with every ``TrainSpec.epochs`` scaled by ``profile``."""
    if isinstance(obj, TrainSpec):
        return replace(obj, epochs=profile.epochs(obj.epochs))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: scale_epochs(getattr(obj, f.name), profile) for f in dataclasses.fields(obj)
                   if dataclasses.is_dataclass(getattr(obj, f.name))}
        return replace(obj, **changes)
    return obj


def draws_own_data(seeds, published) -> bool:
    """Whether a seed list draws every seed's own data sets (split seeds s, 10 000 + s, 20 000 + s, as chapter 6
    does) rather than the volume's shared ones: a list the published seeds contain keeps the volume's data (the
    published run and its subsets, as CI's), any other list is a fresh draw of everything random."""
    return not set(seeds) <= set(published)
