import torch
from torch import nn

from fragility_core.science.connectivity import prune_magnitude
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.models.reference import reference_mlp, train_reference
from fragility_core.science.training import Ramp, TrainSpec, train


def test_masks_hold_after_every_optimiser_step(small_task, monkeypatch):
    net = EnsembleMLP([1, 2])
    prune_magnitude(net, 0.95)
    forward = EnsembleMLP.forward
    calls = []

    def checked(self, *a, **k):  # every forward after the first follows an optimiser step
        for i, w in enumerate(self.weights):
            assert bool((w[~self.active(i)] == 0).all())
        calls.append(1)
        return forward(self, *a, **k)

    monkeypatch.setattr(EnsembleMLP, "forward", checked)
    train(net, small_task.train.x, small_task.train.y, TrainSpec(2, 5e-3), purpose="t", progress=False)
    assert len(calls) == 2 * 5  # 640 samples / 128 = 5 steps per epoch


def test_member_trains_as_the_same_seed_alone(small_task):
    x, y = small_task.train.x, small_task.train.y
    group = EnsembleMLP([11, 12, 13])
    alone = EnsembleMLP([12])
    for net in (group, alone):
        prune_magnitude(net, 0.5)
        train(net, x, y, TrainSpec(3, 1e-3, noise=Ramp(0.5, 0.0)), purpose="p", progress=False)
    for wg, wa in zip(group.weights, alone.weights):
        torch.testing.assert_close(wg[1], wa[0], rtol=1e-4, atol=1e-5)


def test_member_matches_the_reference_loop(small_task):
    """Speed never buys a different result: the engine equals one nn.Module + Adam per seed."""
    x, y = small_task.train.x, small_task.train.y
    net = EnsembleMLP([21, 22])
    prune_magnitude(net, 0.9)
    masks = [net.active(k)[1].T.clone() for k in range(4)]
    train(net, x, y, TrainSpec(3, 1e-3), purpose="ref", progress=False)
    ref = reference_mlp(22)
    with torch.no_grad():
        for lin, m in zip([l for l in ref if isinstance(l, nn.Linear)], masks):
            lin.weight.mul_(m)
    train_reference(ref, x, y, seed=22, epochs=3, lr=1e-3, purpose="ref", masks=masks)
    for k, lin in enumerate(l for l in ref if isinstance(l, nn.Linear)):
        torch.testing.assert_close(net.weights[k][1], lin.weight.detach().T, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(net.biases[k][1, 0], lin.bias.detach(), rtol=1e-4, atol=1e-5)


def test_same_seed_gives_identical_weights(small_task):
    runs = []
    for _ in range(2):
        net = EnsembleMLP([4])
        train(net, small_task.train.x, small_task.train.y, TrainSpec(2, 1e-3), purpose="d", progress=False)
        runs.append(net)
    for a, b in zip(runs[0].weights, runs[1].weights):
        assert torch.equal(a, b)


def test_training_lowers_the_loss_and_gain_schedule_ends_at_its_end_value(small_task):
    net = EnsembleMLP([9])
    losses = train(net, small_task.train.x, small_task.train.y, TrainSpec(4, 1e-3, gain=Ramp(1.0, 1.6)),
                   purpose="g", progress=False)
    assert losses[-1, 0] < losses[0, 0]
    assert abs(float(net.gain[0]) - 1.6) < 1e-6
    assert Ramp(0.5, 0.0).at(0, 100) == 0.5 and Ramp(0.5, 0.0).at(99, 100) == 0.0


def test_thread_count_does_not_change_the_numbers(small_task):
    """Same seed, same device, any number of intra-op threads -> identical weights (committed results hold on
    machines with more or fewer cores)."""
    before = torch.get_num_threads()
    runs = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            net = EnsembleMLP([5, 6, 7])
            prune_magnitude(net, 0.95)
            train(net, small_task.train.x, small_task.train.y, TrainSpec(2, 1e-3, noise=Ramp(0.3, 0.0)),
                  purpose="threads", progress=False)
            runs.append(net)
    finally:
        torch.set_num_threads(before)
    for a, b in zip(runs[0].weights, runs[1].weights):
        assert torch.equal(a, b)
