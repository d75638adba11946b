"""Scars (chapter 8): early adversity at the drawn rate, relapse damage on the smallest weights, permanence."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.connectivity import accumulate_gradient, prune_magnitude, regrow
from fragility_core.science.data import BlobTask, TaskSpec
from fragility_core.science.kindling import Kindling, episode, maintain, trigger_accuracy, trigger_bias
from fragility_core.science.mood_stabiliser import decayed_protection
from fragility_core.science.scars import (EarlyAdversity, early_adversity, scar_count, scar_percent, scar_smallest,
                                          severity)
from fragility_core.science.training import TrainSpec
from fragility_core.science.treatments import SSRI, Ketamine, Neurosteroid, treat

SIZES = (2, 64, 64, 32, 4)
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def task():
    return BlobTask.generate(TaskSpec(n_train=512, n_standard=256, n_clean=128))


def pruned(seeds=SEEDS) -> EnsembleMLP:
    net = EnsembleMLP(seeds, sizes=SIZES)
    prune_magnitude(net, 0.95)
    return net


def scarred(adversity=EarlyAdversity()) -> tuple[EnsembleMLP, torch.Tensor]:
    net = pruned()
    return net, early_adversity(net, adversity)


def test_early_scars_cover_all_positions_at_the_drawn_rate():
    net, rates = scarred()
    assert ((rates >= 0) & (rates < 0.06)).all() and len(set(rates.tolist())) == len(SEEDS)
    before = pruned()
    hit_pruned = 0
    for k, w in enumerate(net.weights):
        n = w[0].numel()
        counts = net.scar(k).flatten(1).sum(1)
        assert counts.tolist() == [math.floor(float(r) * n) for r in rates]
        assert not (net.scar(k) & net.active(k)).any()          # a scar is inactive ...
        assert (w[net.scar(k)] == 0).all()                         # ... and exactly zero
        hit_pruned += int((net.scar(k) & ~before.active(k)).sum())
    assert hit_pruned > 0    # positions are drawn among all weights: most land on already pruned sites
    expected = sum(math.floor(float(rates[0]) * w[0].numel()) for w in net.weights) / net.n_weights
    assert float(scar_percent(net)[0]) == pytest.approx(100 * expected)


def test_survivor_reading_scars_only_surviving_weights():
    before = pruned()
    net, rates = scarred(EarlyAdversity(over="survivors"))
    for k in range(net.n_layers):
        n_active = before.active(k).flatten(1).sum(1)
        assert net.scar(k).flatten(1).sum(1).tolist() == [math.floor(float(r) * int(n)) for r, n in
                                                           zip(rates, n_active)]
        assert not (net.scar(k) & ~before.active(k)).any()


def test_early_adversity_is_the_same_for_a_seed_whatever_its_neighbours():
    a, _ = scarred()
    alone = pruned(seeds=(1,))
    early_adversity(alone)
    for k in range(a.n_layers):
        assert torch.equal(a.scar(k)[1], alone.scar(k)[0])


@pytest.mark.parametrize("treatment", [Ketamine(fraction=1.0, finetune=TrainSpec(epochs=1, lr=5e-3)),
                                       SSRI(training=TrainSpec(epochs=1, lr=5e-3)),
                                       Neurosteroid(training=TrainSpec(epochs=1, lr=5e-3))])
def test_scars_survive_every_treatment(treatment, task):
    net, _ = scarred()
    scars = [net.scar(k).clone() for k in range(net.n_layers)]
    treat(net, treatment, task.train, progress=False)
    for k, w in enumerate(net.weights):
        assert torch.equal(net.scar(k), scars[k])
        assert not (net.active(k) & scars[k]).any()
        assert (w[scars[k]] == 0).all()
    if isinstance(treatment, Ketamine):   # regrowing every regrowable site still leaves exactly the scars empty
        for k in range(net.n_layers):
            assert torch.equal(~net.active(k), scars[k])


def test_random_and_gradient_regrowth_never_pick_a_scar(task):
    net, _ = scarred()
    scars = [net.scar(k).clone() for k in range(net.n_layers)]
    scores = accumulate_gradient(net, task.train.x, task.train.y, batches=2)
    scores = [s + 1e6 * m for s, m in zip(scores, scars)]   # scars scored highest: still never chosen
    for grown in (regrow(net, 0.5, by="gradient", scores=scores), regrow(net, 1.0, by="random")):
        assert not any((g & s).any() for g, s in zip(grown, scars))


def test_relapse_scars_exactly_the_floor_of_the_fraction_of_the_smallest_active_weights():
    net, _ = scarred()
    sev = [2.0, 1.036, 0.0]
    fractions = [0.05 * s for s in sev]
    before = [(w.detach().clone(), net.active(k).clone(), net.scar(k).clone()) for k, w in enumerate(net.weights)]
    sites = scar_smallest(net, fractions)
    for k, (w, active, scar) in enumerate(before):
        for m, f in enumerate(fractions):
            n_active = int(active[m].sum())
            assert int(sites[k][m].sum()) == math.floor(Fraction(f) * n_active) == scar_count(f, n_active)
            assert not (sites[k][m] & ~active[m]).any()                   # only active weights are scarred
            if sites[k][m].any():                                           # ... and the smallest of them
                kept = active[m] & ~sites[k][m]
                assert w[m][sites[k][m]].abs().max() <= w[m][kept].abs().min()
            assert torch.equal(net.scar(k)[m], scar[m] | sites[k][m])      # old scars stay
    assert not any(s[2].any() for s in sites)                              # fraction 0: untouched


def test_scar_count_has_no_float_rounding_at_the_floor():
    assert scar_count(0.05, 40) == 2 and scar_count(0.1, 30) == 3 and scar_count(0.05 * 2.0, 100) == 10
    assert scar_count(0.0, 1000) == 0


def test_severity_formula_and_clipping():
    g = torch.tensor([1.0, 1.25, 1.6, 0.85, 0.85, 1.0])
    act = torch.tensor([0.1, 0.646, 0.379, 0.193, -0.5, 0.05])
    s = severity(g, act)
    assert s[0] == pytest.approx(1.0)
    assert s[1] == 2.0 and s[2] == 2.0                       # 2.342 and 2.158, clipped
    assert s[3] == pytest.approx(0.85 + 2 * 0.093)           # the neurosteroid-like arm, ≈ 1.04
    assert s[4] == 0.5                                       # clipped below
    assert s[5] == pytest.approx(0.9)
    assert severity(g, act, floor=0.0)[5] == pytest.approx(1.0)   # chapter 10's max(act − 0.1, 0)


def test_decay_after_fifty_exponential_steps():
    assert [round(decayed_protection(r, 50), 3) for r in (0.002, 0.008, 0.015)] == [0.905, 0.669, 0.470]


def test_trigger_bias_schedule():
    assert [trigger_bias(Kindling(), c) for c in range(6)] == [1.5, 1.3, 1.1, 0.9, 0.7, 0.5]


def test_trigger_accuracy_repeats_for_one_purpose_and_differs_for_another(task):
    net = EnsembleMLP(SEEDS, sizes=SIZES)
    a = trigger_accuracy(net, task, 1.0, batches=5, batch_size=32, purpose="x")
    assert torch.equal(a, trigger_accuracy(net, task, 1.0, batches=5, batch_size=32, purpose="x"))
    assert not torch.equal(a, trigger_accuracy(net, task, 1.0, batches=5, batch_size=32, purpose="y"))


def test_an_episode_scars_only_relapsed_members_and_closure_repeats_the_trigger(task):
    net, _ = scarred()
    k = Kindling(trigger_batches=4, batch_size=32, relapse_threshold=101.0)   # every member relapses
    log = episode(net, task, k, cycle=0)
    assert (log["relapsed"] == 1).all() and (log["new scars"] > 0).all()
    assert torch.equal(log["severity"], severity(net.gain.double(), log["activation"]))
    calm, _ = scarred()
    log = episode(calm, task, Kindling(trigger_batches=4, batch_size=32, relapse_threshold=-1.0), cycle=0)
    assert (log["new scars"] == 0).all() and torch.equal(log["closure accuracy"], log["trigger accuracy"])


def test_maintenance_regrows_only_the_chosen_members_and_never_a_scar(task):
    net, _ = scarred()
    before = [net.active(k).clone() for k in range(net.n_layers)]
    k = Kindling(maintenance=TrainSpec(epochs=1, lr=1e-3), gradient_batches=2)
    out = maintain(net, task, k, cycle=0, regrowing=[1], progress=False)
    assert out.seeds == net.seeds
    for layer in range(out.n_layers):
        grown = out.active(layer) & ~before[layer]
        assert not grown[[0, 2]].any() and grown[1].any()
        assert not (out.active(layer) & out.scar(layer)).any()
        assert (out.weights[layer][~out.active(layer)] == 0).all()   # masks hold after the optimiser's steps
