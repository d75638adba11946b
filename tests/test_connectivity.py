import pandas as pd
import pytest
import torch

from fragility_core.science.connectivity import (accumulate_gradient, mark_scars, nonzero_parameters, prune_in_scope,
                                         prune_magnitude, regrow, regrowable, sparsity)
from fragility_core.models.mlp import EnsembleMLP

KEPT_AT_95 = [52, 13_108, 6_554, 52]  # 5 % of 1,024 / 262,144 / 131,072 / 1,024 weights, floor rule


def test_95_percent_prune_is_exact_per_layer_and_leaves_21050():
    net = EnsembleMLP([42, 43])
    prune_magnitude(net, 0.95)
    for k, w in enumerate(net.weights):
        assert (w != 0).flatten(1).sum(1).tolist() == [KEPT_AT_95[k]] * 2
        assert net.active(k).flatten(1).sum(1).tolist() == [KEPT_AT_95[k]] * 2
    assert nonzero_parameters(net).tolist() == [21_050, 21_050]
    assert round(100 * float(sparsity(net, "all")[0]), 1) == 94.7
    assert round(100 * float(sparsity(net, "weights")[0]), 1) == 95.0


def test_prune_removes_the_smallest_magnitudes():
    net = EnsembleMLP([1])
    before = [w.detach().clone() for w in net.weights]
    prune_magnitude(net, 0.95)
    for k, w0 in enumerate(before):
        kept = net.active(k)
        assert w0.abs()[~kept].max() <= w0.abs()[kept].min()


def test_relapse_prune_removes_exactly_40_percent_of_survivors():
    net = EnsembleMLP([1])
    prune_magnitude(net, 0.95)
    prune_magnitude(net, 0.4)
    assert [int(net.active(k).sum()) for k in range(4)] == [n - (n * 2) // 5 for n in KEPT_AT_95]


def test_random_regrowth_of_half_gives_208799_active():
    net = EnsembleMLP([42])
    prune_magnitude(net, 0.95)
    pruned_before = [~net.active(k) for k in range(4)]
    grown = regrow(net, 0.5, by="random")
    assert int(nonzero_parameters(net)[0]) == 208_799
    for k, g in enumerate(grown):
        assert int(g.sum()) == int(pruned_before[k].sum()) // 2
        assert bool((g <= pruned_before[k]).all())  # only pruned sites regrow
    new = torch.cat([net.weights[k].detach()[g] for k, g in enumerate(grown)])
    assert abs(float(new.std()) - 0.03) < 0.001 and abs(float(new.mean())) < 0.001


def test_gradient_regrowth_picks_the_largest_scores():
    net = EnsembleMLP([5])
    prune_magnitude(net, 0.9)
    scores = [torch.rand_like(w) for w in net.weights]
    grown = regrow(net, 0.3, by="gradient", scores=scores)
    for k, g in enumerate(grown):
        cand = ~net.active(k) | g  # pruned sites before regrowth
        assert scores[k][g].min() >= scores[k][cand & ~g].max()


def test_accumulated_gradient_is_sum_of_absolute_batch_gradients(small_task):
    net = EnsembleMLP([3])
    prune_magnitude(net, 0.95)
    x, y = small_task.train.x, small_task.train.y
    one = accumulate_gradient(net, x, y, batches=1)
    three = accumulate_gradient(net, x, y, batches=3)
    for a, b in zip(one, three):
        assert bool((b >= a - 1e-7).all())  # a sum of magnitudes never shrinks as batches are added
    pruned_sites = ~net.active(1)
    assert float(three[1][pruned_sites].sum()) > 0  # gradients exist where the weight is zero


def test_scars_never_regrow_even_at_full_regrowth():
    net = EnsembleMLP([1])
    prune_magnitude(net, 0.95)
    scars = [(~net.active(k)) & (torch.rand_like(net.weights[k]) < 0.3) for k in range(4)]
    mark_scars(net, scars)
    regrow(net, 1.0, by="random")
    for k, s in enumerate(scars):
        assert not bool((net.active(k) & s).any())
        assert bool((net.weights[k][s] == 0).all())
        assert not bool(regrowable(net, k).any())  # everything else regrew


def test_regrowth_rejects_bad_input():
    net = EnsembleMLP([1])
    with pytest.raises(ValueError, match="fraction"):
        regrow(net, 1.3)
    with pytest.raises(ValueError, match="by"):
        regrow(net, 0.5, by="ketamine")
    with pytest.raises(ValueError, match="scores"):
        regrow(net, 0.5, by="gradient")
    with pytest.raises(ValueError, match="fraction"):
        prune_magnitude(net, -0.1)


# --- A5's alternative pruning scopes (chapter 2's cliff investigation) -----------------------------------
def test_per_layer_scope_is_exactly_the_developmental_prune():
    a, b = EnsembleMLP([42, 43]), EnsembleMLP([42, 43])
    prune_magnitude(a, 0.95)
    prune_in_scope(b, 0.95, "per layer")
    assert all(torch.equal(a.active(k), b.active(k)) and torch.equal(wa, wb)
               for k, (wa, wb) in enumerate(zip(a.weights, b.weights)))


def test_global_scope_shares_one_threshold_across_all_matrices():
    net = EnsembleMLP([7, 8])
    before = [w.detach().clone() for w in net.weights]
    prune_in_scope(net, 0.95, "global")
    total = sum(w[0].numel() for w in before)
    for m in range(2):
        kept = torch.cat([net.active(k)[m].flatten() for k in range(4)])
        magnitude = torch.cat([w[m].abs().flatten() for w in before])
        assert int(kept.sum()) == total - (total * 19) // 20      # floor(0.95 · all weights) removed
        assert magnitude[~kept].max() <= magnitude[kept].min()     # one threshold, not one per matrix
    per_layer = [int(net.active(k)[0].sum()) for k in range(4)]
    assert per_layer != KEPT_AT_95   # the small input and output matrices keep more than 5 %
    assert all(torch.equal(w == 0, ~net.active(k)) for k, w in enumerate(net.weights))


def test_output_spared_scope_prunes_every_hidden_matrix_and_never_the_output():
    net = EnsembleMLP([3])
    prune_in_scope(net, 0.95, "output spared")
    assert [int(net.active(k).sum()) for k in range(3)] == KEPT_AT_95[:3]
    assert bool(net.active(3).all()) and int((net.weights[3] != 0).sum()) == net.weights[3].numel()
    with pytest.raises(ValueError, match="scope"):
        prune_in_scope(net, 0.95, "per neuron")


def test_scope_sweep_per_layer_equals_the_sweep(small_task):
    from fragility_core.science.sweep import scope_sweep, sparsity_sweep

    net = EnsembleMLP([5])
    levels = (0.5, 0.95)
    plain = sparsity_sweep(net, small_task, levels)
    scoped = scope_sweep(net, small_task, levels, ["per layer", "global"])
    same = scoped[scoped.scope == "per layer"].drop(columns="scope").reset_index(drop=True)
    pd.testing.assert_frame_equal(same[plain.columns], plain)
    assert set(scoped.scope) == {"per layer", "global"}
