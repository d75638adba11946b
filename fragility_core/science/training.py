"""Training an ensemble: Adam, batch 128, reshuffled every epoch, masks re-applied after every step."""
from __future__ import annotations

from typing import ClassVar

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from tqdm.std import tqdm  # plain text bars: no ipywidgets needed in notebooks

from fragility_core.models.mlp import EnsembleMLP, InternalNoise
from fragility_core.rng import generator
from fragility_core.validate import COUNT, EPOCHS, NON_NEGATIVE, POSITIVE, Range, check_positive, check_ranges


@dataclass(frozen=True)
class Ramp:
    """A value moving linearly from ``start`` (first epoch) to ``end`` (last epoch), updated once per epoch."""

    start: float
    end: float

    RANGES: ClassVar[dict[str, Range]] = {"start": NON_NEGATIVE, "end": NON_NEGATIVE}

    def __post_init__(self):
        check_ranges(self)

    def at(self, epoch: int, epochs: int) -> float:
        if epochs <= 1:
            return self.start
        return self.start + (self.end - self.start) * epoch / (epochs - 1)


@dataclass(frozen=True)
class TrainSpec:
    """One training phase. ``noise`` is internal noise σ during training; ``gain`` the gain schedule."""

    epochs: int
    lr: float
    batch_size: int = 128
    noise: Ramp | None = None
    gain: Ramp | None = None

    RANGES: ClassVar[dict[str, Range]] = {"epochs": EPOCHS, "lr": POSITIVE, "batch_size": COUNT}

    def __post_init__(self):
        if int(self.epochs) != self.epochs or self.epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {self.epochs!r}")
        check_positive("lr", self.lr)
        check_positive("batch_size", self.batch_size)
        check_ranges(self)


def batch_indices(gens: Sequence[torch.Generator], n: int, batch_size: int, *, device: torch.device,
                  min_batches: int = 0) -> list[torch.Tensor]:
    """One fresh permutation per member, cut into batches ``[members, b]`` (the last one may be short).

    With ``min_batches`` larger than one pass, further permutations are appended.
    """
    out: list[torch.Tensor] = []
    while True:
        perms = torch.stack([torch.randperm(n, generator=g, device=g.device) for g in gens]).to(device)
        out.extend(perms[:, i:i + batch_size] for i in range(0, n, batch_size))
        if len(out) >= min_batches:
            return out


def member_inputs(x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gather each member's batch; ``x`` is shared ``[n, d]`` or per member ``[members, n, d]``."""
    if x.dim() == 2:
        return x[idx], y[idx]
    return torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, x.shape[-1])), torch.gather(y, 1, idx)


@contextlib.contextmanager
def flush_denormals():
    """Adam's second moments decay into denormal floats, which make CPU arithmetic ~10x slower."""
    changed = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if changed:
            torch.set_flush_denormal(False)


def step_masks(net: EnsembleMLP) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(weight, mask as weight dtype)`` for every layer that has an inactive weight.

    Re-applying these after a step equals ``net.apply_masks()`` exactly (a bool mask is promoted to 0/1 in
    the weight's dtype), without converting the bool masks afresh at every step; a fully active layer is
    skipped, as multiplying by one changes nothing.
    """
    return [(w, net.active(k).to(w.dtype)) for k, w in enumerate(net.weights) if not bool(net.active(k).all())]


def make_adam(params, lr: float, device: torch.device) -> torch.optim.Optimizer:
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError):  # fused kernels absent for this device/build
        return torch.optim.Adam(params, lr=lr, foreach=device.type == "cuda")


def train(net: EnsembleMLP, x: torch.Tensor, y: torch.Tensor, spec: TrainSpec, *, purpose: str,
          progress: bool = True, desc: str | None = None,
          on_epoch_end: Callable[[int, EnsembleMLP], None] | None = None,
          carry: dict | None = None) -> torch.Tensor:
    """Train every member on its own shuffle of ``(x, y)`` with a fresh Adam; returns mean loss [epochs, members].

    ``purpose`` names the random streams (data order, training noise) so that a member's numbers
    depend only on (seed, purpose), never on which other members share the ensemble.
    ``on_epoch_end(epoch, net)`` is called after each epoch (1-based), e.g. to checkpoint.
    ``carry``: continue one long run in segments; Adam's state is read from ``carry["adam"]`` if present and
    written back there at the end (the data order of each segment is drawn from its own ``purpose``).
    """
    dev = net.device
    x, y = x.to(dev), y.to(dev)
    n = x.shape[-2]
    shuffle = [generator(s, purpose, "shuffle", device=dev) for s in net.seeds]
    noise_gens = [generator(s, purpose, "noise", device=dev) for s in net.seeds]
    params = list(net.weights) + list(net.biases)
    opt = make_adam(params, spec.lr, dev)
    if carry is not None and "adam" in carry:
        opt.load_state_dict(carry["adam"])
    losses = torch.zeros(spec.epochs, net.n_members)
    net.apply_masks()
    masks = step_masks(net)
    bar = tqdm(range(spec.epochs), desc=desc or purpose, disable=not progress, leave=False)
    with flush_denormals():
        for epoch in bar:
            if spec.gain is not None:
                net.gain.fill_(spec.gain.at(epoch, spec.epochs))
            noise = None
            if spec.noise is not None:
                sigma = spec.noise.at(epoch, spec.epochs)
                noise = InternalNoise(sigma, noise_gens) if sigma > 0 else None
            total = torch.zeros(net.n_members, device=dev)
            for idx in batch_indices(shuffle, n, spec.batch_size, device=dev):
                xb, yb = member_inputs(x, y, idx)
                logits = net(xb, noise)
                loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), yb.flatten(), reduction="none")
                per_member = loss.view(net.n_members, -1).mean(1)
                opt.zero_grad(set_to_none=True)
                per_member.sum().backward()
                opt.step()
                with torch.no_grad():
                    for w, m in masks:
                        w.mul_(m)
                total += per_member.detach() * idx.shape[1]
            losses[epoch] = (total / n).cpu()
            bar.set_postfix(loss=f"{losses[epoch].mean():.4f}")
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, net)
                masks = step_masks(net)  # the callback may have changed the masks
    if carry is not None:
        carry["adam"] = opt.state_dict()
    return losses
