"""Do denormal floats slow the straightforward loop down? Seconds per epoch beside Adam's denormal count.

    .venv/bin/python -m benchmarks.loop_denormals                     # 20 epochs, seed 42, default threads
    .venv/bin/python -m benchmarks.loop_denormals --flush-denormal    # the same with denormals flushed to zero

The loop of ``fragility_core.models.reference`` (one ``nn.Sequential``, one Adam), written out here so that Adam's
state can be read after every epoch: for each epoch, its seconds and how many entries of Adam's first
(``exp_avg``) and second (``exp_avg_sq``) moments are denormal (non-zero and below 2**-126 in magnitude).
"""
from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from fragility_core.science.data import BlobTask
from fragility_core.models.reference import reference_mlp
from fragility_core.rng import generator

TINY = torch.finfo(torch.float32).tiny


def denormal(t: torch.Tensor) -> int:
    return int(((t != 0) & (t.abs() < TINY)).sum())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.loop_denormals", description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--threads", type=int, default=0, help="intra-op threads; 0 = PyTorch's default")
    p.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True) first")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    task = BlobTask.generate()
    x, y = task.train.x, task.train.y
    model = reference_mlp(args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    shuffle = generator(args.seed, "baseline", "shuffle")
    n_state = sum(p.numel() for p in model.parameters())
    print(f"threads {torch.get_num_threads()}, flush-denormal {args.flush_denormal}, {n_state:,} entries per moment")
    print("epoch  seconds  denormal exp_avg  denormal exp_avg_sq")
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(x.shape[0], generator=shuffle)
        for i in range(0, x.shape[0], 128):
            idx = perm[i:i + 128]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - t0
        state = list(opt.state.values())
        print(f"{epoch:5d}  {seconds:7.3f}  {sum(denormal(s['exp_avg']) for s in state):16,d}  "
              f"{sum(denormal(s['exp_avg_sq']) for s in state):19,d}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
