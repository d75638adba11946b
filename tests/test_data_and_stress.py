import pytest
import torch

from fragility_core.science.data import CENTRES, BlobTask, TaskSpec, make_blobs
from fragility_core.models.mlp import EnsembleMLP, InternalNoise
from fragility_core.rng import generator
from fragility_core.science.stress import BATTERY, COMBINED, INPUT_1, STANDARD, StressCondition, evaluate, internal, \
    stress_battery
from fragility_core.science.training import TrainSpec, train


def test_published_task_sizes_and_clean_set_on_centres():
    task = BlobTask.generate()
    assert (len(task.train), len(task.standard), len(task.clean)) == (12_000, 4_000, 2_000)
    assert torch.equal(task.clean.x, CENTRES[task.clean.y])
    assert abs(float((task.standard.x - CENTRES[task.standard.y]).std()) - 0.8) < 0.02


def test_labels_are_drawn_at_random_not_balanced():
    counts = torch.bincount(BlobTask.generate().clean.y, minlength=4)
    assert counts.sum() == 2_000 and len(set(counts.tolist())) > 1  # balanced would be 500 each


def test_splits_use_their_own_seeds():
    a, b = make_blobs(100, 0.8, 1), make_blobs(100, 0.8, 2)
    assert not torch.equal(a.x, b.x)
    assert torch.equal(make_blobs(100, 0.8, 1).x, a.x)


@pytest.fixture(scope="module")
def trained(small_task):
    net = EnsembleMLP([1, 2])
    train(net, small_task.train.x, small_task.train.y, TrainSpec(5, 1e-3), purpose="s", progress=False)
    return net


def test_input_noise_adds_fresh_noise_to_the_standard_set(small_task, trained):
    std = evaluate(trained, small_task, STANDARD)
    assert (evaluate(trained, small_task, StressCondition("input σ=3.0", input_sigma=3.0)) < std).all()


def _hidden_and_noise(net, x, noise):
    """Hidden activations under ``noise`` and, per layer, what the noise added there.

    Layer k's noise-free activation is recomputed by hand from the *noisy* layer k-1 (so the noise of the
    earlier layers is not counted twice): the difference is exactly what layer k added.
    """
    xs = x.expand(net.n_members, -1, -1)
    _, hidden = net(xs, noise, return_hidden=True)
    added, h = [], xs
    for k, hk in enumerate(hidden):
        clean = torch.relu(torch.baddbmm(net.biases[k], h, net.weights[k])) * net.gain.view(-1, 1, 1)
        added.append(hk - clean)
        h = hk
    return hidden, added


@torch.no_grad()
@pytest.mark.parametrize("before_modulation", [True, False])
def test_internal_noise_adds_sigma_scaled_noise_after_every_hidden_activation(small_task, before_modulation):
    net = EnsembleMLP([3, 4], noise_before_modulation=before_modulation)
    net.gain.copy_(torch.tensor([1.0, 2.0]))  # member 1 doubles its activations
    sigma, x = 0.7, small_task.standard.x[:64]
    _, added = _hidden_and_noise(net, x, InternalNoise(sigma, [generator(0), generator(1)]))
    assert len(added) == net.n_layers - 1
    for a in added:  # 64 samples x 512 (or 256) units per member and layer
        for m, g in enumerate((1.0, 2.0)):
            # noise before modulation is scaled by the gain with the activation; after it, it is not
            expected = sigma * (g if before_modulation else 1.0)
            assert abs(float(a[m].std()) / expected - 1) < 0.03
            assert abs(float(a[m].mean())) < 0.03 * expected
        # one independent stream per member: the two members' noise is uncorrelated
        assert abs(float(torch.corrcoef(torch.stack([a[0].flatten(), a[1].flatten()]))[0, 1])) < 0.03


@torch.no_grad()
def test_internal_noise_streams_are_per_member_and_reproducible(small_task):
    net, x = EnsembleMLP([3, 4]), small_task.standard.x[:64]
    noise = lambda *seeds: InternalNoise(0.5, [generator(s, "t") for s in seeds])  # noqa: E731
    h1, _ = _hidden_and_noise(net, x, noise(3, 4))
    h2, _ = _hidden_and_noise(net, x, noise(3, 4))
    assert all(torch.equal(a, b) for a, b in zip(h1, h2))  # same seeds: the same draws
    alone, _ = _hidden_and_noise(net.select([1]), x, noise(4))
    assert all(torch.equal(a[1], b[0]) for a, b in zip(h1, alone))  # a member's noise ignores its neighbours
    other, _ = _hidden_and_noise(net, x, noise(3, 5))
    assert torch.equal(other[0][0], h1[0][0]) and not torch.equal(other[0][1], h1[0][1])
    with pytest.raises(ValueError, match="generators"):
        net(x.expand(2, -1, -1), noise(3))


def test_accuracy_falls_monotonically_as_internal_noise_grows(small_task, trained):
    levels = (0.0, 5.0, 10.0, 30.0)
    acc = torch.stack([evaluate(trained, small_task, internal(s)) for s in levels])  # [level, member]
    assert (acc[0] == evaluate(trained, small_task, STANDARD)).all() and (acc[0] > 95).all()
    assert (acc[1:] < acc[:-1]).all()
    assert (acc[-1] < 50).all()  # towards chance (25 %)
    assert torch.equal(evaluate(trained, small_task, internal(5.0)), acc[1])  # the same draws every time


def test_evaluation_is_repeatable_and_members_are_independent(small_task, trained):
    a = evaluate(trained, small_task, COMBINED)
    assert torch.equal(a, evaluate(trained, small_task, COMBINED))
    alone = evaluate(trained.select([1]), small_task, COMBINED)
    assert alone[0] == a[1]


def test_battery_is_tidy_and_complete(small_task, trained):
    df = stress_battery(trained, small_task, stage="x")
    expected = [c.name for c in BATTERY] + ["sparsity (all parameters)", "sparsity (weights only)",
                                           "non-zero parameters"]
    assert list(df.columns) == ["stage", "member", "seed", "metric", "value", "unit"]
    assert sorted(df.metric.unique()) == sorted(expected)
    assert len(df) == 2 * len(expected)
    assert {c.name for c in BATTERY} >= {"clean", "standard", INPUT_1.name, "input σ=2.0", "internal σ=0.3",
                                         "internal σ=0.5", "internal σ=1.0", "internal σ=1.5", "internal σ=2.5",
                                         "combined"}


def test_bad_conditions_are_rejected():
    with pytest.raises(ValueError, match="split"):
        StressCondition("x", split="train")
    with pytest.raises(ValueError, match="input_sigma"):
        StressCondition("x", input_sigma=-1)
    with pytest.raises(ValueError, match="n must be"):
        make_blobs(0, 0.8, 1)


def test_cliff_is_the_half_way_crossing_to_chance():
    import pandas as pd

    from fragility_core.science.sweep import locate_cliff
    levels = [0, 50, 90, 92, 94, 99]
    acc = [100, 100, 95, 75, 40, 26]  # half-way to chance = 62.5, crossed between 92 (75) and 94 (40)
    df = pd.DataFrame({"prune_level": levels, "metric": "m", "value": acc})
    assert abs(locate_cliff(df, "m") - (92 + 2 * (75 - 62.5) / 35)) < 1e-9
    assert locate_cliff(df.assign(value=100), "m") != locate_cliff(df.assign(value=100), "m")  # never: NaN
