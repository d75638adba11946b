"""The four-blob task: 2-D Gaussian clusters at (±3, ±3), σ 0.8 within a class."""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from fragility_core.validate import check_positive

CENTRES = torch.tensor([[-3.0, -3.0], [3.0, 3.0], [-3.0, 3.0], [3.0, -3.0]])
N_CLASSES = 4


@dataclass(frozen=True)
class Split:
    """One labelled sample set."""

    x: torch.Tensor  # [n, 2]
    y: torch.Tensor  # [n] int64

    def __len__(self) -> int:
        return self.y.shape[-1]


def make_blobs(n: int, sigma: float, seed: int) -> Split:
    """``n`` points; labels drawn uniformly at random (not balanced: see protocol decision A4)."""
    if int(n) <= 0:
        raise ValueError(f"n must be a positive number of samples, got {n!r}")
    check_positive("sigma", sigma, allow_zero=True)
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, N_CLASSES, (n,), generator=g)
    x = CENTRES[y] + sigma * torch.randn(n, 2, generator=g)
    return Split(x, y)


@dataclass(frozen=True)
class TaskSpec:
    """Sizes, noise and split seeds of the task (defaults: the published protocol)."""

    n_train: int = 12_000
    n_standard: int = 4_000
    n_clean: int = 2_000
    sigma: float = 0.8
    train_seed: int = 42
    standard_seed: int = 100
    clean_seed: int = 200
    stress_seed: int = 300  # seeds the fresh noise of the evaluation-time stressors


@dataclass(frozen=True)
class BlobTask:
    spec: TaskSpec
    train: Split
    standard: Split  # σ = 0.8, the "standard" test set
    clean: Split     # σ = 0: every point sits on its class centre

    @classmethod
    def generate(cls, spec: TaskSpec = TaskSpec()) -> "BlobTask":
        return cls(
            spec,
            make_blobs(spec.n_train, spec.sigma, spec.train_seed),
            make_blobs(spec.n_standard, spec.sigma, spec.standard_seed),
            make_blobs(spec.n_clean, 0.0, spec.clean_seed),
        )

    def split(self, name: str) -> Split:
        if name not in ("train", "standard", "clean"):
            raise ValueError(f"split must be 'train', 'standard' or 'clean', got {name!r}")
        return getattr(self, name)

    def tile_members(self, times: int) -> "BlobTask":
        """The task of an ensemble that holds ``times`` blocks of these members (chapter 3's checkpoint
        snapshots, ordered block by block): per-member splits repeated block by block; shared data unchanged."""
        if self.train.x.dim() == 2:
            return self
        tile = lambda s: Split(s.x.repeat(times, 1, 1), s.y.repeat(times, 1))  # noqa: E731
        return replace(self, train=tile(self.train), standard=tile(self.standard), clean=tile(self.clean))

    @classmethod
    def per_member(cls, specs: "list[TaskSpec]") -> "BlobTask":
        """One data set per ensemble member (chapter 6: every seed regenerates all its data).

        Every split's ``x`` is ``[members, n, 2]`` and ``y`` is ``[members, n]``; sizes must agree.
        ``spec`` is the first member's, its stress seed shared by all.
        """
        tasks = [cls.generate(s) for s in specs]
        stack = lambda name: Split(torch.stack([t.split(name).x for t in tasks]),  # noqa: E731
                                   torch.stack([t.split(name).y for t in tasks]))
        return cls(specs[0], stack("train"), stack("standard"), stack("clean"))


def seed_task_spec(seed: int, base: TaskSpec = TaskSpec()) -> TaskSpec:
    """The data of one seed when every seed draws its own splits (chapter 6)."""
    return replace(base, train_seed=seed, standard_seed=10_000 + seed, clean_seed=20_000 + seed)
