"""Chapter 10's recurrent classifier as a batched ensemble: one GRU cell of 384 units unrolled over 20 steps.

Members sit on dim 0 as in :class:`~fragility_core.models.mlp.EnsembleMLP`, with the same interface (lists of
weight and bias tensors, a reversible and a permanent mask per weight tensor, the per-member modifiers gain,
damping, tanh switch and mood-stabiliser protection, ``select``/``clone``/``to_state``/``from_state``), so every
science function (pruning, regrowth, scars, training, stress, kindling) runs on it unchanged.

Tensors per member, stored ``[in, out]`` like the MLP's, the three gates stacked as ``nn.GRUCell`` stacks them
(reset r, update z, candidate n):

- ``weights[0]`` W_ih ``[2, 3H]``, ``weights[1]`` W_hh ``[H, 3H]``, ``weights[2]`` the read-out ``[H, 4]``;
- ``biases`` b_ih ``[1, 3H]``, b_hh ``[1, 3H]``, b_out ``[1, 4]`` (never pruned).

One step t (protocol decision A35, each reading a switch of the model)::

    u_t  = g · x  (+ zero-mean "stress" noise, fresh every step, at ``stress_site``)
    h~   = GRUCell(u_t, h_{t-1})              r, z = σ(.), n = tanh(gi_n + r ⊙ gh_n), h~ = n + z ⊙ (h − n)
    h_t  = (φ(h~) + biased noise) · d − 0.15 p   φ = ReLU (tanh for the neurosteroid-like arm), d = damping
    logits = h_T W_out + b_out

Noise with a non-zero mean (manic bias, kindling triggers) goes to ``biased_site``; zero-mean noise (internal
stress, the SSRI-like training noise) to ``stress_site``. Both sites are ``"input"`` or ``"hidden"``.
The mood stabiliser (chapter 7's wrapper) caps the gain towards 1.05, subtracts 0.15 p from the state and
reduces a biased noise's mean by 0.3 p, as in the MLP.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from fragility_core.models.mlp import MS_GAIN_CAP, MS_INHIBITION, MS_MEAN_DAMPING, EnsembleMLP, InternalNoise, \
    _linear_init
from fragility_core.validate import check_choice, check_positive, check_seeds, resolve_device

HIDDEN = 384
STEPS = 20
N_INPUTS = 2
N_CLASSES = 4
SITES = ("input", "hidden")


def gru_cell_init(n_in: int, hidden: int, g: torch.Generator) -> list[torch.Tensor]:
    """``nn.GRUCell``'s default init drawn in its order from ``g``: W_ih [3H, in], W_hh [3H, H], b_ih, b_hh,
    every entry U(−1/√H, 1/√H)."""
    bound = 1.0 / math.sqrt(hidden)
    shapes = ((3 * hidden, n_in), (3 * hidden, hidden), (3 * hidden,), (3 * hidden,))
    return [torch.empty(s).uniform_(-bound, bound, generator=g) for s in shapes]


def is_biased(noise: InternalNoise) -> bool:
    mean = noise.mean
    return bool((mean != 0).any()) if isinstance(mean, torch.Tensor) else mean != 0


def unroll(u: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor, *,
           steps: int, tanh: torch.Tensor | None, damping: torch.Tensor, inhibition: torch.Tensor | None,
           input_noise=None, hidden_noise=None, saved: list | None = None,
           summary: torch.Tensor | None = None) -> torch.Tensor:
    """The recurrence of every member, without autograd: returns h_T ``[M, B, H]``.

    ``u`` is the gain-scaled input; ``input_noise()`` / ``hidden_noise(h)`` give a fresh draw per step (or are
    None); ``tanh`` is a per-member bool view (None: ReLU for all); ``inhibition`` the MS subtraction (or None).
    With ``saved`` (a list) every step's tensors for :func:`unroll_backward` are appended; with ``summary``
    ``|h_t|`` is accumulated into it.
    """
    M, B, H = u.shape[0], u.shape[1], w_hh.shape[1]
    gi = None if input_noise is not None else torch.baddbmm(b_ih, u, w_ih)   # the same input at every step
    h = u.new_zeros(M, B, H)
    for _ in range(steps):
        u_t = u if input_noise is None else u + input_noise()
        if input_noise is not None:
            gi = torch.baddbmm(b_ih, u_t, w_ih)
        gh = torch.baddbmm(b_hh, h, w_hh)
        rz = torch.sigmoid(gi[..., :2 * H] + gh[..., :2 * H])
        r, z = rz[..., :H], rz[..., H:]
        gh_n = gh[..., 2 * H:]
        n = torch.tanh(gi[..., 2 * H:] + r * gh_n)
        c = n + z * (h - n)
        a = torch.relu(c) if tanh is None else torch.where(tanh, torch.tanh(c), torch.relu(c))
        if saved is not None:
            saved.append((u_t, h, rz, n, gh_n, c, a))
        if hidden_noise is not None:
            a = a + hidden_noise(a)
        h = a * damping
        if inhibition is not None:
            h = h - inhibition
        if summary is not None:
            summary.add_(h.abs())
    return h


def unroll_backward(grad_h: torch.Tensor, saved: list, w_ih: torch.Tensor, w_hh: torch.Tensor, *,
                    tanh: torch.Tensor | None, damping: torch.Tensor):
    """Backpropagation through time for :func:`unroll`, by hand: the gradients of W_ih, W_hh, b_ih, b_hh.

    Per step the error flows back through damping, φ, the GRU update and the recurrent product; the recurrent
    weight's gradient is summed over steps in one batched product (steps × batch rows)."""
    M, B, H = grad_h.shape
    T = len(saved)
    h_prev_all = grad_h.new_empty(M, T * B, H)
    dgh_all = grad_h.new_empty(M, T * B, 3 * H)
    d_ih = w_ih.new_zeros(w_ih.shape)
    db_ih = grad_h.new_zeros(M, 1, 3 * H)
    g = grad_h
    for t in range(T - 1, -1, -1):
        u_t, h_prev, rz, n, gh_n, c, a = saved[t]
        rows = slice(t * B, (t + 1) * B)
        h_prev_all[:, rows].copy_(h_prev)
        dc = g * damping
        dc = dc * (c > 0) if tanh is None else dc * torch.where(tanh, 1 - a * a, (c > 0).to(a))
        r, z = rz[..., :H], rz[..., H:]
        dgh = dgh_all[:, rows]
        dn_pre = dc * (1 - z) * (1 - n * n)
        torch.mul(dn_pre * gh_n, r * (1 - r), out=dgh[..., :H])                    # reset gate
        torch.mul(dc * (h_prev - n), z * (1 - z), out=dgh[..., H:2 * H])           # update gate
        torch.mul(dn_pre, r, out=dgh[..., 2 * H:])                                  # candidate, recurrent part
        if t > 0:
            g = torch.baddbmm(dc * z, dgh, w_hh.transpose(1, 2))
        u_tT = u_t.transpose(1, 2)
        d_ih[..., :2 * H].baddbmm_(u_tT, dgh[..., :2 * H])
        d_ih[..., 2 * H:].baddbmm_(u_tT, dn_pre)
        db_ih[..., :2 * H] += dgh[..., :2 * H].sum(1, keepdim=True)
        db_ih[..., 2 * H:] += dn_pre.sum(1, keepdim=True)
    return (d_ih, torch.bmm(h_prev_all.transpose(1, 2), dgh_all), db_ih, dgh_all.sum(1, keepdim=True))


class _Unrolled(torch.autograd.Function):
    """:func:`unroll` with :func:`unroll_backward` as its gradient (the weights and biases only: the input,
    gain, damping and noise are data or buffers)."""

    @staticmethod
    def forward(ctx, u, w_ih, w_hh, b_ih, b_hh, options):
        saved: list = []
        with torch.no_grad():
            h = unroll(u, w_ih, w_hh, b_ih, b_hh, saved=saved, **options)
        ctx.saved = saved
        ctx.options = options
        ctx.save_for_backward(w_ih, w_hh)
        return h

    @staticmethod
    def backward(ctx, grad_h):
        w_ih, w_hh = ctx.saved_tensors
        grads = unroll_backward(grad_h, ctx.saved, w_ih, w_hh, tanh=ctx.options["tanh"],
                                damping=ctx.options["damping"])
        ctx.saved = None
        return (None, *grads, None)


class EnsembleGRU(nn.Module):
    """``len(seeds)`` independent recurrent classifiers; member ``m`` is initialised exactly as
    ``torch.manual_seed(seeds[m])`` followed by ``nn.GRUCell(2, H)`` and ``nn.Linear(H, 4)`` would be."""

    def __init__(self, seeds: Sequence[int], hidden: int = HIDDEN, steps: int = STEPS,
                 device: str | torch.device = "cpu", stress_site: str = "input", biased_site: str = "hidden"):
        super().__init__()
        self.seeds = check_seeds("seeds", seeds, unique=False)
        self.hidden_size = int(check_positive("hidden", hidden))
        self.steps = int(check_positive("steps", steps))
        self.stress_site = check_choice("stress_site", stress_site, SITES)
        self.biased_site = check_choice("biased_site", biased_site, SITES)
        dev = resolve_device(device)
        drawn = []
        for seed in self.seeds:
            g = torch.Generator().manual_seed(seed)
            w_ih, w_hh, b_ih, b_hh = gru_cell_init(N_INPUTS, self.hidden_size, g)
            w_out, b_out = _linear_init(self.hidden_size, N_CLASSES, g)
            drawn.append(((w_ih.T, w_hh.T, w_out.T), (b_ih, b_hh, b_out)))
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([d[0][k] for d in drawn]).contiguous().to(dev)) for k in range(3))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([d[1][k] for d in drawn]).unsqueeze(1).contiguous().to(dev)) for k in range(3))
        for k, w in enumerate(self.weights):
            self.register_buffer(f"active{k}", torch.ones_like(w, dtype=torch.bool))
            self.register_buffer(f"scar{k}", torch.zeros_like(w, dtype=torch.bool))
        m = len(self.seeds)
        self.register_buffer("gain", torch.ones(m, device=dev))
        self.register_buffer("damping", torch.ones(m, device=dev))
        self.register_buffer("use_tanh", torch.zeros(m, dtype=torch.bool, device=dev))
        self.register_buffer("protection", torch.zeros(m, device=dev))

    # --- shape -------------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Weight tensors (W_ih, W_hh, read-out): the units pruning, regrowth and scars act on."""
        return len(self.weights)

    @property
    def n_members(self) -> int:
        return len(self.seeds)

    @property
    def device(self) -> torch.device:
        return self.weights[0].device

    def active(self, k: int) -> torch.Tensor:
        return getattr(self, f"active{k}")

    def scar(self, k: int) -> torch.Tensor:
        return getattr(self, f"scar{k}")

    @property
    def n_weights(self) -> int:
        return sum(w[0].numel() for w in self.weights)

    @property
    def n_parameters(self) -> int:
        return self.n_weights + sum(b[0].numel() for b in self.biases)

    # --- forward -----------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, noise: InternalNoise | None = None, *, return_hidden: bool = False):
        """``x``: [members, batch, 2], fed at every step -> logits [members, batch, 4].

        ``return_hidden`` also returns ``[mean over steps of |h_t|]`` ([members, batch, H]), so that the mean
        over its entries is the mean |h| over steps, units and samples (chapter 10's activation magnitude).
        """
        if x.dim() != 3 or x.shape[0] != self.n_members or x.shape[-1] != N_INPUTS:
            raise ValueError(f"x must be [members={self.n_members}, batch, {N_INPUTS}], got {tuple(x.shape)}")
        w_ih, w_hh, w_out = self.weights
        b_ih, b_hh, b_out = self.biases
        view = lambda v: v.view(-1, 1, 1)  # noqa: E731
        p = view(self.protection)
        ms_on = bool(self.protection.any())
        gain = view(self.gain)
        if ms_on:
            gain = gain - p * torch.clamp(gain - MS_GAIN_CAP, min=0.0)
        options = dict(steps=self.steps, tanh=view(self.use_tanh) if bool(self.use_tanh.any()) else None,
                       damping=view(self.damping), inhibition=MS_INHIBITION * p if ms_on else None)
        if noise is not None:
            site = self.biased_site if is_biased(noise) else self.stress_site

            def draw(like: torch.Tensor) -> torch.Tensor:
                eps = noise.sample(like)
                return eps - MS_MEAN_DAMPING * p * _mean(noise, like) if ms_on else eps
            if site == "input":
                options["input_noise"] = lambda: draw(x)
            else:
                options["hidden_noise"] = draw
        u = x * gain
        if return_hidden:
            summary = x.new_zeros(x.shape[0], x.shape[1], self.hidden_size)
            with torch.no_grad():
                h = unroll(u, w_ih, w_hh, b_ih, b_hh, summary=summary, **options)
            return torch.baddbmm(b_out, h, w_out), [summary / self.steps]
        if torch.is_grad_enabled() and w_hh.requires_grad:
            h = _Unrolled.apply(u, w_ih, w_hh, b_ih, b_hh, options)
        else:
            h = unroll(u, w_ih, w_hh, b_ih, b_hh, **options)
        return torch.baddbmm(b_out, h, w_out)

    # --- connectivity --------------------------------------------------------------------------
    @torch.no_grad()
    def apply_masks(self) -> None:
        for k, w in enumerate(self.weights):
            w.mul_(self.active(k))

    # --- copies and persistence ----------------------------------------------------------------
    def _config(self) -> dict:
        return {"hidden": self.hidden_size, "steps": self.steps, "stress_site": self.stress_site,
                "biased_site": self.biased_site}

    @classmethod
    def _empty(cls, seeds, config: dict) -> "EnsembleGRU":
        net = cls.__new__(cls)
        nn.Module.__init__(net)
        net.seeds = tuple(seeds)
        net.hidden_size, net.steps = int(config["hidden"]), int(config["steps"])
        net.stress_site, net.biased_site = config["stress_site"], config["biased_site"]
        return net

    def select(self, members: Sequence[int]) -> "EnsembleGRU":
        """A new ensemble holding copies of the given members (weights, masks and modifiers)."""
        idx = list(members)
        out = EnsembleGRU._empty([self.seeds[i] for i in idx], self._config())
        index = torch.tensor(idx, device=self.device)
        out.weights = nn.ParameterList(nn.Parameter(w.detach()[index].clone()) for w in self.weights)
        out.biases = nn.ParameterList(nn.Parameter(b.detach()[index].clone()) for b in self.biases)
        for name, buf in self.named_buffers():
            out.register_buffer(name, buf[index].clone())
        return out

    def clone(self) -> "EnsembleGRU":
        return self.select(range(self.n_members))

    concat = staticmethod(EnsembleMLP.concat)   # generic: clones the first part, then stacks every tensor

    def to_state(self) -> dict:
        return {"kind": "gru", "seeds": list(self.seeds), **self._config(),
                "tensors": {k: v.detach().cpu() for k, v in self.state_dict().items()}}

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device = "cpu") -> "EnsembleGRU":
        if state.get("kind") != "gru":
            raise ValueError(f"not a GRU ensemble's state (kind {state.get('kind')!r})")
        net = cls._empty(state["seeds"], state)
        t, dev = state["tensors"], resolve_device(device)
        net.weights = nn.ParameterList(nn.Parameter(t[f"weights.{k}"].to(dev, copy=True)) for k in range(3))
        net.biases = nn.ParameterList(nn.Parameter(t[f"biases.{k}"].to(dev, copy=True)) for k in range(3))
        for name, v in t.items():
            if not name.startswith(("weights.", "biases.")):
                net.register_buffer(name, v.to(dev, copy=True))
        return net


def _mean(noise: InternalNoise, like: torch.Tensor):
    mean = noise.mean
    return mean.to(like).view(-1, 1, 1) if isinstance(mean, torch.Tensor) else mean
