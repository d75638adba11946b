"""Pruning, scarring and regrowth on an ensemble's per-layer masks.

Every function acts per weight matrix and per member. Biases are never pruned.
Invariant: ``active`` and ``scar`` are disjoint; an inactive weight is exactly zero.
"""
from __future__ import annotations

import math
from fractions import Fraction
from collections.abc import Sequence

import torch

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.rng import generator
from fragility_core.validate import check_choice, check_fraction, check_positive


def _count(fraction: float, n: torch.Tensor) -> torch.Tensor:
    """floor(fraction · n) per member, computed exactly (95 % of 1,024 is 972, not 973)."""
    exact = Fraction(repr(float(fraction)))  # the decimal the caller wrote: 0.95 -> 19/20
    num, den = exact.numerator, exact.denominator
    return (n.to(torch.int64) * num) // den


def _select_lowest(score: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Per member (dim 0), a bool mask of the ``k[m]`` entries with the lowest score (stable on ties)."""
    flat = score.reshape(score.shape[0], -1)
    order = torch.argsort(flat, dim=1, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(flat.shape[1], device=flat.device).expand_as(order))
    return (rank < k.view(-1, 1)).reshape(score.shape)


@torch.no_grad()
def prune_magnitude(net: EnsembleMLP, fraction: float) -> list[torch.Tensor]:
    """Remove the smallest-|w| ``floor(fraction · n_active)`` weights of every layer, per member.

    From a dense net with fraction 0.95 this keeps 5 % of every weight matrix; applied again
    (the relapse test) it removes ``fraction`` of what survives. Returns the removed sites per layer.
    """
    check_fraction("fraction", fraction)
    removed = []
    for k, w in enumerate(net.weights):
        active = net.active(k)
        n_active = active.flatten(1).sum(1)
        score = torch.where(active, w.abs(), torch.full_like(w, math.inf))
        cut = _select_lowest(score, _count(fraction, n_active)) & active
        active &= ~cut
        removed.append(cut)
    net.apply_masks()
    return removed


PRUNE_SCOPES = ("per layer", "global", "output spared")   # A5 and its two alternative readings


def scope_groups(n_layers: int, scope: str) -> list[list[int]]:
    """The weight matrices that share one magnitude threshold under ``scope``: each on its own (``per layer``,
    A5), all together (``global``), or each of the hidden ones on its own with the output matrix never pruned
    (``output spared``)."""
    check_choice("scope", scope, PRUNE_SCOPES)
    return {"per layer": [[k] for k in range(n_layers)], "global": [list(range(n_layers))],
            "output spared": [[k] for k in range(n_layers - 1)]}[scope]


@torch.no_grad()
def prune_in_scope(net: EnsembleMLP, fraction: float, scope: str) -> None:
    """Remove the smallest-|w| ``floor(fraction · n_active)`` weights of every group of ``scope`` (one threshold
    per group, per member). ``per layer`` is exactly :func:`prune_magnitude`; the others are the alternative
    readings of A5 that chapter 2's cliff investigation compares."""
    check_fraction("fraction", fraction)
    for group in scope_groups(len(net.weights), scope):
        actives = [net.active(k) for k in group]
        score = torch.cat([torch.where(a, net.weights[k].abs(), torch.full_like(net.weights[k], math.inf)).flatten(1)
                           for k, a in zip(group, actives)], dim=1)
        n_active = torch.cat([a.flatten(1) for a in actives], dim=1).sum(1)
        cut = _select_lowest(score, _count(fraction, n_active))
        start = 0
        for a in actives:
            size = a[0].numel()
            a &= ~(cut[:, start:start + size].reshape(a.shape) & a)
            start += size
    net.apply_masks()


@torch.no_grad()
def mark_scars(net: EnsembleMLP, sites: Sequence[torch.Tensor]) -> None:
    """Make ``sites`` (one bool mask per layer) permanent scars: inactive now, never regrown."""
    for k, s in enumerate(sites):
        net.scar(k).logical_or_(s)
        net.active(k).logical_and_(~net.scar(k))
    net.apply_masks()


def regrowable(net: EnsembleMLP, k: int) -> torch.Tensor:
    """Sites of layer ``k`` that are pruned but not scarred."""
    return ~net.active(k) & ~net.scar(k)


def accumulate_gradient(net: EnsembleMLP, x: torch.Tensor, y: torch.Tensor, *, batches: int = 30,
                        batch_size: int = 128, purpose: str = "regrow-gradient") -> list[torch.Tensor]:
    """Σ over ``batches`` training minibatches of |∂L/∂W|, per weight, with masks applied and no internal noise.

    The gradient is dense: it is defined at pruned (zeroed) sites too, which is what ranks them.
    Batches come from one fresh shuffle of the training set per member (cycling if the set is small).
    """
    check_positive("batches", batches)
    from fragility_core.science.training import batch_indices, member_inputs  # local import: training imports connectivity

    gens = [generator(s, purpose, "shuffle") for s in net.seeds]
    order = batch_indices(gens, x.shape[-2], batch_size, device=net.device, min_batches=batches)
    scores = [torch.zeros_like(w) for w in net.weights]
    for idx in order[:batches]:
        xb, yb = member_inputs(x, y, idx)
        logits = net(xb)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), yb.flatten(), reduction="none")
        grads = torch.autograd.grad(loss.view(net.n_members, -1).mean(1).sum(), list(net.weights))
        for acc, g in zip(scores, grads):
            acc.add_(g.abs())
    return scores


@torch.no_grad()
def regrow(net: EnsembleMLP, fraction: float, *, by: str = "random", scores: Sequence[torch.Tensor] | None = None,
           init_std: float = 0.03, purpose: str = "regrow") -> list[torch.Tensor]:
    """Reactivate ``floor(fraction · n_regrowable)`` pruned, non-scar sites per layer and member.

    ``by="random"`` picks sites uniformly; ``by="gradient"`` picks the largest ``scores``
    (see :func:`accumulate_gradient`). New weights are drawn from N(0, init_std²). Scars never regrow.
    Returns the regrown sites per layer.
    """
    check_fraction("fraction", fraction)
    check_choice("by", by, ("random", "gradient"))
    check_positive("init_std", init_std, allow_zero=True)
    if by == "gradient" and scores is None:
        raise ValueError("regrow(by='gradient') needs scores from accumulate_gradient()")
    gens = [generator(s, purpose, "sites-and-init") for s in net.seeds]
    grown = []
    for k, w in enumerate(net.weights):
        candidates = regrowable(net, k)
        n_cand = candidates.flatten(1).sum(1)
        if by == "gradient":
            key = scores[k].to(w)
        else:
            key = torch.stack([torch.rand(w.shape[1:], generator=g, device=w.device) for g in gens])
        # highest key first among candidates == lowest negated key
        score = torch.where(candidates, -key, torch.full_like(w, math.inf))
        chosen = _select_lowest(score, _count(fraction, n_cand)) & candidates
        init = torch.stack([torch.randn(w.shape[1:], generator=g, device=w.device) for g in gens]) * init_std
        w.copy_(torch.where(chosen, init.to(w), w))
        net.active(k).logical_or_(chosen)
        grown.append(chosen)
    net.apply_masks()
    return grown


def nonzero_parameters(net: EnsembleMLP) -> torch.Tensor:
    """Per member: non-zero entries of all weights and biases."""
    with torch.no_grad():
        return sum((w != 0).flatten(1).sum(1) for w in list(net.weights) + list(net.biases))


def nonzero_weights(net: EnsembleMLP) -> torch.Tensor:
    with torch.no_grad():
        return sum((w != 0).flatten(1).sum(1) for w in net.weights)


def sparsity(net: EnsembleMLP, over: str = "weights") -> torch.Tensor:
    """Per member, the fraction of zero entries: ``over="weights"`` (weight matrices only) or ``"all"`` (biases too).

    Chapters 1–3A print the all-parameter figure (94.7 %), chapters 3B onward the weights-only one (95.0 %).
    """
    check_choice("over", over, ("weights", "all"))
    if over == "weights":
        return 1 - nonzero_weights(net).double() / net.n_weights
    return 1 - nonzero_parameters(net).double() / net.n_parameters
