"""The 2-512-512-256-4 network as a batched ensemble: weights shaped [members, in, out].

One member is one (seed, arm). Members never interact: every operation is per member,
and Adam is element-wise, so a member trains as it would alone, to the last bit wherever it sits at the same
place relative to the optimiser's vectors (a member's 4 output biases are updated by scalar code when they are
a tensor's last floats; :mod:`fragility_core.shards` cuts seed lists where this cannot change a number).
Modifiers the later chapters need are per-member buffers, all off by default:
gain, damping (post-activation inhibition) and a tanh switch (instead of ReLU).
Internal noise is passed to ``forward`` (it is a stress or a training schedule, not a trait).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from fragility_core.validate import check_seeds, resolve_device

LAYER_SIZES = (2, 512, 512, 256, 4)

# The mood-stabiliser wrapper (chapter 7): at protection p the gain is capped towards MS_GAIN_CAP,
# an inhibitory bias of MS_INHIBITION · p is subtracted from every hidden activation, and the
# upward (mean) shift of internal noise is reduced by the factor MS_MEAN_DAMPING · p.
MS_GAIN_CAP = 1.05
MS_INHIBITION = 0.15
MS_MEAN_DAMPING = 0.3


@dataclass
class InternalNoise:
    """N(mean, sigma²) added to every hidden activation, one independent stream per member."""

    sigma: float | torch.Tensor
    generators: Sequence[torch.Generator]
    mean: float | torch.Tensor = 0.0

    def sample(self, like: torch.Tensor) -> torch.Tensor:
        members, *rest = like.shape
        if len(self.generators) != members:
            raise ValueError(f"InternalNoise has {len(self.generators)} generators for {members} members")
        eps = torch.stack([torch.randn(rest, generator=g, device=like.device, dtype=like.dtype) for g in self.generators])
        return _per_member(self.mean, like) + _per_member(self.sigma, like) * eps


def _per_member(v: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor | float:
    if isinstance(v, torch.Tensor):
        return v.to(like).reshape(-1, *([1] * (like.dim() - 1)))
    return v


def _linear_init(fan_in: int, fan_out: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``nn.Linear``'s default init, drawn in the same order from ``g`` (weight [out, in], then bias)."""
    gain = math.sqrt(2.0 / (1 + 5))  # kaiming_uniform_(a=sqrt(5))
    bound_w = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
    w = torch.empty(fan_out, fan_in).uniform_(-bound_w, bound_w, generator=g)
    bound_b = 1 / math.sqrt(fan_in)
    b = torch.empty(fan_out).uniform_(-bound_b, bound_b, generator=g)
    return w, b


class EnsembleMLP(nn.Module):
    """``len(seeds)`` independent MLPs evaluated with ``torch.baddbmm``.

    Member ``m`` is initialised exactly as ``torch.manual_seed(seeds[m])`` followed by
    constructing ``nn.Linear`` layers in order would initialise it (PyTorch default init).
    """

    def __init__(self, seeds: Sequence[int], sizes: Sequence[int] = LAYER_SIZES, device: str | torch.device = "cpu",
                 noise_before_modulation: bool = True):
        super().__init__()
        self.seeds = check_seeds("seeds", seeds, unique=False)
        self.sizes = tuple(int(s) for s in sizes)
        self.noise_before_modulation = noise_before_modulation
        dev = resolve_device(device)
        per_layer: list[list[tuple[torch.Tensor, torch.Tensor]]] = []
        for seed in self.seeds:
            g = torch.Generator().manual_seed(seed)
            per_layer.append([_linear_init(i, o, g) for i, o in zip(self.sizes[:-1], self.sizes[1:])])
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([m[k][0].T for m in per_layer]).contiguous().to(dev)) for k in range(self.n_layers))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([m[k][1] for m in per_layer]).unsqueeze(1).contiguous().to(dev))
            for k in range(self.n_layers))
        for k, w in enumerate(self.weights):
            self.register_buffer(f"active{k}", torch.ones_like(w, dtype=torch.bool))
            self.register_buffer(f"scar{k}", torch.zeros_like(w, dtype=torch.bool))
        m = len(self.seeds)
        self.register_buffer("gain", torch.ones(m, device=dev))
        self.register_buffer("damping", torch.ones(m, device=dev))
        self.register_buffer("use_tanh", torch.zeros(m, dtype=torch.bool, device=dev))
        self.register_buffer("protection", torch.zeros(m, device=dev))  # mood stabiliser p, 0 = off

    # --- shape -------------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

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
    def hidden(self, k: int, z: torch.Tensor, noise: InternalNoise | None) -> torch.Tensor:
        """Activation, internal noise and modulation of hidden layer ``k``."""
        if bool(self.use_tanh.any()):
            a = torch.where(self.use_tanh.view(-1, 1, 1), torch.tanh(z), torch.relu(z))
        else:
            a = torch.relu(z)
        p = self.protection.view(-1, 1, 1)
        ms_on = bool(self.protection.any())
        gain = self.gain.view(-1, 1, 1)
        if ms_on:
            gain = gain - p * torch.clamp(gain - MS_GAIN_CAP, min=0.0)
        scale = gain * self.damping.view(-1, 1, 1)
        if noise is None:
            out = a * scale
        else:
            eps = noise.sample(a)
            if ms_on:
                eps = eps - MS_MEAN_DAMPING * p * _per_member(noise.mean, a)
            out = (a + eps) * scale if self.noise_before_modulation else a * scale + eps
        return out - MS_INHIBITION * p if ms_on else out

    def forward(self, x: torch.Tensor, noise: InternalNoise | None = None, *, return_hidden: bool = False):
        """``x``: [members, batch, 2] -> logits [members, batch, 4] (and the hidden activations if asked)."""
        if x.dim() != 3 or x.shape[0] != self.n_members:
            raise ValueError(f"x must be [members={self.n_members}, batch, {self.sizes[0]}], got {tuple(x.shape)}")
        hidden = []
        h = x
        for k in range(self.n_layers):
            z = torch.baddbmm(self.biases[k], h, self.weights[k])
            if k == self.n_layers - 1:
                return (z, hidden) if return_hidden else z
            h = self.hidden(k, z, noise)
            hidden.append(h)
        raise AssertionError("unreachable")

    # --- connectivity --------------------------------------------------------------------------
    @torch.no_grad()
    def apply_masks(self) -> None:
        """Zero every weight that is not active (pruned or scarred). Called after every optimiser step."""
        for k, w in enumerate(self.weights):
            w.mul_(self.active(k))

    # --- copies --------------------------------------------------------------------------------
    def select(self, members: Sequence[int]) -> "EnsembleMLP":
        """A new ensemble holding copies of the given members (weights, masks and modifiers)."""
        idx = list(members)
        out = EnsembleMLP.__new__(EnsembleMLP)
        nn.Module.__init__(out)
        out.seeds = tuple(self.seeds[i] for i in idx)
        out.sizes = self.sizes
        out.noise_before_modulation = self.noise_before_modulation
        index = torch.tensor(idx, device=self.device)
        out.weights = nn.ParameterList(nn.Parameter(w.detach()[index].clone()) for w in self.weights)
        out.biases = nn.ParameterList(nn.Parameter(b.detach()[index].clone()) for b in self.biases)
        for name, buf in self.named_buffers():
            out.register_buffer(name, buf[index].clone())
        return out

    def clone(self) -> "EnsembleMLP":
        return self.select(range(self.n_members))

    @staticmethod
    def concat(parts: Sequence["EnsembleMLP"]) -> "EnsembleMLP":
        """One ensemble from several (same architecture), members in order."""
        first = parts[0]
        out = first.clone()
        out.seeds = tuple(s for p in parts for s in p.seeds)
        with torch.no_grad():
            out.weights = nn.ParameterList(nn.Parameter(torch.cat([p.weights[k].detach() for p in parts]))
                                           for k in range(first.n_layers))
            out.biases = nn.ParameterList(nn.Parameter(torch.cat([p.biases[k].detach() for p in parts]))
                                          for k in range(first.n_layers))
            for name, _ in first.named_buffers():
                out.register_buffer(name, torch.cat([getattr(p, name) for p in parts]))
        return out

    # --- persistence ---------------------------------------------------------------------------
    def to_state(self) -> dict:
        return {"seeds": list(self.seeds), "sizes": list(self.sizes),
                "noise_before_modulation": self.noise_before_modulation,
                "tensors": {k: v.detach().cpu() for k, v in self.state_dict().items()}}

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device = "cpu") -> "EnsembleMLP":
        net = cls.__new__(cls)
        nn.Module.__init__(net)
        net.seeds = tuple(state["seeds"])
        net.sizes = tuple(state["sizes"])
        net.noise_before_modulation = state["noise_before_modulation"]
        t = state["tensors"]
        dev = resolve_device(device)
        n_layers = len(net.sizes) - 1
        # copies, never views: the state may be cached and shared
        net.weights = nn.ParameterList(nn.Parameter(t[f"weights.{k}"].to(dev, copy=True)) for k in range(n_layers))
        net.biases = nn.ParameterList(nn.Parameter(t[f"biases.{k}"].to(dev, copy=True)) for k in range(n_layers))
        for name, v in t.items():
            if not name.startswith(("weights.", "biases.")):
                net.register_buffer(name, v.to(dev, copy=True))
        return net
