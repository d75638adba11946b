"""How far does a mere change of summation order move a trained network? (a yardstick for "float tolerance")

    .venv/bin/python -m benchmarks.reorder_sensitivity [--members 10] [--epochs 1]

Two copies of the same ensemble are trained on the same data, in the same order, with the same noise: one as
is, one with the 512 units of the first hidden layer listed in another (fixed, random) order. The two networks
compute the same function in exact arithmetic; in float32 the second layer's sums run in another order and
round differently. After training, the permutation is undone and the weights compared layer by layer, and the
two networks' predictions on the standard test set compared. Done dense and at 95 % sparsity.

Any faster kernel that sums in another order (a sparse matrix product, another BLAS) moves the weights at
least this much: Adam divides each gradient by its own running scale, so a rounding difference in a
gradient near zero becomes a step of full size.
"""
from __future__ import annotations

import argparse

import torch

from fragility_core.science.connectivity import prune_magnitude
from fragility_core.science.data import BlobTask, TaskSpec
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.training import TrainSpec, train


def permuted(net: EnsembleMLP, perm: torch.Tensor) -> EnsembleMLP:
    """The same function with the first hidden layer's units in the order ``perm``."""
    out = net.clone()
    with torch.no_grad():
        out.weights[0].copy_(net.weights[0][:, :, perm])
        out.biases[0].copy_(net.biases[0][:, :, perm])
        out.weights[1].copy_(net.weights[1][:, perm, :])
        out.active(0).copy_(net.active(0)[:, :, perm])
        out.active(1).copy_(net.active(1)[:, perm, :])
    return out


def compare(members: int, epochs: int, sparsity: float, task: BlobTask) -> dict:
    a = EnsembleMLP(list(range(members)))
    if sparsity:
        prune_magnitude(a, sparsity)
    perm = torch.randperm(a.sizes[1], generator=torch.Generator().manual_seed(0))
    b = permuted(a, perm)
    train_split = task.split("train")
    for net in (a, b):
        train(net, train_split.x, train_split.y, TrainSpec(epochs, 1e-3), purpose="reorder", progress=False)
    b = permuted(b, torch.argsort(perm))
    row = {"sparsity": sparsity, "members": members, "epochs": epochs}
    for k, (wa, wb) in enumerate(zip(a.weights, b.weights)):
        row[f"max_abs_dw_layer{k + 1}"] = (wa - wb).abs().max().item()
    dw = torch.cat([(wa - wb).flatten() for wa, wb in zip(a.weights, b.weights)])
    w = torch.cat([wa.flatten() for wa in a.weights])
    row["relative_change_of_all_weights"] = (dw.norm() / w.norm()).item()
    test = task.split("standard")
    with torch.no_grad():
        x = test.x.expand(members, -1, -1)
        pa, pb = a(x).argmax(-1), b(x).argmax(-1)
    row["prediction_agreement"] = (pa == pb).float().mean().item()
    row["max_accuracy_difference_pt"] = 100 * ((pa == test.y).float().mean(1) - (pb == test.y).float().mean(1)).abs().max().item()
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args(argv)
    if args.members < 1 or args.epochs < 1:
        ap.error("--members and --epochs must be at least 1")
    task = BlobTask.generate(TaskSpec())
    for sparsity in (0.0, 0.95):
        row = compare(args.members, args.epochs, sparsity, task)
        print(", ".join(f"{k} {v:.6g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
