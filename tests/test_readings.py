"""The alternative readings the pages compare: A10 (noise after modulation) and A11 (drug off keeps tanh)."""
import pytest
import torch

from fragility_core.models.mlp import EnsembleMLP, InternalNoise
from fragility_core.science.readings import READINGS, drug_off_keeping_tanh, noise_after_modulation
from fragility_core.science.treatments import drug_off


def hidden_with_noise(net, z, sigma=0.8, seed=3):
    gens = [torch.Generator().manual_seed(seed + m) for m in range(net.n_members)]
    return net.hidden(0, z, InternalNoise(sigma, gens))


def test_noise_after_modulation_is_a_times_scale_plus_eps_and_leaves_the_original_alone():
    net = EnsembleMLP([1, 2])
    net.damping.fill_(0.7)
    net.gain.fill_(1.2)
    z = torch.randn(2, 5, net.sizes[1], generator=torch.Generator().manual_seed(0))
    a, scale = torch.relu(z), 0.7 * 1.2
    eps = hidden_with_noise(net, z) / scale - a          # the chosen order: (a + ε) · g · d
    alt = noise_after_modulation(net)
    assert torch.allclose(hidden_with_noise(alt, z), a * scale + eps, atol=1e-5)   # a · g · d + ε
    assert net.noise_before_modulation and not alt.noise_before_modulation
    assert all(torch.equal(w, v) for w, v in zip(net.weights, alt.weights))


def test_the_order_of_noise_is_irrelevant_without_modulation():
    net = EnsembleMLP([4])
    z = torch.randn(1, 6, net.sizes[1], generator=torch.Generator().manual_seed(1))
    assert torch.equal(hidden_with_noise(net, z), hidden_with_noise(noise_after_modulation(net), z))


def test_drug_off_keeping_tanh_removes_gain_and_damping_but_not_the_tanh():
    net = EnsembleMLP([1, 2])
    net.use_tanh.fill_(True)
    net.damping.fill_(0.7)
    net.gain.fill_(0.85)
    kept, restored = drug_off_keeping_tanh(net), drug_off(net)
    assert bool(kept.use_tanh.all()) and not bool(restored.use_tanh.any())
    for off in (kept, restored):
        assert bool((off.gain == 1).all()) and bool((off.damping == 1).all())
        assert all(torch.equal(w, v) for w, v in zip(net.weights, off.weights))
    assert bool(net.use_tanh.all()) and bool((net.damping == 0.7).all())   # the drug-on network is untouched
    assert set(READINGS) == {"A10", "A11"}


def test_an_unknown_reading_is_refused():
    from fragility_core.science.readings import alternative_arms

    with pytest.raises(ValueError, match="reading"):
        alternative_arms(None, "A99")


def test_withdrawal_under_each_reading_sets_the_decayed_protection_and_the_activation():
    from fragility_core.science.mood_stabiliser import decayed_protection, withdraw
    from fragility_core.science.readings import WITHDRAWAL_READINGS, linear_protection, withdraw_under

    assert linear_protection(0.008, 50) == pytest.approx(0.6) and linear_protection(0.03, 50) == 0.0
    assert decayed_protection(0.008, 50) == pytest.approx(0.992 ** 50)   # the chosen form is exponential
    net = EnsembleMLP([1, 2])
    net.use_tanh.fill_(True)
    net.gain.fill_(0.85)
    net.damping.fill_(0.7)
    x = torch.randn(2, 7, 2, generator=torch.Generator().manual_seed(4))
    chosen = withdraw_under(net, 0.008, 50, "as chosen")
    assert torch.equal(chosen(x), withdraw(net, decayed_protection(0.008, 50))(x))
    expected = {"as chosen": (0.992 ** 50, False), "A23": (0.6, False), "A11": (0.992 ** 50, True),
                "A11 + A23": (0.6, True)}
    assert set(expected) == set(WITHDRAWAL_READINGS)
    for reading, (p, tanh) in expected.items():
        off = withdraw_under(net, 0.008, 50, reading)
        assert torch.allclose(off.protection, torch.full_like(off.protection, p))
        assert bool(off.use_tanh.all()) is tanh and bool((off.gain == 1).all()) and bool((off.damping == 1).all())
    with pytest.raises(ValueError, match="reading"):
        withdraw_under(net, 0.008, 50, "A99")


def test_activation_variants_include_the_chapters_metric_and_agree_where_they_must():
    from fragility_core.science.data import BlobTask, TaskSpec
    from fragility_core.science.readings import activation_variants
    from fragility_core.science.stress import mean_activation
    import dataclasses

    task = BlobTask.generate(dataclasses.replace(TaskSpec(), n_train=40, n_standard=30, n_clean=20))
    net = EnsembleMLP([1, 2, 3])
    net.gain.fill_(1.25)
    v = activation_variants(net, task)
    chosen = v["mean |h|, standard set (chosen)"]
    assert torch.allclose(chosen, mean_activation(net, task))
    assert torch.allclose(v["signed mean h"], chosen)    # ReLU and a positive gain: no negative activation
    widths = net.sizes[1:-1]
    layers = [v[f"mean |h|, hidden layer {k + 1} only"] for k in range(len(widths))]
    assert torch.allclose(sum(w * m for w, m in zip(widths, layers)) / sum(widths), chosen)
    assert bool((v["root mean square h"] >= chosen - 1e-12).all())   # RMS ≥ mean |h|
    assert bool((v["mean |h| of non-zero units"] >= chosen - 1e-12).all())
    assert not torch.allclose(v["mean |h|, clean set"], chosen)


def test_the_net_gradient_score_is_bounded_by_the_chosen_one_and_equal_on_one_batch():
    from fragility_core.science.connectivity import accumulate_gradient
    from fragility_core.science.readings import accumulate_net_gradient

    net = EnsembleMLP([1, 2])
    gen = torch.Generator().manual_seed(5)
    x, y = torch.randn(300, 2, generator=gen), torch.randint(0, 4, (300,), generator=gen)
    for batches in (1, 5):
        chosen = accumulate_gradient(net, x, y, batches=batches, batch_size=32, purpose="t")
        alt = accumulate_net_gradient(net, x, y, batches=batches, batch_size=32, purpose="t")
        for c, a in zip(chosen, alt):
            assert bool((a <= c + 1e-6).all())          # |Σ g| ≤ Σ |g|
            if batches == 1:
                assert torch.allclose(a, c, atol=1e-7)    # the same batch: the two readings coincide
            else:
                assert not torch.allclose(a, c)           # signs cancel across batches


def test_ketamine_by_net_gradient_regrows_as_many_sites_as_the_chosen_reading():
    import dataclasses

    from fragility_core.science.connectivity import prune_magnitude
    from fragility_core.science.data import BlobTask, TaskSpec
    from fragility_core.science.readings import ketamine_by_net_gradient
    from fragility_core.science.training import TrainSpec
    from fragility_core.science.treatments import Ketamine, treat

    task = BlobTask.generate(dataclasses.replace(TaskSpec(), n_train=256, n_standard=20, n_clean=10))
    net = EnsembleMLP([1, 2])
    prune_magnitude(net, 0.95)
    k = Ketamine(finetune=TrainSpec(epochs=1, lr=5e-4))
    chosen = treat(net.clone(), k, task.train, progress=False)
    alt = ketamine_by_net_gradient(net.clone(), k, task.train, progress=False)
    for layer in range(net.n_layers):
        assert int(alt.active(layer).sum()) == int(chosen.active(layer).sum())   # same fraction regrown
        assert bool(((alt.weights[layer] != 0) <= alt.active(layer)).all())      # masks hold after training
    assert any(not torch.equal(alt.active(k_), chosen.active(k_)) for k_ in range(net.n_layers))
    with pytest.raises(ValueError, match="gradient"):
        ketamine_by_net_gradient(net.clone(), dataclasses.replace(k, by="random"), task.train, progress=False)


def test_ssri_under_a10_is_trained_with_the_chosen_draws_so_only_the_order_of_noise_differs():
    import dataclasses
    from types import SimpleNamespace

    from fragility_core.science.connectivity import prune_magnitude
    from fragility_core.science.data import BlobTask, TaskSpec
    from fragility_core.science.readings import acute_alternative_arms, ssri_with_noise_after_modulation
    from fragility_core.science.training import Ramp, TrainSpec
    from fragility_core.science.treatments import SSRI, treat

    task = BlobTask.generate(dataclasses.replace(TaskSpec(), n_train=256, n_standard=20, n_clean=10))
    pruned = EnsembleMLP([1, 2])
    prune_magnitude(pruned, 0.95)

    def stages(ssri):
        return SimpleNamespace(pruned=pruned.clone, baseline=pruned.clone, task=task, progress=False,
                               treated=lambda t: treat(pruned.clone(), t, task.train, progress=False),
                               protocol=SimpleNamespace(ssri=ssri, ketamine=None, neurosteroid=None))

    plain = SSRI(training=TrainSpec(epochs=2, lr=1e-3, noise=Ramp(0.5, 0.0)))     # gain 1: the order is moot
    chosen = treat(pruned.clone(), plain, task.train, progress=False)
    alt = ssri_with_noise_after_modulation(stages(plain))
    assert not alt.noise_before_modulation and chosen.noise_before_modulation
    assert all(torch.equal(a, c) for a, c in zip(alt.weights, chosen.weights))   # same batches, same noise draws

    # three epochs: the middle one has both gain (1.3) and noise (0.25); at the ends one of them is moot
    ramped = SSRI(training=TrainSpec(epochs=3, lr=1e-3, noise=Ramp(0.5, 0.0), gain=Ramp(1.0, 1.6)))
    chosen = treat(pruned.clone(), ramped, task.train, progress=False)
    alt = acute_alternative_arms(stages(ramped), "A10")["ssri"]()
    assert not all(torch.equal(a, c) for a, c in zip(alt.weights, chosen.weights))   # the gain meets the noise
    for layer in range(pruned.n_layers):
        assert torch.equal(alt.active(layer), pruned.active(layer))                   # the mask is untouched
        assert bool(((alt.weights[layer] != 0) <= alt.active(layer)).all())
