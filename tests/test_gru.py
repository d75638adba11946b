"""Chapter 10's recurrent engine (EnsembleGRU): sizes, init, training against the straightforward nn.GRUCell
loop, pruning, masks and scars, member independence, and the hand-written backward against autograd.

Small sizes (hidden 32, 5 steps, 256 training samples) except where the published size is the point.
"""
import pytest
import torch
from torch import nn

from fragility_core.models.gru import EnsembleGRU
from fragility_core.models.mlp import InternalNoise
from fragility_core.models.reference import gru_logits, reference_gru, train_reference_gru
from fragility_core.science.connectivity import (accumulate_gradient, mark_scars, prune_magnitude, regrow,
                                                 regrowable)
from fragility_core.science.data import BlobTask, TaskSpec
from fragility_core.science.training import TrainSpec, train

H, T = 32, 5  # small sizes for everything that trains


@pytest.fixture(scope="module")
def tiny_task() -> BlobTask:
    return BlobTask.generate(TaskSpec(n_train=256, n_standard=128, n_clean=64))


def nn_weights(cell: nn.GRUCell, readout: nn.Linear) -> list[torch.Tensor]:
    """The reference's weight tensors in the engine's order (nn layout [out, in])."""
    return [cell.weight_ih, cell.weight_hh, readout.weight]


def nn_biases(cell: nn.GRUCell, readout: nn.Linear) -> list[torch.Tensor]:
    return [cell.bias_ih, cell.bias_hh, readout.bias]


# --- (a) sizes -----------------------------------------------------------------------------------
def test_published_size_has_the_volumes_parameter_count():
    net = EnsembleGRU([0])
    assert net.n_parameters == 448_516
    assert net.n_weights == 446_208  # W_ih 2,304 + W_hh 442,368 + read-out 1,536: everything of rank >= 2
    assert net.n_weights == sum(w[0].numel() for w in net.weights if w[0].dim() >= 2)
    cell, readout = reference_gru(0)
    assert sum(p.numel() for p in [*cell.parameters(), *readout.parameters()]) == 448_516


# --- (b) initialisation --------------------------------------------------------------------------
def test_members_are_initialised_as_grucell_and_linear_after_manual_seed():
    net = EnsembleGRU([7, 8])  # the published size: the init bound depends on it
    for m, seed in enumerate((7, 8)):
        cell, readout = reference_gru(seed)
        for w, ref in zip(net.weights, nn_weights(cell, readout)):
            assert torch.equal(w[m], ref.detach().T)
        for b, ref in zip(net.biases, nn_biases(cell, readout)):
            assert torch.equal(b[m, 0], ref.detach())
    assert not torch.equal(net.weights[1][0], net.weights[1][1])


# --- (c) the reference loop ----------------------------------------------------------------------
def test_forward_matches_the_reference_cell(tiny_task):
    net = EnsembleGRU([3, 4], hidden=H, steps=T)
    prune_magnitude(net, 0.9)
    x = tiny_task.standard.x
    with torch.no_grad():
        logits = net(x.expand(2, -1, -1))
        for m, seed in enumerate((3, 4)):
            cell, readout = reference_gru(seed, H)
            for w, mask in zip(nn_weights(cell, readout), (net.active(k)[m].T for k in range(3))):
                w.mul_(mask)
            torch.testing.assert_close(logits[m], gru_logits(cell, readout, x, T), rtol=1e-5, atol=1e-6)
            net.gain.fill_(1.3)
            torch.testing.assert_close(net(x.expand(2, -1, -1))[m], gru_logits(cell, readout, x, T, gain=1.3),
                                       rtol=1e-5, atol=1e-6)
            net.gain.fill_(1.0)


def test_member_matches_the_reference_loop(tiny_task):
    """Speed never buys a different result: an engine member trains as nn.GRUCell + nn.Linear + Adam alone."""
    x, y = tiny_task.train.x, tiny_task.train.y
    net = EnsembleGRU([3, 4], hidden=H, steps=T)
    prune_magnitude(net, 0.9)
    masks = [net.active(k)[1].T.clone() for k in range(3)]
    train(net, x, y, TrainSpec(epochs=2, lr=1e-3), purpose="ref", progress=False)
    cell, readout = reference_gru(4, H)
    with torch.no_grad():
        for w, mask in zip(nn_weights(cell, readout), masks):
            w.mul_(mask)
    before = [w.detach().clone() for w in nn_weights(cell, readout)]
    train_reference_gru(cell, readout, x, y, seed=4, epochs=2, lr=1e-3, purpose="ref", masks=masks, steps=T)
    for k, (w, ref) in enumerate(zip(nn_weights(cell, readout), before)):
        assert not torch.equal(w.detach(), ref)  # it trained
        assert bool((w[~masks[k]] == 0).all())
        torch.testing.assert_close(net.weights[k][1], w.detach().T, rtol=1e-4, atol=1e-5)
    for k, b in enumerate(nn_biases(cell, readout)):
        torch.testing.assert_close(net.biases[k][1, 0], b.detach(), rtol=1e-4, atol=1e-5)


# --- (d) pruning -----------------------------------------------------------------------------------
def test_pruning_keeps_the_largest_five_percent_of_every_tensor_at_the_published_size():
    net = EnsembleGRU([0])
    biases = [b.detach().clone() for b in net.biases]
    dense = [w.detach().clone() for w in net.weights]
    prune_magnitude(net, 0.95)
    for k, (n, kept) in enumerate(((2_304, 116), (442_368, 22_119), (1_536, 77))):
        active, w = net.active(k)[0], net.weights[k][0]
        assert active.numel() == n and int(active.sum()) == kept == n - (95 * n) // 100
        assert bool((w[~active] == 0).all()) and torch.equal(w[active], dense[k][0][active])
        assert dense[k][0][active].abs().min() >= dense[k][0][~active].abs().max()  # by magnitude, per tensor
    for b, before in zip(net.biases, biases):
        assert torch.equal(b, before)


# --- (e) masks and scars -------------------------------------------------------------------------
def test_masks_hold_after_every_optimiser_step(tiny_task, monkeypatch):
    net = EnsembleGRU([1, 2], hidden=H, steps=T)
    prune_magnitude(net, 0.95)
    active = [net.active(k).clone() for k in range(3)]
    forward = EnsembleGRU.forward
    calls = []

    def checked(self, *a, **k):  # every forward after the first follows an optimiser step
        for i, w in enumerate(self.weights):
            assert bool((w[~self.active(i)] == 0).all())
        calls.append(1)
        return forward(self, *a, **k)

    monkeypatch.setattr(EnsembleGRU, "forward", checked)
    train(net, tiny_task.train.x, tiny_task.train.y, TrainSpec(2, 5e-3), purpose="t", progress=False)
    assert len(calls) == 2 * 2  # 256 samples / 128 = 2 steps per epoch
    for k, w in enumerate(net.weights):
        assert torch.equal(net.active(k), active[k])
        assert bool((w[~active[k]] == 0).all()) and bool((w[active[k]] != 0).all())


@pytest.mark.parametrize("by", ["random", "gradient"])
def test_scars_never_regrow(tiny_task, by):
    net = EnsembleGRU([1, 2], hidden=H, steps=T)
    prune_magnitude(net, 0.9)
    g = torch.Generator().manual_seed(0)
    sites = [torch.rand(w.shape, generator=g) < 0.2 for w in net.weights]  # on pruned and on surviving sites
    mark_scars(net, sites)
    for k, w in enumerate(net.weights):
        assert bool((net.scar(k) & net.active(k)).sum() == 0) and bool((w[net.scar(k)] == 0).all())
        assert bool((sites[k] & net.active(k)).sum() == 0)
    scores = accumulate_gradient(net, tiny_task.train.x, tiny_task.train.y, batches=2) if by == "gradient" else None
    if scores is not None:  # the gradient is defined on scar sites too: it is what would pick them
        assert all(bool((s[net.scar(k)] > 0).any()) for k, s in enumerate(scores))
    regrow(net, 1.0, by=by, scores=scores)
    for k, w in enumerate(net.weights):
        scar = net.scar(k)
        assert torch.equal(scar, sites[k])
        assert not bool((net.active(k) & scar).any())
        assert bool((w[scar] == 0).all())
        assert torch.equal(net.active(k), ~scar)  # everything else did regrow
        assert not bool(regrowable(net, k).any())
    train(net, tiny_task.train.x, tiny_task.train.y, TrainSpec(1, 1e-3), purpose="after", progress=False)
    for k, w in enumerate(net.weights):
        assert bool((w[net.scar(k)] == 0).all())


# --- (f) member independence ---------------------------------------------------------------------
def test_member_trains_as_the_same_seed_alone(tiny_task):
    """Not bit for bit: fused Adam (CPU) rounds the last ``numel % vector width`` entries of a tensor in a scalar
    tail, so the 4-entry output bias of seed 6 is updated in the vector body in [5, 6] and in the tail alone (a
    4.7e-10 difference here); at the published size the single-member backward product [128, 1152] x [1152, 384]
    is split along its sum over threads, a batch of members is not."""
    x, y = tiny_task.train.x, tiny_task.train.y
    group = EnsembleGRU([5, 6], hidden=H, steps=T)
    alone = EnsembleGRU([6], hidden=H, steps=T)
    for net in (group, alone):
        prune_magnitude(net, 0.5)
        train(net, x, y, TrainSpec(2, 1e-3), purpose="p", progress=False)
    for wg, wa in zip([*group.weights, *group.biases], [*alone.weights, *alone.biases]):
        torch.testing.assert_close(wg[1], wa[0], rtol=1e-4, atol=1e-5)
    for k in range(3):
        assert torch.equal(group.active(k)[1], alone.active(k)[0])


# --- (g) the hand-written backward against autograd ----------------------------------------------
def autograd_member(net: EnsembleGRU, m: int, x: torch.Tensor, y: torch.Tensor, noise_seed: int | None,
                    sigma: float, mean: float, site: str) -> list[torch.Tensor]:
    """Member ``m``'s loss gradient from a float64 nn.GRUCell loop of the documented math, by autograd:
    u = g'·x, h_t = (φ(GRUCell(u + ε_in, h)) + ε_hid)·d − 0.15 p, with g' = g − p·max(g − 1.05, 0) and ε − 0.3 p·mean
    under protection."""
    H = net.hidden_size
    cell = nn.GRUCell(2, H).double()
    readout = nn.Linear(H, 4).double()
    with torch.no_grad():
        for w, src in zip(nn_weights(cell, readout), net.weights):
            w.copy_(src[m].T)
        for b, src in zip(nn_biases(cell, readout), net.biases):
            b.copy_(src[m, 0])
    g, d, p = float(net.gain[m]), float(net.damping[m]), float(net.protection[m])
    phi = torch.tanh if bool(net.use_tanh[m]) else torch.relu
    gen = None if noise_seed is None else torch.Generator().manual_seed(noise_seed)

    def eps(shape):
        return sigma * torch.randn(shape, generator=gen, dtype=torch.float64) + mean - 0.3 * p * mean

    u = (g - p * max(g - 1.05, 0.0)) * x
    h = x.new_zeros(x.shape[0], H)
    for _ in range(net.steps):
        u_t = u + eps(x.shape) if gen is not None and site == "input" else u
        a = phi(cell(u_t, h))
        if gen is not None and site == "hidden":
            a = a + eps(a.shape)
        h = a * d - 0.15 * p
    loss = nn.functional.cross_entropy(readout(h), y)
    return list(torch.autograd.grad(loss, [*nn_weights(cell, readout), *nn_biases(cell, readout)]))


@pytest.mark.parametrize("noise", [None, ("input", 0.0), ("hidden", 0.0), ("input", 0.3), ("hidden", 0.3)],
                         ids=["no-noise", "stress-at-input", "stress-at-hidden", "bias-at-input", "bias-at-hidden"])
def test_hand_written_backward_equals_autograd(noise):
    site = "input" if noise is None else noise[0]
    net = EnsembleGRU([1, 2, 3, 4], hidden=12, steps=6, stress_site=site, biased_site=site).double()
    with torch.no_grad():
        net.gain.copy_(torch.tensor([1.4, 0.8, 1.0, 1.2]))          # member 0 above the stabiliser's cap
        net.damping.copy_(torch.tensor([1.0, 0.85, 1.0, 0.7]))
        net.use_tanh.copy_(torch.tensor([False, True, False, True]))
        net.protection.copy_(torch.tensor([0.6, 0.0, 0.0, 1.0]))
        net.weights[1].mul_(3.0)  # a livelier recurrence than the init's, so every gate matters
    prune_magnitude(net, 0.3)     # gradients are dense: pruned sites have one too
    gx = torch.Generator().manual_seed(5)
    x = (torch.randn(net.n_members, 24, 2, generator=gx) * 2).double()
    y = torch.randint(0, 4, (net.n_members, 24), generator=gx)
    sigma, mean = (0.5, 0.0) if noise is None else (0.5, noise[1])
    seeds = [100 + m for m in range(net.n_members)]
    internal = None if noise is None else InternalNoise(sigma, [torch.Generator().manual_seed(s) for s in seeds], mean)
    logits = net(x, internal)
    loss = nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none")
    loss.view(net.n_members, -1).mean(1).sum().backward()
    for m in range(net.n_members):
        expected = autograd_member(net, m, x[m], y[m], None if noise is None else seeds[m], sigma, mean, site)
        got = [w.grad[m].T for w in net.weights] + [b.grad[m, 0] for b in net.biases]
        for k, (a, b) in enumerate(zip(got, expected)):
            assert b.abs().max() > 0, (m, k)
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=lambda s: f"member {m}, tensor {k}: {s}")
