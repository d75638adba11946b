"""Permanent scars: early adversity right after the prune, and the damage a relapse leaves (chapters 8 and 10).

A scar is a weight position that is inactive now and can never be regrown, by any treatment (the network keeps
one scar mask per weight matrix beside its active mask; :func:`~fragility_core.science.connectivity.regrow`
only ever considers ``~active & ~scar``). Scar load is scarred positions / all weight positions.
"""
from __future__ import annotations

from typing import ClassVar

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import torch

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.rng import generator
from fragility_core.science.connectivity import _select_lowest, mark_scars
from fragility_core.validate import FRACTION, Range, check_choice, check_fraction, check_ranges


@dataclass(frozen=True)
class EarlyAdversity:
    """Each network draws a rate a ~ U(0, ``max_fraction``) and scars ⌊a · n⌋ positions of every weight matrix.

    ``over="all"``: the positions are drawn among all n positions of the matrix (most fall on already pruned
    sites and only block their regrowth; protocol decision A28). ``over="survivors"``: among the surviving
    weights only (the volume's wording), n = the matrix's active count.
    """

    max_fraction: float = 0.06
    over: str = "all"

    RANGES: ClassVar[dict[str, Range]] = {"max_fraction": FRACTION}

    def __post_init__(self):
        check_fraction("max_fraction", self.max_fraction)
        check_choice("over", self.over, ("all", "survivors"))
        check_ranges(self)


@torch.no_grad()
def early_adversity(net: EnsembleMLP, adversity: EarlyAdversity = EarlyAdversity(),
                    purpose: str = "early-adversity") -> torch.Tensor:
    """Scar every member in place at its own drawn rate; returns the rates [members] (fractions)."""
    rates = torch.stack([torch.rand((), generator=generator(s, purpose, "rate"), dtype=torch.float64)
                         for s in net.seeds]) * adversity.max_fraction
    site_gens = [generator(s, purpose, "sites") for s in net.seeds]
    sites = []
    for k, w in enumerate(net.weights):
        pool = net.active(k) if adversity.over == "survivors" else torch.ones_like(net.active(k))
        n = pool.flatten(1).sum(1).double().cpu()
        count = torch.floor(rates * n).to(torch.int64).to(w.device)
        key = torch.stack([torch.rand(w.shape[1:], generator=g) for g in site_gens]).to(w.device)
        key = torch.where(pool, key, torch.full_like(key, 2.0))   # outside the pool: never among the lowest
        sites.append(_select_lowest(key, count) & pool)
    mark_scars(net, sites)
    return rates


def scar_count(fraction: float, n_active: int) -> int:
    """⌊fraction · n_active⌋ computed exactly on the binary values given (no float rounding at the floor)."""
    return int(Fraction(fraction) * n_active // 1)


@torch.no_grad()
def scar_smallest(net: EnsembleMLP, fractions: Sequence[float]) -> list[torch.Tensor]:
    """Relapse damage: scar ⌊fractions[m] · n_active⌋ of the smallest-|w| active weights of every layer of
    member m (per layer, protocol decision A29). A fraction of 0 leaves a member untouched. Returns the sites."""
    if len(fractions) != net.n_members:
        raise ValueError(f"need one fraction per member ({net.n_members}), got {len(fractions)}")
    for f in fractions:
        check_fraction("fraction", f)
    sites = []
    for k, w in enumerate(net.weights):
        active = net.active(k)
        n_active = active.flatten(1).sum(1).tolist()
        count = torch.tensor([scar_count(f, n) for f, n in zip(fractions, n_active)], device=w.device)
        score = torch.where(active, w.abs(), torch.full_like(w, float("inf")))
        sites.append(_select_lowest(score, count) & active)
    mark_scars(net, sites)
    return sites


def severity(gain: torch.Tensor, activation: torch.Tensor, *, floor: float | None = None,
             clip: tuple[float, float] = (0.5, 2.0)) -> torch.Tensor:
    """Episode severity ``1 + (g − 1) + 2 · (act − 0.1)`` clipped to ``clip`` (chapter 8).

    ``floor=0`` gives chapter 10's form ``2 · max(act − 0.1, 0)``.
    """
    excess = activation - 0.1
    if floor is not None:
        excess = torch.clamp(excess, min=floor)
    return torch.clamp(1.0 + (gain - 1.0) + 2.0 * excess, clip[0], clip[1])


@torch.no_grad()
def scar_percent(net: EnsembleMLP) -> torch.Tensor:
    """Per member: scarred positions / all weight positions, in %."""
    scarred = sum(net.scar(k).flatten(1).sum(1) for k in range(net.n_layers))
    return 100.0 * scarred.double().cpu() / net.n_weights
