import pytest
import torch
from torch import nn

from fragility_core.models.mlp import EnsembleMLP, InternalNoise
from fragility_core.models.reference import reference_mlp
from fragility_core.rng import generator


def test_parameter_count_is_the_published_396548():
    net = EnsembleMLP([0])
    assert net.n_parameters == 396_548
    assert net.n_weights == 395_264
    assert [tuple(w.shape) for w in net.weights] == [(1, 2, 512), (1, 512, 512), (1, 512, 256), (1, 256, 4)]


def test_member_init_is_pytorch_default_init_under_manual_seed():
    net = EnsembleMLP([7, 42])
    ref = [m for m in reference_mlp(42) if isinstance(m, nn.Linear)]
    for k, lin in enumerate(ref):
        assert torch.equal(net.weights[k][1], lin.weight.detach().T)
        assert torch.equal(net.biases[k][1, 0], lin.bias.detach())


def test_forward_matches_reference_module(small_task):
    net = EnsembleMLP([3, 5])
    x = small_task.standard.x[:50]
    out = net(x.expand(2, -1, -1))
    for m, seed in enumerate([3, 5]):
        torch.testing.assert_close(out[m], reference_mlp(seed)(x), rtol=1e-5, atol=1e-5)


def test_modifiers_are_off_by_default_and_act_per_member(small_task):
    x = small_task.standard.x[:20].expand(2, -1, -1)
    net = EnsembleMLP([1, 1])
    _, h = net(x, return_hidden=True)
    net.gain[1] = 2.0
    _, h2 = net(x, return_hidden=True)
    torch.testing.assert_close(h2[0][0], h[0][0])          # member 0 untouched
    torch.testing.assert_close(h2[0][1], 2.0 * h[0][1])    # member 1 doubled at layer 1
    net.gain.fill_(1.0)
    net.use_tanh[0] = True
    _, h3 = net(x, return_hidden=True)
    assert h3[0][0].min() < 0 and h3[0][1].min() >= 0       # tanh can go negative, relu cannot


def test_noise_enters_before_damping_by_default(small_task):
    x = small_task.standard.x[:20].expand(1, -1, -1)
    before = EnsembleMLP([2])
    after = EnsembleMLP([2], noise_before_modulation=False)
    for net in (before, after):
        net.damping.fill_(0.5)
    shift = lambda: InternalNoise(0.0, [generator(0)], mean=1.0)  # noqa: E731  pure mean shift of +1
    _, clean = before(x, return_hidden=True)
    _, hb = before(x, shift(), return_hidden=True)
    _, ha = after(x, shift(), return_hidden=True)
    torch.testing.assert_close(hb[0] - clean[0], torch.full_like(clean[0], 0.5))  # (a + 1) * 0.5
    torch.testing.assert_close(ha[0] - clean[0], torch.full_like(clean[0], 1.0))  # a * 0.5 + 1


def test_select_clone_concat_and_state_roundtrip():
    net = EnsembleMLP([1, 2, 3])
    part = net.select([2, 0])
    assert part.seeds == (3, 1)
    assert torch.equal(part.weights[1][0], net.weights[1][2])
    part.weights[1].data.zero_()
    assert net.weights[1].abs().sum() > 0  # a copy, not a view
    both = EnsembleMLP.concat([net.select([0]), net.select([1, 2])])
    assert both.seeds == net.seeds and torch.equal(both.weights[2], net.weights[2])
    back = EnsembleMLP.from_state(net.to_state())
    for a, b in zip(back.state_dict().values(), net.state_dict().values()):
        assert torch.equal(a, b)


def test_wrong_input_shape_is_rejected():
    with pytest.raises(ValueError, match="members=2"):
        EnsembleMLP([1, 2])(torch.zeros(3, 5, 2))
