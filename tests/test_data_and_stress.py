import pytest
import torch

from fragility_core.science.data import CENTRES, BlobTask, TaskSpec, make_blobs
from fragility_core.models.mlp import EnsembleMLP
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
    std, noisy = evaluate(trained, small_task, STANDARD), evaluate(trained, small_task, internal(0.0))
    assert torch.equal(std, noisy)  # no noise: identical
    assert (evaluate(trained, small_task, StressCondition("input σ=3.0", input_sigma=3.0)) < std).all()


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
