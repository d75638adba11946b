"""Kindling (chapter 8, and chapter 10 on a recurrent backbone): repeated manic triggers of falling strength.

One cycle c = 0..5 on an ensemble whose members are (arm, seed) networks with their drug on:

1. maintenance: ``epochs`` low-lr epochs on the training set; the ketamine-like members first regrow
   ``regrow_fraction`` of their regrowable (pruned, non-scar) sites, gradient-guided;
2. trigger: accuracy under biased hidden noise N(b_c, 1²), b_c = ``first_bias − step · c``, over
   ``trigger_batches`` batches of the standard set (evaluation only, protocol decision A30);
3. relapse if below ``relapse_threshold``: severity from the member's gain and mean |activation|, then
   ⌊``scar_base`` · severity · n_active⌋ of the smallest active weights of every layer become scars;
4. closure: the same trigger (the same noise draws) re-measured after the scarring.

After the last cycle, the autonomy test: the same measurement at ``autonomy_bias``; below
``autonomy_threshold`` the network fails without a real trigger.
"""
from __future__ import annotations

from typing import ClassVar

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from fragility_core.models.mlp import EnsembleMLP, InternalNoise
from fragility_core.rng import generator
from fragility_core.science.connectivity import accumulate_gradient, regrow, sparsity
from fragility_core.science.data import BlobTask
from fragility_core.science.scars import scar_percent, scar_smallest, severity
from fragility_core.science.stress import mean_activation
from fragility_core.science.training import TrainSpec, batch_indices, member_inputs, train
from fragility_core.validate import (COUNT, FRACTION, NON_NEGATIVE, Range, THRESHOLD, check_fraction,
                                     check_positive, check_ranges)


@dataclass(frozen=True)
class Kindling:
    cycles: int = 6
    maintenance: TrainSpec = TrainSpec(epochs=20, lr=1e-6)  # "low-learning-rate" (A31: the MS maintenance lr)
    regrow_fraction: float = 0.3
    gradient_batches: int = 30
    init_std: float = 0.03
    first_bias: float = 1.5
    bias_step: float = 0.2
    noise_sigma: float = 1.0
    trigger_batches: int = 250
    batch_size: int = 128
    relapse_threshold: float = 60.0
    scar_base: float = 0.05
    severity_clip: tuple[float, float] = (0.5, 2.0)
    severity_floor: float | None = None   # chapter 10: 0 (``max(act − 0.1, 0)``)
    autonomy_bias: float = 0.3
    autonomy_threshold: float = 70.0

    RANGES: ClassVar[dict[str, Range]] = {
        "cycles": COUNT, "regrow_fraction": FRACTION, "gradient_batches": COUNT, "init_std": NON_NEGATIVE,
        "noise_sigma": NON_NEGATIVE, "trigger_batches": COUNT, "batch_size": COUNT, "relapse_threshold": THRESHOLD,
        "scar_base": FRACTION, "severity_floor": Range(0, optional=True), "autonomy_threshold": THRESHOLD}

    def __post_init__(self):
        check_positive("cycles", self.cycles)
        check_fraction("regrow_fraction", self.regrow_fraction)
        check_fraction("scar_base", self.scar_base)
        check_positive("trigger_batches", self.trigger_batches)
        check_positive("batch_size", self.batch_size)
        if not 0 < self.severity_clip[0] <= self.severity_clip[1]:
            raise ValueError(f"severity_clip must be (low, high) with 0 < low <= high, got {self.severity_clip}")
        check_ranges(self)


def trigger_bias(kindling: Kindling, cycle: int) -> float:
    """b_c = first_bias − bias_step · c (1.50, 1.30, ..., 0.50), rounded to 1e-9 against float drift."""
    return round(kindling.first_bias - kindling.bias_step * cycle, 9)


@torch.inference_mode()
def trigger_accuracy(net: EnsembleMLP, task: BlobTask, bias: float, *, sigma: float = 1.0, batches: int = 250,
                     batch_size: int = 128, purpose: str = "trigger") -> torch.Tensor:
    """Accuracy (%) per member over ``batches`` batches of the standard set (reshuffled passes) with fresh
    N(bias, sigma²) noise after every hidden activation. The streams are named by ``purpose``: the same
    purpose gives the same batches and the same noise (used for the closure measurement)."""
    check_positive("batches", batches)
    split = task.standard
    x_all, y_all = split.x.to(net.device), split.y.to(net.device)
    order_gens = [generator(s, purpose, "order") for s in net.seeds]
    noise = InternalNoise(sigma, [generator(s, purpose, "noise", device=net.device) for s in net.seeds], bias)
    correct = torch.zeros(net.n_members, device=net.device)
    seen = 0
    for idx in batch_indices(order_gens, x_all.shape[-2], batch_size, device=net.device,
                             min_batches=batches)[:batches]:
        xb, yb = member_inputs(x_all, y_all, idx)
        correct += (net(xb, noise).argmax(-1) == yb).sum(1)
        seen += idx.shape[1]
    return 100.0 * correct.cpu().double() / seen


def maintain(net: EnsembleMLP, task: BlobTask, kindling: Kindling, cycle: int, regrowing: Sequence[int], *,
             progress: bool = True) -> EnsembleMLP:
    """Step 1 of a cycle: regrowth for the ``regrowing`` members, then the low-lr epochs (a fresh Adam)."""
    x, y = task.train.x, task.train.y
    tag = f"kindling-cycle{cycle}"
    if regrowing:
        rest = [m for m in range(net.n_members) if m not in set(regrowing)]
        part = net.select(regrowing)
        scores = accumulate_gradient(part, x, y, batches=kindling.gradient_batches, batch_size=kindling.batch_size,
                                     purpose=f"{tag}-gradient")
        regrow(part, kindling.regrow_fraction, by="gradient", scores=scores, init_std=kindling.init_std,
               purpose=f"{tag}-regrow")
        merged = EnsembleMLP.concat([part, net.select(rest)] if rest else [part])
        order = list(regrowing) + rest
        net = merged.select([order.index(m) for m in range(net.n_members)])
    train(net, x, y, kindling.maintenance, purpose=f"{tag}-maintenance", progress=progress,
          desc=f"kindling cycle {cycle}: maintenance")
    return net


def episode(net: EnsembleMLP, task: BlobTask, kindling: Kindling, cycle: int) -> dict[str, torch.Tensor]:
    """Steps 2–4 of a cycle on ``net`` (scarred in place); per-member measurements."""
    bias = trigger_bias(kindling, cycle)
    measure = dict(sigma=kindling.noise_sigma, batches=kindling.trigger_batches, batch_size=kindling.batch_size,
                   purpose=f"kindling-trigger{cycle}")
    acc = trigger_accuracy(net, task, bias, **measure)
    relapsed = acc < kindling.relapse_threshold
    act = mean_activation(net, task)
    sev = severity(net.gain.double().cpu(), act, floor=kindling.severity_floor, clip=kindling.severity_clip)
    fractions = [kindling.scar_base * float(s) if r else 0.0 for s, r in zip(sev, relapsed)]
    before = [net.active(k).flatten(1).sum(1).cpu() for k in range(net.n_layers)]
    scar_smallest(net, fractions)
    newly = sum(b - net.active(k).flatten(1).sum(1).cpu() for k, b in enumerate(before))
    return {"bias": torch.full((net.n_members,), bias, dtype=torch.float64), "trigger accuracy": acc,
            "relapsed": relapsed.double(), "activation": act, "gain": net.gain.double().cpu(), "severity": sev,
            "scar fraction": torch.tensor(fractions, dtype=torch.float64), "new scars": newly.double(),
            "closure accuracy": trigger_accuracy(net, task, bias, **measure),
            "scar load": scar_percent(net), "sparsity": 100 * sparsity(net).cpu()}


def autonomy(net: EnsembleMLP, task: BlobTask, kindling: Kindling) -> dict[str, torch.Tensor]:
    acc = trigger_accuracy(net, task, kindling.autonomy_bias, sigma=kindling.noise_sigma,
                           batches=kindling.trigger_batches, batch_size=kindling.batch_size,
                           purpose="kindling-autonomy")
    return {"autonomy accuracy": acc, "autonomous": (acc < kindling.autonomy_threshold).double(),
            "scar load": scar_percent(net), "sparsity": 100 * sparsity(net).cpu()}
