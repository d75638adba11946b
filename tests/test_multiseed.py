"""The machinery of chapters 5–7: gain, the mood stabiliser, its decay, withdrawal and the chronic course."""
import pytest
import torch

from fragility_core.science.connectivity import prune_magnitude
from fragility_core.science.data import BlobTask, TaskSpec, seed_task_spec
from fragility_core.science.longitudinal import ChronicStress, chronic_course, relapse_summary
from fragility_core.science.mood_stabiliser import decayed_protection, withdraw
from fragility_core.models.mlp import MS_GAIN_CAP, MS_INHIBITION, MS_MEAN_DAMPING, EnsembleMLP, InternalNoise
from fragility_core.rng import generator
from fragility_core.science.stress import BIASED, evaluate, mean_activation
from fragility_core.science.training import TrainSpec, train


def hidden(net, x, noise=None):
    return net(x.expand(net.n_members, -1, -1), noise, return_hidden=True)[1]


def test_mood_stabiliser_caps_gain_and_adds_inhibition(small_task):
    x = small_task.standard.x[:16]
    net = EnsembleMLP([3, 3])
    net.gain.fill_(1.6)
    plain = hidden(net, x)
    net.protection[1] = 1.0
    h = hidden(net, x)
    torch.testing.assert_close(h[0][0], plain[0][0])  # p = 0: untouched
    expected = plain[0][1] / 1.6 * MS_GAIN_CAP - MS_INHIBITION  # gain capped at 1.05, bias subtracted
    torch.testing.assert_close(h[0][1], expected)


def test_mood_stabiliser_damps_the_upward_noise_shift(small_task):
    x = small_task.standard.x[:16]
    net = EnsembleMLP([4])
    net.protection.fill_(1.0)
    shift = lambda: InternalNoise(0.0, [generator(0)], mean=1.0)  # noqa: E731
    clean = hidden(net, x)
    shifted = hidden(net, x, shift())
    torch.testing.assert_close(shifted[0] - clean[0], torch.full_like(clean[0], 1.0 - MS_MEAN_DAMPING))


def test_decay_is_exponential_per_step():
    assert decayed_protection(0.015, 50) == pytest.approx((1 - 0.015) ** 50)
    assert decayed_protection(0.002, 50) > decayed_protection(0.008, 50) > decayed_protection(0.015, 50)
    assert decayed_protection(0.5, 0) == 1.0
    with pytest.raises(ValueError, match="rate"):
        decayed_protection(1.5, 10)


def test_withdrawal_resets_the_drug_keeps_weights_and_sets_protection():
    net = EnsembleMLP([1, 2])
    net.gain.fill_(1.25)
    net.damping.fill_(0.7)
    net.use_tanh.fill_(True)
    off = withdraw(net, 0.47)
    assert bool((off.gain == 1).all() and (off.damping == 1).all() and not off.use_tanh.any())
    assert torch.allclose(off.protection, torch.tensor(0.47))
    assert all(torch.equal(a, b) for a, b in zip(off.weights, net.weights))
    assert float(net.gain[0]) == 1.25  # the original is untouched


@torch.no_grad()
def test_mean_activation_is_the_mean_absolute_hidden_activation_over_all_units(small_task):
    net = EnsembleMLP([3, 4, 5])
    net.gain[0] = 1.3
    net.protection[1] = 1.0   # inhibition pushes many activations below zero: |h| matters
    net.damping[2] = 0.7
    net.use_tanh[2] = True
    for split in ("standard", "clean"):
        x = small_task.split(split).x
        by_hand = [torch.cat([h[m].abs().flatten() for h in hidden(net, x)]).double().mean()
                   for m in range(net.n_members)]  # every unit of every layer and sample counts once
        assert bool((hidden(net, x)[0][1] < 0).any())
        torch.testing.assert_close(mean_activation(net, small_task, split), torch.stack(by_hand), rtol=1e-6, atol=0)


@torch.no_grad()
def test_biased_noise_shifts_activations_up_by_one_and_the_stabiliser_damps_it_by_0_3_p(small_task):
    assert BIASED.internal_mean == 1.0 and BIASED.internal_sigma == 1.0
    x = small_task.standard.x[:64]
    net = EnsembleMLP([4, 4, 4])  # three identical members at protection 0, 0.5 and 1
    net.protection.copy_(torch.tensor([0.0, 0.5, 1.0]))
    same_draws = lambda: [generator(0, "b") for _ in range(3)]  # noqa: E731  one stream, repeated per member
    biased = lambda: InternalNoise(BIASED.internal_sigma, same_draws(), mean=BIASED.internal_mean)  # noqa: E731
    clean, noisy = hidden(net, x)[0], hidden(net, x, biased())[0]  # first hidden layer: no upstream noise
    shift = noisy - clean
    # N(+1, 1): the unprotected member's activations move up by 1 on average, with spread 1
    assert float(shift[0].mean()) == pytest.approx(1.0, abs=0.02)
    assert float(shift[0].std()) == pytest.approx(1.0, abs=0.02)
    # the same draws at protection p: exactly MS_MEAN_DAMPING · p less, sample by sample
    for m, p in enumerate((0.0, 0.5, 1.0)):
        torch.testing.assert_close(shift[m], shift[0] - MS_MEAN_DAMPING * p)
    assert float(shift[2].mean()) == pytest.approx(1.0 - MS_MEAN_DAMPING, abs=0.02)
    # unbiased noise is not damped: the stabiliser acts on the mean shift only
    unbiased = hidden(net, x, InternalNoise(1.0, same_draws()))[0] - clean
    torch.testing.assert_close(unbiased[2], unbiased[0])
    torch.testing.assert_close(shift[0] - unbiased[0], torch.ones_like(shift[0]))


def test_chronic_course_prunes_10_percent_of_survivors_each_cycle(small_task):
    net = EnsembleMLP([1, 2])
    prune_magnitude(net, 0.5)
    counts = [[int(net.active(k)[m].sum()) for k in range(4)] for m in range(2)]
    course = chronic_course(net, small_task, TrainSpec(1, 1e-4), ChronicStress(cycles=3), purpose="c",
                            progress=False)
    assert sorted(course.cycle.unique()) == [0, 1, 2, 3] and len(course) == 4 * 2
    for m in range(2):
        n = counts[m]
        for _ in range(3):
            n = [c - c // 10 for c in n]
        assert [int(net.active(k)[m].sum()) for k in range(4)] == n
    rel = relapse_summary(course, threshold=101.0)  # everything is below 101 %: relapse at cycle 0
    assert rel["relapsed"].all() and (rel["first_relapse_cycle"] == 0).all()


def test_per_seed_data_trains_each_member_on_its_own_set():
    spec = TaskSpec(n_train=256, n_standard=128, n_clean=64)
    task = BlobTask.per_member([seed_task_spec(s, spec) for s in (0, 1)])
    assert task.train.x.shape == (2, 256, 2) and not torch.equal(task.train.x[0], task.train.x[1])
    both = EnsembleMLP([0, 1])
    train(both, task.train.x, task.train.y, TrainSpec(2, 1e-3), purpose="d", progress=False)
    alone_task = BlobTask.generate(seed_task_spec(1, spec))
    alone = EnsembleMLP([1])
    train(alone, alone_task.train.x, alone_task.train.y, TrainSpec(2, 1e-3), purpose="d", progress=False)
    torch.testing.assert_close(both.weights[1][1], alone.weights[1][0], rtol=1e-4, atol=1e-5)
    assert float(evaluate(both, task, BIASED)[1]) == pytest.approx(float(evaluate(alone, alone_task, BIASED)[0]))
