from dataclasses import replace

import pytest
import torch

from fragility_core.science.connectivity import prune_magnitude, sparsity
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.relapse import relapse_test
from fragility_core.science.stress import CLEAN, COMBINED, evaluate
from fragility_core.science.training import TrainSpec, train
from fragility_core.science.treatments import SSRI, ChronicKetamine, Ketamine, Neurosteroid, Untreated, drug_off, treat

SHORT = TrainSpec(epochs=1, lr=5e-4)


@pytest.fixture()
def pruned():
    net = EnsembleMLP([1, 2])
    prune_magnitude(net, 0.95)
    return net


def masks(net):
    return [net.active(k).clone() for k in range(net.n_layers)]


def test_ssri_leaves_the_mask_bit_identical_and_trains(pruned, small_task):
    before, w0 = masks(pruned), [w.detach().clone() for w in pruned.weights]
    treat(pruned, SSRI(training=replace(SSRI().training, epochs=2, lr=1e-3)), small_task.train, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, masks(pruned)))
    assert any(not torch.equal(a, b) for a, b in zip(w0, pruned.weights))
    for k, w in enumerate(pruned.weights):
        assert bool((w[~pruned.active(k)] == 0).all())


def test_neurosteroid_switches_modulation_and_drug_off_changes_no_weight(pruned, small_task):
    before = masks(pruned)
    treat(pruned, Neurosteroid(training=SHORT), small_task.train, progress=False)
    assert bool(pruned.use_tanh.all()) and torch.allclose(pruned.damping, torch.tensor(0.7))
    assert all(torch.equal(a, b) for a, b in zip(before, masks(pruned)))
    off = drug_off(pruned)
    for a, b in zip(off.parameters(), pruned.parameters()):
        assert torch.equal(a, b)
    assert not bool(off.use_tanh.any()) and bool((off.damping == 1).all()) and bool((off.gain == 1).all())
    assert bool(pruned.use_tanh.all())  # the original keeps its drug


def test_ketamine_half_regrowth_gives_47_5_percent_weight_sparsity(pruned, small_task):
    treat(pruned, Ketamine(finetune=SHORT, gain=1.25), small_task.train, progress=False)
    assert [round(100 * float(s), 1) for s in sparsity(pruned, "weights")] == [47.5, 47.5]
    assert torch.allclose(pruned.gain, torch.tensor(1.25))


def test_chronic_cycles_regrow_40_percent_of_what_is_still_missing(pruned, small_task):
    missing = [[int((~pruned.active(k)).sum()) // 2 for k in range(4)]]  # per member (2 members)

    def record(cycle, net):
        missing.append([int((~net.active(k)).sum()) // 2 for k in range(4)])

    treat(pruned, ChronicKetamine(cycles=3, finetune=SHORT, gradient_batches=2), small_task.train, progress=False,
          on_cycle_end=record)
    for before, after in zip(missing, missing[1:]):
        assert after == [b - (b * 2) // 5 for b in before]


def test_checkpoint_of_a_long_run_equals_the_short_run(small_task):
    """Consolidation lengths taken as checkpoints of one run are the separate runs exactly."""
    k = Ketamine(finetune=TrainSpec(epochs=3, lr=5e-4), gradient_batches=2)
    snaps = {}
    base = EnsembleMLP([5])
    prune_magnitude(base, 0.95)
    treat(base.clone(), k, small_task.train, progress=False,
          on_epoch_end=lambda e, net: snaps.__setitem__(e, net.clone()))
    short = treat(base.clone(), replace(k, finetune=replace(k.finetune, epochs=2)), small_task.train, progress=False)
    for a, b in zip(snaps[2].weights, short.weights):
        assert torch.equal(a, b)


@pytest.fixture(scope="module")
def fragile(small_task):
    """Trained, then pruned to 80 % without retraining: the relapse prune costs it accuracy."""
    net = EnsembleMLP([1, 2])
    train(net, small_task.train.x, small_task.train.y, TrainSpec(2, 1e-3), purpose="r", progress=False)
    prune_magnitude(net, 0.8)
    return net


def _prune_by_hand(net, fraction_num, fraction_den):
    """A copy with the floor(fraction · n_active) smallest-|w| active weights of every layer and member removed."""
    out = net.clone()
    with torch.no_grad():
        for k, w in enumerate(out.weights):
            for m in range(net.n_members):
                act = out.active(k)[m]
                n_cut = int(act.sum()) * fraction_num // fraction_den
                idx = act.flatten().nonzero().squeeze(1)
                cut = idx[w[m].flatten()[idx].abs().argsort()[:n_cut]]
                act.view(-1)[cut] = False
                w[m].view(-1)[cut] = 0.0
    return out


def test_relapse_prune_removes_40_percent_of_each_layers_survivors_smallest_first(fragile, small_task, monkeypatch):
    import fragility_core.science.relapse as relapse

    seen = []  # the networks relapse_test evaluates: the one it was given, then its pruned copy
    monkeypatch.setattr(relapse, "evaluate", lambda net, *a, **kw: seen.append(net.clone()) or evaluate(net, *a, **kw))
    w0, m0 = [w.detach().clone() for w in fragile.weights], masks(fragile)
    relapse_test(fragile, small_task, 0.4)
    assert all(torch.equal(a, b) for a, b in zip(w0 + m0, list(fragile.weights) + masks(fragile)))  # untouched
    assert len(seen) == 2
    hit = seen[1]
    for k in range(fragile.n_layers):
        for m in range(fragile.n_members):
            before, after = fragile.active(k)[m], hit.active(k)[m]
            removed = before & ~after
            assert not bool((after & ~before).any())  # nothing comes back
            assert int(removed.sum()) == int(before.sum()) * 2 // 5  # floor(0.4 · n_active), per layer and member
            w = fragile.weights[k][m].detach().abs()
            assert float(w[removed].max()) <= float(w[after].min())  # the smallest survivors go first
            assert bool((hit.weights[k][m][removed] == 0).all())
            assert torch.equal(hit.weights[k][m][after], fragile.weights[k][m][after])  # no retraining


def test_relapse_drop_is_before_minus_after_of_an_independent_prune(fragile, small_task):
    df = relapse_test(fragile, small_task, 0.4, arm="x")
    assert list(df.columns) == ["arm", "member", "seed", "before", "after", "drop"]
    assert df["arm"].eq("x").all() and df["seed"].tolist() == [1, 2]
    before = evaluate(fragile, small_task, COMBINED)
    after = evaluate(_prune_by_hand(fragile, 2, 5), small_task, COMBINED)
    assert df["before"].tolist() == before.tolist() and df["after"].tolist() == after.tolist()
    assert df["drop"].tolist() == (before - after).tolist()
    assert (df["drop"] > 5).all()  # a loss is positive (and this net does lose)
    clean = relapse_test(fragile, small_task, 0.4, condition=CLEAN)  # the condition asked for is the one used
    assert clean["before"].tolist() == evaluate(fragile, small_task, CLEAN).tolist()
    assert clean["after"].tolist() == evaluate(_prune_by_hand(fragile, 2, 5), small_task, CLEAN).tolist()


def test_untreated_is_a_no_op_and_unknown_treatments_are_rejected(pruned, small_task):
    w0 = [w.detach().clone() for w in pruned.weights]
    treat(pruned, Untreated(), small_task.train)
    assert all(torch.equal(a, b) for a, b in zip(w0, pruned.weights))
    with pytest.raises(ValueError, match="treatment"):
        treat(pruned, "ketamine", small_task.train)
    with pytest.raises(ValueError, match="fraction"):
        Ketamine(fraction=1.5)
