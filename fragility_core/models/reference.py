"""The straightforward loop a researcher would write from the Methods: one nn.Module and one Adam per seed.

It is the yardstick of the batched engine, for speed (benchmarks/) and for correctness (tests/): an engine
member must train exactly as this loop does on the same seed, data order and masks, to float tolerance.
"""
from __future__ import annotations

import torch
from torch import nn

from fragility_core.models.mlp import LAYER_SIZES
from fragility_core.rng import generator


def reference_mlp(seed: int, sizes=LAYER_SIZES) -> nn.Sequential:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def train_reference(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, *, seed: int, epochs: int, lr: float,
                    purpose: str, batch_size: int = 128, masks: list[torch.Tensor] | None = None) -> nn.Sequential:
    """Adam, batch 128, a fresh permutation each epoch from the same named stream the engine uses.

    ``masks`` (one [out, in] bool tensor per Linear) are re-applied after every optimiser step.
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    shuffle = generator(seed, purpose, "shuffle")
    for _ in range(epochs):
        perm = torch.randperm(x.shape[0], generator=shuffle)
        for i in range(0, x.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if masks is not None:
                with torch.no_grad():
                    for lin, m in zip(linears, masks):
                        lin.weight.mul_(m)
    return model


# --- chapter 10's recurrent classifier -------------------------------------------------------------


def reference_gru(seed: int, hidden: int = 384) -> tuple[nn.GRUCell, nn.Linear]:
    """One GRU cell of ``hidden`` units and its read-out, PyTorch's default init after ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    cell = nn.GRUCell(2, hidden)
    readout = nn.Linear(hidden, 4)
    return cell, readout


def gru_logits(cell: nn.GRUCell, readout: nn.Linear, x: torch.Tensor, steps: int = 20, *, gain: float = 1.0,
               input_noise=None) -> torch.Tensor:
    """The same input ``x`` [batch, 2] fed at every step: h_0 = 0, h_t = relu(cell(gain · x + noise, h_{t-1})),
    logits = readout(h_T). ``input_noise()`` (or None) returns a fresh draw shaped like ``x`` at every step."""
    h = x.new_zeros(x.shape[0], cell.hidden_size)
    for _ in range(steps):
        u = gain * x
        if input_noise is not None:
            u = u + input_noise()
        h = torch.relu(cell(u, h))
    return readout(h)


def train_reference_gru(cell: nn.GRUCell, readout: nn.Linear, x: torch.Tensor, y: torch.Tensor, *, seed: int,
                        epochs: int, lr: float, purpose: str, batch_size: int = 128,
                        masks: list[torch.Tensor] | None = None, steps: int = 20) -> tuple[nn.GRUCell, nn.Linear]:
    """Adam, batch 128, a fresh permutation each epoch from the same named stream the engine uses.

    ``masks`` (bool, in nn's [out, in] layout: ``cell.weight_ih``, ``cell.weight_hh``, ``readout.weight``) are
    re-applied after every optimiser step; the biases are never masked.
    """
    opt = torch.optim.Adam([*cell.parameters(), *readout.parameters()], lr=lr)
    weights = [cell.weight_ih, cell.weight_hh, readout.weight]
    shuffle = generator(seed, purpose, "shuffle")
    for _ in range(epochs):
        perm = torch.randperm(x.shape[0], generator=shuffle)
        for i in range(0, x.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            loss = nn.functional.cross_entropy(gru_logits(cell, readout, x[idx], steps), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if masks is not None:
                with torch.no_grad():
                    for w, m in zip(weights, masks):
                        w.mul_(m)
    return cell, readout
