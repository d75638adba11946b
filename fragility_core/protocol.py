"""The single-seed protocol shared by chapters 1–4, as data, scaled by a run profile."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .data import TaskSpec
from .profiles import Profile, get_profile
from .training import TrainSpec
from .validate import check_fraction, check_positive, check_seeds

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
    regrow_fraction: float = 0.5
    regrow_init_std: float = 0.03
    gradient_batches: int = 30
    finetune: TrainSpec = TrainSpec(epochs=15, lr=5e-4)
    sweep_levels: tuple[float, ...] = SWEEP_LEVELS
    profile: str = "paper"

    def __post_init__(self):
        check_seeds("seeds", self.seeds)
        check_fraction("prune_fraction", self.prune_fraction)
        check_fraction("regrow_fraction", self.regrow_fraction)
        check_positive("gradient_batches", self.gradient_batches)
        for level in self.sweep_levels:
            check_fraction("sweep_levels", level)

    @classmethod
    def for_profile(cls, profile: str | Profile, seeds=(42,), **overrides) -> "Protocol":
        """The published protocol with training lengths and data sizes scaled by ``profile``."""
        p = get_profile(profile)
        base = cls(seeds=check_seeds("seeds", seeds), profile=p.name)
        task = replace(base.task, n_train=p.samples(base.task.n_train), n_standard=p.samples(base.task.n_standard),
                       n_clean=p.samples(base.task.n_clean))
        scaled = replace(base, task=task,
                         baseline=replace(base.baseline, epochs=p.epochs(base.baseline.epochs)),
                         finetune=replace(base.finetune, epochs=p.epochs(base.finetune.epochs)))
        return replace(scaled, **overrides)

    def config(self, *parts: str) -> dict:
        """The config of a stage, restricted to the fields it depends on."""
        d = asdict(self)
        return {k: d[k] for k in ("seeds", "task", *parts)}
