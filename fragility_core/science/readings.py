"""Alternative readings of the volume's ambiguities, as transformations of the acute arms' networks.

The pages compare each chosen reading (the protocol-decisions page) with its alternatives, to show which
conclusions it carries. Only readings that change evaluation, not training, are here: the networks are the
stored ones, so the comparison isolates the reading.

- ``A10``: internal noise enters *after* gain and damping (``a·g·d + ε``) instead of before (``(a + ε)·g·d``).
  The modulated arms train without internal noise, except chapter 5's SSRI-like arm, whose noise ramp meets its
  gain ramp: :func:`acute_alternative_arms` retrains that arm under the reading (same draws), the others are
  evaluated again;
- ``A11``: withdrawing the neurosteroid-like drug removes gain and damping but keeps its tanh (instead of
  restoring ReLU).

Chapter 7's withdrawal (:data:`WITHDRAWAL_READINGS`) adds:

- ``A23``: the mood stabiliser decays linearly, p = max(0, 1 − steps · r), instead of exponentially;
- ``A11`` and ``A23`` together.

Chapter 5's activation magnitude (``A20``) is read several ways by :func:`activation_variants`.

One reading changes training: ``A8``, the ketamine-like regrowth score |Σ_b ∂L/∂W| (the net gradient over the
30 batches) instead of Σ_b |∂L/∂W|. :func:`ketamine_by_net_gradient` retrains that arm from the stored pruned
network with the same batches, sites' random streams and fine-tuning as the chosen reading, so only the score
differs.
"""
from __future__ import annotations

from collections.abc import Callable

import torch

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.acute import arm_networks
from fragility_core.science.stages import Stages
from fragility_core.rng import generator
from fragility_core.science.data import BlobTask, Split
from fragility_core.science.mood_stabiliser import decayed_protection, withdraw
from fragility_core.science.connectivity import regrow
from fragility_core.science.treatments import Ketamine, drug_off, treat
from fragility_core.validate import check_choice

READINGS = {"A10": "internal noise after gain and damping", "A11": "drug off keeps the tanh"}


def noise_after_modulation(net: EnsembleMLP) -> EnsembleMLP:
    """A copy whose internal noise is added after gain and damping (A10's alternative); weights untouched."""
    alt = net.clone()
    alt.noise_before_modulation = False
    return alt


def drug_off_keeping_tanh(net: EnsembleMLP) -> EnsembleMLP:
    """The drug removed as :func:`~fragility_core.science.treatments.drug_off` does, but the tanh kept (A11's
    alternative)."""
    off = drug_off(net)
    off.use_tanh.copy_(net.use_tanh)
    return off


def alternative_arms(st: Stages, reading: str) -> dict[str, Callable[[], EnsembleMLP]]:
    """The arms whose networks ``reading`` changes, under that reading."""
    check_choice("reading", reading, tuple(READINGS))
    arms = arm_networks(st)
    if reading == "A10":
        return {a: (lambda make=make: noise_after_modulation(make())) for a, make in arms.items()
                if a not in ("dense", "untreated", "neurosteroid-off")}   # unmodulated: nothing to reorder
    return {"neurosteroid-off": lambda: drug_off_keeping_tanh(st.treated(st.protocol.neurosteroid))}


def ssri_with_noise_after_modulation(st: Stages) -> EnsembleMLP:
    """The SSRI-like arm trained again from the stored pruned network with its internal noise added after the gain
    (A10's alternative), with the chosen reading's batches and noise draws; it is evaluated so as well."""
    net = st.pruned()
    net.noise_before_modulation = False
    return treat(net, st.protocol.ssri, st.task.train, progress=st.progress)


def acute_alternative_arms(st: Stages, reading: str) -> dict[str, Callable[[], EnsembleMLP]]:
    """Chapter 5's arms (gain from the drugs) under ``reading``: as :func:`alternative_arms`, except that under
    A10 the SSRI-like arm, which trains with internal noise while its gain ramps up, is trained under the reading
    too, not only evaluated."""
    arms = alternative_arms(st, reading)
    if reading == "A10":
        arms["ssri"] = lambda: ssri_with_noise_after_modulation(st)
    return arms


# --- chapter 7: what withdrawal leaves ---------------------------------------------------------------------
WITHDRAWAL_READINGS = {"as chosen": "exponential decay, drug off restores ReLU",
                       "A23": "linear stabiliser decay", "A11": "drug off keeps the tanh",
                       "A11 + A23": "drug off keeps the tanh, linear stabiliser decay"}


def linear_protection(rate: float, steps: int, start: float = 1.0) -> float:
    """A23's alternative: the stabiliser loses ``rate`` of its starting level per step, p = max(0, 1 − steps·r)."""
    return max(0.0, start * (1.0 - steps * rate))


def withdraw_under(net: EnsembleMLP, rate: float, steps: int, reading: str) -> EnsembleMLP:
    """The network after withdrawal and ``steps`` decay steps at ``rate``, under one of
    :data:`WITHDRAWAL_READINGS` (``"as chosen"`` is :func:`~fragility_core.science.mood_stabiliser.withdraw`
    at the exponentially decayed protection)."""
    check_choice("reading", reading, tuple(WITHDRAWAL_READINGS))
    p = linear_protection(rate, steps) if "A23" in reading else decayed_protection(rate, steps)
    off = withdraw(net, p)
    if "A11" in reading:
        off.use_tanh.copy_(net.use_tanh)
    return off


# --- chapter 5: the activation magnitude ---------------------------------------------------------------------
@torch.no_grad()
def activation_variants(net: EnsembleMLP, task: BlobTask) -> dict[str, torch.Tensor]:
    """A20's metric and its alternative readings, per member (modulation on, no noise): mean |h| over every
    hidden layer on the standard set (chosen) or the clean set; per hidden layer; the signed mean; the root mean
    square; and the mean |h| of the units that are active on the sample (h ≠ 0)."""
    out = {}
    for split in ("standard", "clean"):
        s = task.split(split)
        x = s.x.to(net.device)
        x = x if x.dim() == 3 else x.expand(net.n_members, *x.shape)
        _, hidden = net(x, return_hidden=True)
        count = sum(h.shape[1] * h.shape[2] for h in hidden)
        mean_abs = sum(h.abs().sum((1, 2)) for h in hidden) / count
        if split == "clean":
            out["mean |h|, clean set"] = mean_abs
            continue
        out["mean |h|, standard set (chosen)"] = mean_abs
        for k, h in enumerate(hidden):
            out[f"mean |h|, hidden layer {k + 1} only"] = h.abs().mean((1, 2))
        out["signed mean h"] = sum(h.sum((1, 2)) for h in hidden) / count
        out["root mean square h"] = torch.sqrt(sum((h ** 2).sum((1, 2)) for h in hidden) / count)
        nonzero = sum((h != 0).sum((1, 2)) for h in hidden)
        out["mean |h| of non-zero units"] = sum(h.abs().sum((1, 2)) for h in hidden) / nonzero
    return {k: v.cpu().double() for k, v in out.items()}


# --- A8: the regrowth score ---------------------------------------------------------------------------------
A8_READING = {"A8": "regrowth score |Σ gradient| over the batches"}


def accumulate_net_gradient(net: EnsembleMLP, x: torch.Tensor, y: torch.Tensor, *, batches: int = 30,
                            batch_size: int = 128, purpose: str = "regrow-gradient") -> list[torch.Tensor]:
    """A8's alternative score: |Σ over ``batches`` minibatches of ∂L/∂W| per weight (signs may cancel), on the
    same batches as :func:`~fragility_core.science.connectivity.accumulate_gradient` draws for ``purpose``."""
    from fragility_core.science.training import batch_indices, member_inputs

    gens = [generator(s, purpose, "shuffle") for s in net.seeds]
    order = batch_indices(gens, x.shape[-2], batch_size, device=net.device, min_batches=batches)
    total = [torch.zeros_like(w) for w in net.weights]
    for idx in order[:batches]:
        xb, yb = member_inputs(x, y, idx)
        logits = net(xb)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), yb.flatten(), reduction="none")
        grads = torch.autograd.grad(loss.view(net.n_members, -1).mean(1).sum(), list(net.weights))
        for acc, g in zip(total, grads):
            acc.add_(g)
    return [t.abs() for t in total]


def ketamine_by_net_gradient(net: EnsembleMLP, treatment: Ketamine, train_set: Split, *,
                             progress: bool = True) -> EnsembleMLP:
    """The gradient-guided ketamine-like treatment applied in place, scored under A8's alternative; the random
    streams (batches, sites, new weights, fine-tuning) are those of the chosen reading."""
    from fragility_core.science.training import train

    if treatment.by != "gradient":
        raise ValueError(f"A8 concerns gradient-guided regrowth, got by={treatment.by!r}")
    x, y = train_set.x, train_set.y
    tag = f"{treatment.name}-{treatment.by}"
    net.gain.fill_(treatment.gain)
    scores = accumulate_net_gradient(net, x, y, batches=treatment.gradient_batches,
                                     batch_size=treatment.finetune.batch_size, purpose=f"{tag}-gradient")
    regrow(net, treatment.fraction, by="gradient", scores=scores, init_std=treatment.init_std,
           purpose=f"{tag}-regrow")
    train(net, x, y, treatment.finetune, purpose=f"{tag}-finetune", progress=progress,
          desc=f"{treatment.name} (A8: net gradient) fine-tune")
    return net
