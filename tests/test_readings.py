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
