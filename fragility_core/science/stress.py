"""Evaluation-time stressors and the stress battery.

A condition perturbs a test set: fresh Gaussian noise on the inputs of the standard set,
internal N(mean, σ²) noise after every hidden activation, or both (combined stress).
Noise is drawn from a stream named by (member seed, task stress seed, condition), so
a repeated evaluation gives the same number and two stages see the same draws.
"""
from __future__ import annotations

from typing import ClassVar

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import torch

from fragility_core.science.connectivity import nonzero_parameters, sparsity
from fragility_core.science.data import BlobTask
from fragility_core.models.mlp import EnsembleMLP, InternalNoise
from fragility_core.rng import generator
from fragility_core.validate import NON_NEGATIVE, Range, check_choice, check_positive, check_ranges


@dataclass(frozen=True)
class StressCondition:
    name: str
    split: str = "standard"
    input_sigma: float = 0.0
    internal_sigma: float = 0.0
    internal_mean: float = 0.0

    RANGES: ClassVar[dict[str, Range]] = {"input_sigma": NON_NEGATIVE, "internal_sigma": NON_NEGATIVE}

    def __post_init__(self):
        check_choice("split", self.split, ("standard", "clean"))
        check_positive("input_sigma", self.input_sigma, allow_zero=True)
        check_positive("internal_sigma", self.internal_sigma, allow_zero=True)
        check_ranges(self)


def internal(sigma: float, mean: float = 0.0) -> StressCondition:
    name = f"internal σ={sigma:.1f}" + (f", mean {mean:+.1f}" if mean else "")
    return StressCondition(name, internal_sigma=sigma, internal_mean=mean)


CLEAN = StressCondition("clean", split="clean")
STANDARD = StressCondition("standard")
INPUT_1 = StressCondition("input σ=1.0", input_sigma=1.0)
INPUT_2 = StressCondition("input σ=2.0", input_sigma=2.0)
COMBINED = StressCondition("combined", input_sigma=1.0, internal_sigma=0.5)
EXTREME = internal(2.5)
BIASED = internal(1.0, mean=1.0)
INTERNAL_LEVELS = (0.3, 0.5, 1.0, 1.5, 2.5)
BATTERY: tuple[StressCondition, ...] = (CLEAN, STANDARD, INPUT_1, INPUT_2,
                                        *(internal(s) for s in INTERNAL_LEVELS), COMBINED)


def _member_batch(net: EnsembleMLP, x: torch.Tensor, y: torch.Tensor, rows: slice):
    """Inputs ``[members, b, 2]`` and labels: a shared set is broadcast, a per-member set is sliced."""
    if x.dim() == 3:
        return x[:, rows], y[:, rows]
    return x[rows].expand(net.n_members, -1, -1), y[rows]


@torch.inference_mode()
def evaluate(net: EnsembleMLP, task: BlobTask, condition: StressCondition, *, batch_size: int = 1000) -> torch.Tensor:
    """Accuracy (%) of every member under ``condition``; batches of 1,000 as published."""
    split = task.split(condition.split)
    x_all, y_all = split.x.to(net.device), split.y.to(net.device)
    gens = [generator(s, "stress", task.spec.stress_seed, condition.name, device=net.device) for s in net.seeds]
    noise = InternalNoise(condition.internal_sigma, gens, condition.internal_mean) \
        if condition.internal_sigma or condition.internal_mean else None
    correct = torch.zeros(net.n_members, device=net.device)
    for i in range(0, len(split), batch_size):
        x, y = _member_batch(net, x_all, y_all, slice(i, i + batch_size))
        if condition.input_sigma:
            x = x + condition.input_sigma * torch.stack(
                [torch.randn(x.shape[1:], generator=g, device=x.device, dtype=x.dtype) for g in gens])
        pred = net(x, noise).argmax(-1)
        correct += (pred == y).sum(1)
    return 100.0 * correct.cpu().double() / len(split)


@torch.inference_mode()
def mean_activation(net: EnsembleMLP, task: BlobTask, split: str = "standard") -> torch.Tensor:
    """Mean |h| over all hidden units of all hidden layers and all samples; modulation on, no noise."""
    s = task.split(split)
    x, _ = _member_batch(net, s.x.to(net.device), s.y.to(net.device), slice(None))
    _, hidden = net(x, return_hidden=True)
    total = sum(h.abs().sum((1, 2)) for h in hidden)
    count = sum(h.shape[1] * h.shape[2] for h in hidden)
    return (total / count).cpu().double()


def modulation_metrics(net: EnsembleMLP, task: BlobTask, **labels) -> pd.DataFrame:
    """The manic-risk proxies besides biased accuracy: mean |activation| on standard inputs, gain and damping."""
    act = mean_activation(net, task)
    rows = [dict(member=m, seed=net.seeds[m], metric=metric, value=float(v), unit=unit)
            for metric, values, unit in (("activation", act, "a.u."), ("gain", net.gain.cpu(), "ratio"),
                                         ("damping", net.damping.cpu(), "ratio"))
            for m, v in enumerate(values)]
    df = pd.DataFrame(rows)
    for k, v in reversed(labels.items()):
        df.insert(0, k, v)
    return df


def stress_battery(net: EnsembleMLP, task: BlobTask, conditions: Iterable[StressCondition] = BATTERY,
                   **labels) -> pd.DataFrame:
    """Tidy table: one row per member × metric (accuracy per condition, both sparsities, non-zero count).

    ``labels`` become constant columns (e.g. ``stage="pruned"``).
    """
    conditions = tuple(conditions)
    names = [c.name for c in conditions]
    if len(set(names)) != len(names):
        raise ValueError(f"conditions must not repeat a condition, got {names}")
    rows = []
    members = range(net.n_members)
    for cond in conditions:
        acc = evaluate(net, task, cond)
        rows += [dict(member=m, seed=net.seeds[m], metric=cond.name, value=float(acc[m]), unit="%") for m in members]
    derived = {
        "sparsity (all parameters)": (100 * sparsity(net, "all"), "%"),
        "sparsity (weights only)": (100 * sparsity(net, "weights"), "%"),
        "non-zero parameters": (nonzero_parameters(net), "count"),
    }
    for metric, (values, unit) in derived.items():
        rows += [dict(member=m, seed=net.seeds[m], metric=metric, value=float(values[m]), unit=unit) for m in members]
    df = pd.DataFrame(rows)
    for k, v in reversed(labels.items()):
        df.insert(0, k, v)
    return df
