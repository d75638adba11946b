"""Where chapter 10's recurrent engine spends its time, and what is left to gain: one task shape, seven ways.

    .venv/bin/python -m benchmarks.gru_engine                # the full run (minutes, 2 cores; torch.compile included)
    .venv/bin/python -m benchmarks.gru_engine --no-compile   # the same without torch.compile
    .venv/bin/python -m benchmarks.gru_engine --quick        # a smoke run of seconds (2 members, 2 timed batches)

The shape is the chapter's: a GRU of 384 units unrolled over 20 steps, batches of 128 per member, Adam (lr 1e-3,
fused where available, as ``make_adam`` builds it), denormals flushed. One epoch of the 12,000 training samples
is 94 batches; every training row times a few batches after a warm-up and extrapolates the median batch to 94
(the 94th batch is really 96 rows: +0.3 %). The unit is the member-epoch (one network, one pass over the data).

1. ``engine``: ``EnsembleGRU`` (10 members, dense) trained by ``training.train`` itself (forward with the
   hand-written BPTT, cross-entropy, backward, Adam step, masks re-applied); batches timed by a forward hook.
2. ``engine-sparse95``: the same after ``prune_magnitude(net, 0.95)`` (the products stay dense).
3. ``loop``: ``reference.train_reference_gru``, one ``nn.GRUCell`` + ``nn.Linear`` + ``torch.optim.Adam``.
4. ``autograd``: the same math as the engine written with ordinary torch ops on the ensemble's tensors (members
   batched with ``torch.baddbmm``), differentiated by autograd: what the hand-written BPTT buys.
5. ``compiled``: ``torch.compile`` of that loss function (forward and, through AOTAutograd, backward; Adam and
   masks stay eager). ``compile-time`` is the first call's wall time; a failure or a compile longer than
   ``--compile-timeout`` is recorded as a row note.
6. ``floor``: only the recurrent matrix products of the training step (per step one forward [128,384]x[384,1152]
   and two backward products, for dh and for dW_hh), dense ``torch.bmm`` over the members: the arithmetic floor.
   ``floor-implied`` is the nominal 637 GFLOP per member-epoch (20 steps x 3*384^2 MACs x 12,000 samples x 2 FLOP
   x 3 for forward and backward) at the floor's measured GFLOP/s.
7. ``dense-mm`` / ``csr-mm``: one member's W_hh at 5 % density as ``torch.sparse_csr`` times a dense state,
   against the dense product, rows 128 and 1280, forward only, per call.

GFLOP/s of the training rows counts the recurrent W_hh products only (53.1 MFLOP per sample), the sparse row
its non-zero products only. ``other_cpu_cores`` is the CPU (in cores) other processes used during the
measurement (left empty for measurements under a second): on a 2-core machine anything above ~0.25 means the
row is not a measurement of the code.

Output: ``results/benchmarks/gru_engine.csv`` (``--out-dir``), one row per measurement, and a printed table.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import signal
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "results" / "benchmarks"
if __package__ in (None, ""):  # run as a file: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))
HIDDEN, STEPS, BATCH, N_TRAIN, LR = 384, 20, 128, 12_000, 1e-3
EPOCH_BATCHES = math.ceil(N_TRAIN / BATCH)  # 94
NOMINAL_GFLOP = STEPS * 3 * HIDDEN ** 2 * N_TRAIN * 2 * 3 / 1e9  # 637.0 per member-epoch
COLUMNS = ["name", "members", "rows", "per", "seconds", "gflop_per_s", "timed", "other_cpu_cores", "notes"]


def recurrent_gflop(rows: int) -> float:
    """The W_hh products of one training step for ``rows`` samples (forward + two backward), in GFLOP."""
    return STEPS * 3 * HIDDEN * 3 * HIDDEN * 2 * rows / 1e9


# ------------------------------------------------------------------------------------------------------
# measuring
# ------------------------------------------------------------------------------------------------------
class Meter:
    """Wall time of a measurement and the CPU other processes used meanwhile."""

    def __enter__(self):
        from benchmarks.engine_vs_loop import _busy_jiffies

        self._busy = _busy_jiffies
        self.busy0, self.cpu0, self.t0 = _busy_jiffies(), _own_cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        busy1 = self._busy()
        if self.busy0 is None or busy1 is None or wall < 1.0:  # /proc/stat counts in 10 ms ticks
            self.other = float("nan")
        else:
            other = (busy1 - self.busy0) / os.sysconf("SC_CLK_TCK") - (_own_cpu() - self.cpu0)
            self.other = max(other, 0.0) / wall
        return False


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_steps(step, batches, warmup: int) -> list[float]:
    """Run ``step(xb, yb)`` on every batch; the wall time of each after the first ``warmup``."""
    out = []
    for i, (xb, yb) in enumerate(batches):
        t0 = time.perf_counter()
        step(xb, yb)
        if i >= warmup:
            out.append(time.perf_counter() - t0)
    return out


def marks_to_steps(marks: list[float], end: float, warmup: int) -> list[float]:
    """Per-batch seconds from the times at which each batch started (and the end of the last)."""
    edges = [*marks, end]
    return [b - a for a, b in zip(edges[:-1], edges[1:])][warmup:]


def training_row(name: str, members: int, seconds: list[float], other: float, notes: str) -> dict:
    per_batch = statistics.median(seconds)
    return {"name": name, "members": members, "rows": BATCH, "per": "member-epoch",
            "seconds": per_batch * EPOCH_BATCHES / members, "gflop_per_s": members * recurrent_gflop(BATCH) / per_batch,
            "timed": len(seconds), "other_cpu_cores": other, "notes": notes}


# ------------------------------------------------------------------------------------------------------
# 1-2: the engine, through training.train
# ------------------------------------------------------------------------------------------------------
def engine(task, members: int, warmup: int, timed: int, sparsity: float) -> dict:
    from fragility_core.models.gru import EnsembleGRU
    from fragility_core.science.connectivity import prune_magnitude
    from fragility_core.science.training import TrainSpec, train

    net = EnsembleGRU(range(1, members + 1), hidden=HIDDEN, steps=STEPS)
    if sparsity:
        prune_magnitude(net, sparsity)
    n = (warmup + timed) * BATCH
    marks: list[float] = []
    net.register_forward_pre_hook(lambda *_: marks.append(time.perf_counter()))
    torch.set_flush_denormal(True)  # train() flushes denormals itself as well
    with Meter() as meter:
        train(net, task.train.x[:n], task.train.y[:n], TrainSpec(1, LR, BATCH), purpose="benchmark", progress=False)
        end = time.perf_counter()
    seconds = marks_to_steps(marks, end, warmup)
    what = "dense" if not sparsity else f"after prune_magnitude({sparsity}): {1 - sparsity:.0%} of each tensor kept, " \
                                        "products still dense"
    return training_row("engine" if not sparsity else f"engine-sparse{round(100 * sparsity)}", members, seconds,
                        meter.other, f"EnsembleGRU + training.train (hand-written BPTT, fused Adam, masks), {what}; "
                                     f"median of {len(seconds)} batches after {warmup} warm-up x {EPOCH_BATCHES} / members")


# ------------------------------------------------------------------------------------------------------
# 3: the straightforward loop
# ------------------------------------------------------------------------------------------------------
def loop(task, warmup: int, timed: int) -> dict:
    from fragility_core.models.reference import reference_gru, train_reference_gru

    cell, readout = reference_gru(1, HIDDEN)
    marks: list[float] = []
    calls = {"n": 0}

    def mark(*_):  # the first cell call of every batch
        if calls["n"] % STEPS == 0:
            marks.append(time.perf_counter())
        calls["n"] += 1

    cell.register_forward_pre_hook(mark)
    n = (warmup + timed) * BATCH
    torch.set_flush_denormal(True)
    with Meter() as meter:
        train_reference_gru(cell, readout, task.train.x[:n], task.train.y[:n], seed=1, epochs=1, lr=LR,
                            purpose="benchmark", steps=STEPS)
        end = time.perf_counter()
    seconds = marks_to_steps(marks, end, warmup)
    return training_row("loop", 1, seconds, meter.other,
                        "reference.train_reference_gru: nn.GRUCell + nn.Linear + torch.optim.Adam (default, not fused), "
                        f"one member; median of {len(seconds)} batches after {warmup} warm-up x {EPOCH_BATCHES}")


# ------------------------------------------------------------------------------------------------------
# 4-5: the same math by plain autograd, eager and compiled
# ------------------------------------------------------------------------------------------------------
def plain_loss(x, y, w_ih, w_hh, w_out, b_ih, b_hh, b_out):
    """Per-member mean cross-entropy of the ensemble GRU written with ordinary ops (gain 1, no damping, ReLU)."""
    M, B, H = x.shape[0], x.shape[1], w_hh.shape[1]
    gi = torch.baddbmm(b_ih, x, w_ih)
    h = x.new_zeros(M, B, H)
    for _ in range(STEPS):
        gh = torch.baddbmm(b_hh, h, w_hh)
        r = torch.sigmoid(gi[..., :H] + gh[..., :H])
        z = torch.sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
        n = torch.tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])
        h = torch.relu((1 - z) * n + z * h)
    logits = torch.baddbmm(b_out, h, w_out)
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(M, -1).mean(1)


def ensemble_batches(task, seeds, n_batches: int):
    from fragility_core.rng import generator
    from fragility_core.science.training import batch_indices, member_inputs

    gens = [generator(s, "benchmark", "shuffle") for s in seeds]
    order = batch_indices(gens, task.train.x.shape[0], BATCH, device=torch.device("cpu"), min_batches=n_batches)
    return [member_inputs(task.train.x, task.train.y, idx) for idx in order[:n_batches]]


class PlainTrainer:
    """Leaf copies of a fresh engine's tensors, a fused Adam, and a step = loss, backward, Adam, masks."""

    def __init__(self, members: int, loss_fn):
        from fragility_core.models.gru import EnsembleGRU
        from fragility_core.science.training import make_adam

        self.net = EnsembleGRU(range(1, members + 1), hidden=HIDDEN, steps=STEPS)
        self.params = [p.detach().clone().requires_grad_() for p in [*self.net.weights, *self.net.biases]]
        self.opt = make_adam(self.params, LR, torch.device("cpu"))
        self.masks = [(w, self.net.active(k).to(w.dtype)) for k, w in enumerate(self.params[:3])
                      if not bool(self.net.active(k).all())]
        self.loss_fn = loss_fn

    def step(self, xb, yb) -> None:
        per_member = self.loss_fn(xb, yb, *self.params)
        self.opt.zero_grad(set_to_none=True)
        per_member.sum().backward()
        self.opt.step()
        with torch.no_grad():
            for w, m in self.masks:
                w.mul_(m)


def autograd_row(task, members: int, warmup: int, timed: int) -> dict:
    trainer = PlainTrainer(members, plain_loss)
    batches = ensemble_batches(task, trainer.net.seeds, warmup + timed)
    with torch.no_grad():  # the same function as the engine's (before any step)
        xb, yb = batches[0]
        engine_loss = torch.nn.functional.cross_entropy(trainer.net(xb).flatten(0, 1), yb.flatten(),
                                                        reduction="none").view(members, -1).mean(1)
        diff = (plain_loss(xb, yb, *trainer.params) - engine_loss).abs().max().item()
    torch.set_flush_denormal(True)
    with Meter() as meter:
        seconds = time_steps(trainer.step, batches, warmup)
    return training_row("autograd", members, seconds, meter.other,
                        "same math, ordinary torch ops on the ensemble's tensors (baddbmm), autograd backward, fused "
                        f"Adam, masks; its loss equals the engine's to {diff:.1e}; median of {len(seconds)} batches "
                        f"after {warmup} warm-up x {EPOCH_BATCHES} / members")


class _Timeout(Exception):
    pass


def compiled_rows(task, members: int, warmup: int, timed: int, timeout: float) -> list[dict]:
    """torch.compile of plain_loss: the first call (compilation) and the steady state, or why not."""
    base = {"members": members, "rows": BATCH}
    failed = lambda reason: [{**base, "name": "compiled", "per": "member-epoch", "seconds": float("nan"),  # noqa: E731
                              "gflop_per_s": float("nan"), "timed": 0, "other_cpu_cores": float("nan"),
                              "notes": f"torch.compile failed: {reason}"[:500].replace("\n", " ")}]
    try:
        trainer = PlainTrainer(members, torch.compile(plain_loss))
        batches = ensemble_batches(task, trainer.net.seeds, 1 + warmup + timed)
    except Exception as e:  # noqa: BLE001 -- any failure is a result here
        return failed(f"{type(e).__name__}: {e}")
    alarm = hasattr(signal, "SIGALRM")
    if alarm:
        def on_alarm(*_):
            raise _Timeout(f"compilation took longer than {timeout:.0f} s")
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(max(1, int(timeout)))
    torch.set_flush_denormal(True)
    try:
        with Meter() as meter:
            t0 = time.perf_counter()
            trainer.step(*batches[0])
            compile_s = time.perf_counter() - t0
    except BaseException as e:  # noqa: BLE001 -- a timeout may arrive wrapped in dynamo's own exception
        if isinstance(e, KeyboardInterrupt):
            raise
        return failed(f"{type(e).__name__}: {e}")
    finally:
        if alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    rows = [{**base, "name": "compile-time", "per": "call", "seconds": compile_s, "gflop_per_s": float("nan"),
             "timed": 1, "other_cpu_cores": meter.other,
             "notes": "wall time of the first compiled training step (dynamo + inductor, forward and backward graphs)"}]
    try:
        torch.set_flush_denormal(True)
        with Meter() as meter:
            seconds = time_steps(trainer.step, batches[1:], warmup)
    except Exception as e:  # noqa: BLE001
        return rows + failed(f"after compiling: {type(e).__name__}: {e}")
    rows.append(training_row("compiled", members, seconds, meter.other,
                             "torch.compile(plain autograd loss) (default mode; backward via AOTAutograd), eager fused "
                             f"Adam and masks; steady state: median of {len(seconds)} batches after {warmup} warm-up "
                             f"x {EPOCH_BATCHES} / members"))
    return rows


# ------------------------------------------------------------------------------------------------------
# 6: the arithmetic floor
# ------------------------------------------------------------------------------------------------------
def floor_rows(members: int, warmup: int, timed: int) -> list[dict]:
    g = torch.Generator().manual_seed(0)
    M, B, H = members, BATCH, HIDDEN
    h = torch.randn(M, B, H, generator=g)
    w = torch.randn(M, H, 3 * H, generator=g) / math.sqrt(H)
    w_t = w.transpose(1, 2).contiguous()
    h_t = h.transpose(1, 2).contiguous()
    dgh = torch.randn(M, B, 3 * H, generator=g)
    gh, dh, dw = torch.empty(M, B, 3 * H), torch.empty(M, B, H), torch.empty(M, H, 3 * H)

    def batch(*_):
        for _ in range(STEPS):
            torch.bmm(h, w, out=gh)        # forward: h W_hh
        for _ in range(STEPS):
            torch.bmm(dgh, w_t, out=dh)    # backward: the error through W_hh
            torch.bmm(h_t, dgh, out=dw)    # backward: W_hh's gradient

    with Meter() as meter:
        seconds = time_steps(batch, [(None, None)] * (warmup + timed), warmup)
    row = training_row("floor", members, seconds, meter.other,
                       f"only the recurrent products of one training step: {STEPS} x bmm [{B},{H}]x[{H},{3 * H}] "
                       f"forward + {STEPS} x 2 backward ([{B},{3 * H}]x[{3 * H},{H}], [{H},{B}]x[{B},{3 * H}]), "
                       f"dense, {M} members, preallocated outputs; median of {len(seconds)} after {warmup} warm-up "
                       f"x {EPOCH_BATCHES} / members")
    implied = NOMINAL_GFLOP / row["gflop_per_s"]
    return [row, {"name": "floor-implied", "members": 1, "rows": BATCH, "per": "member-epoch", "seconds": implied,
                  "gflop_per_s": row["gflop_per_s"], "timed": 0, "other_cpu_cores": float("nan"),
                  "notes": f"nominal {NOMINAL_GFLOP:.0f} GFLOP per member-epoch (20 steps x 3*384^2 MACs x 12,000 "
                           "samples x 2 FLOP x 3 for forward + backward) at the floor's measured GFLOP/s"}]


# ------------------------------------------------------------------------------------------------------
# 7: a sparse recurrent product
# ------------------------------------------------------------------------------------------------------
def sparse_rows(rows_list, calls: int, warmup: int) -> list[dict]:
    from fragility_core.models.gru import EnsembleGRU
    from fragility_core.science.connectivity import prune_magnitude

    net = EnsembleGRU([1], hidden=HIDDEN, steps=STEPS)
    prune_magnitude(net, 0.95)
    w = net.weights[1][0].detach()                    # [384, 1152], stored [in, out]
    nnz = int((w != 0).sum())
    with warnings.catch_warnings():                   # "sparse CSR support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        w_csr = w.T.contiguous().to_sparse_csr()      # [1152, 384]: W^T h^T = (h W)^T
    g = torch.Generator().manual_seed(0)
    out = []
    for rows in rows_list:
        h = torch.relu(torch.randn(rows, HIDDEN, generator=g))
        h_t = h.T.contiguous()                        # a recurrence could keep its state as [384, rows] throughout
        torch.testing.assert_close((w_csr @ h_t).T, h @ w, rtol=1e-4, atol=1e-5)
        timings = {}
        for name, fn in (("dense-mm", lambda: h @ w), ("csr-mm", lambda: w_csr @ h_t)):
            with Meter() as meter:
                seconds = time_steps(lambda *_: fn(), [(None, None)] * (warmup + calls), warmup)
            timings[name] = (statistics.median(seconds), meter.other, len(seconds))
        dense_s, sparse_s = timings["dense-mm"][0], timings["csr-mm"][0]
        verdict = (f"sparse is {dense_s / sparse_s:.2f}x faster" if sparse_s < dense_s
                   else f"sparse is {sparse_s / dense_s:.2f}x slower")
        out.append({"name": "dense-mm", "members": 1, "rows": rows, "per": "call", "seconds": dense_s,
                    "gflop_per_s": 2 * rows * HIDDEN * 3 * HIDDEN / dense_s / 1e9, "timed": timings["dense-mm"][2],
                    "other_cpu_cores": timings["dense-mm"][1],
                    "notes": f"h [{rows},{HIDDEN}] @ W_hh [{HIDDEN},{3 * HIDDEN}] dense (95 % zeros), forward only; "
                             f"median of {timings['dense-mm'][2]} calls"})
        out.append({"name": "csr-mm", "members": 1, "rows": rows, "per": "call", "seconds": sparse_s,
                    "gflop_per_s": 2 * rows * nnz / sparse_s / 1e9, "timed": timings["csr-mm"][2],
                    "other_cpu_cores": timings["csr-mm"][1],
                    "notes": f"W_hh^T as torch.sparse_csr ({nnz:,} non-zeros, {nnz / w.numel():.1%}) @ h^T "
                             f"[{HIDDEN},{rows}], forward only, GFLOP/s of the non-zeros; {verdict} than dense-mm"})
    return out


# ------------------------------------------------------------------------------------------------------
# driver
# ------------------------------------------------------------------------------------------------------
def table(df) -> str:
    loop = df.loc[df["name"] == "loop", "seconds"]
    lines = [["name", "members", "rows", "per", "seconds", "GFLOP/s", "vs loop", "other load"]]
    for r in df.itertuples():
        if r.per == "call":
            sec = f"{r.seconds * 1e6:,.0f} us" if r.seconds < 0.1 else f"{r.seconds:.2f} s"
        else:
            sec = f"{r.seconds:.3f}"
        vs = (f"{loop.iloc[0] / r.seconds:.2f}x" if r.per == "member-epoch" and len(loop) and r.seconds == r.seconds
              else "")
        lines.append([r.name, str(r.members), str(r.rows), r.per, sec,
                      "" if r.gflop_per_s != r.gflop_per_s else f"{r.gflop_per_s:.1f}", vs,
                      "" if r.other_cpu_cores != r.other_cpu_cores else f"{r.other_cpu_cores:.2f}"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    fmt = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([fmt(lines[0]), fmt(["-" * w for w in widths])] + [fmt(line) for line in lines[1:]])


def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.gru_engine", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=10, help="engine, autograd and floor ensemble size (default 10)")
    p.add_argument("--warmup", type=int, default=3, help="untimed batches before the timed ones (default 3)")
    p.add_argument("--batches", type=int, default=10, help="timed batches per training row (default 10)")
    p.add_argument("--loop-batches", type=int, default=30, help="timed batches of the one-member loop (default 30)")
    p.add_argument("--calls", type=int, default=200, help="timed calls per sparse/dense product (default 200)")
    p.add_argument("--compile", dest="compile", action="store_true", default=None,
                   help="measure torch.compile (the default, except with --quick)")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="skip torch.compile")
    p.add_argument("--compile-timeout", type=float, default=300.0,
                   help="give up compiling after this many seconds (default 300)")
    p.add_argument("--threads", type=int, default=0, help="intra-op threads, 0 = PyTorch's default")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run of seconds: 2 members, 1 warm-up and 2 timed batches, 20 calls, no compile")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    if args.quick:
        args.members, args.warmup, args.batches, args.loop_batches, args.calls = 2, 1, 2, 2, 20
    if args.compile is None:
        args.compile = not args.quick
    for name in ("members", "batches", "loop_batches", "calls"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0 or args.threads < 0 or args.compile_timeout <= 0:
        p.error("--warmup and --threads must be at least 0, --compile-timeout positive")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    import pandas as pd

    from fragility_core.science.data import BlobTask, TaskSpec

    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    task = BlobTask.generate(TaskSpec(n_train=N_TRAIN))
    cpu = platform.processor() or "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"{cpu}, {torch.get_num_threads()} threads, torch {torch.__version__}; hidden {HIDDEN}, {STEPS} steps, "
          f"batch {BATCH}, {EPOCH_BATCHES} batches per member-epoch", file=sys.stderr)
    rows: list[dict] = []

    def report(new) -> None:
        for r in new if isinstance(new, list) else [new]:
            rows.append(r)
            unit = "s/member-epoch" if r["per"] == "member-epoch" else "s/call"
            print(f"  {r['name']:>16} x{r['members']:<3} {r['seconds']:.6g} {unit}", file=sys.stderr, flush=True)

    try:
        torch.set_flush_denormal(True)
        report(engine(task, args.members, args.warmup, args.batches, 0.0))
        report(engine(task, args.members, args.warmup, args.batches, 0.95))
        report(loop(task, args.warmup, args.loop_batches))
        report(autograd_row(task, args.members, args.warmup, args.batches))
        if args.compile:
            report(compiled_rows(task, args.members, args.warmup, args.batches, args.compile_timeout))
        else:
            report({"name": "compiled", "members": args.members, "rows": BATCH, "per": "member-epoch",
                    "seconds": float("nan"), "gflop_per_s": float("nan"), "timed": 0,
                    "other_cpu_cores": float("nan"), "notes": "skipped (--quick or --no-compile)"})
        report(floor_rows(args.members, args.warmup, args.batches))
        report(sparse_rows((BATCH, 10 * BATCH), args.calls, max(args.warmup, 1) * 5))
    finally:
        torch.set_flush_denormal(False)  # PyTorch's default (it has no getter to restore from)
        torch.set_num_threads(threads_before)
    df = pd.DataFrame(rows, columns=COLUMNS)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    csv = args.out_dir / "gru_engine.csv"
    df.to_csv(csv, index=False)
    print(table(df))
    busy = df["other_cpu_cores"].max()
    if busy == busy and busy > 0.25:
        print(f"warning: other processes used up to {busy:.2f} cores during a measurement; these are not the "
              "timings of a quiet machine", file=sys.stderr)
    print(f"wrote {csv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
