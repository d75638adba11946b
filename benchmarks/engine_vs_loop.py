"""The batched engine against the straightforward per-seed loop, on the same work, side by side.

    .venv/bin/python -m benchmarks.engine_vs_loop                 # the default run (about 10 minutes, 2 cores)
    .venv/bin/python -m benchmarks.engine_vs_loop --quick         # a 2-minute look
    .venv/bin/python -m benchmarks.engine_vs_loop --report --markdown   # re-print the last result, as Markdown

The work is the volume's unit of cost, the member-epoch: one 2-512-512-256-4 network, one pass over the
12,000 training samples of the four-blob task in batches of 128 (Adam, lr 1e-3, a fresh shuffle per epoch).

* ``loop``: ``fragility_core.models.reference`` -- one ``nn.Sequential`` and one ``torch.optim.Adam`` per seed, trained
  seed after seed, with PyTorch's default threads and no flush-to-zero: the code a researcher would write from
  the Methods. ``loop-1t`` is the same with one intra-op thread.
* ``engine``: ``EnsembleMLP`` + ``train`` -- all members in one stacked network (``torch.baddbmm``), fused Adam,
  denormals flushed, at 1, 10, 30 and 60 members.

Every (configuration, repeat) runs in its own fresh Python process, after an untimed warm-up in that process
(10 steps of the same code on a throwaway network), so each process's peak resident memory (``ru_maxrss``)
belongs to one configuration. Repeats are interleaved (every configuration once, then again), so a change
in background load falls on all of them alike; the table gives the median over repeats. The CPU time that
*other* processes took during each run is recorded (``/proc/stat`` minus the child's own CPU time): on a
2-core machine another busy process makes multi-threaded PyTorch many times slower, and the table says so.

Outputs (``--out-dir``, default ``results/benchmarks``): ``engine_vs_loop.csv`` (one row per configuration
and repeat), ``engine_vs_loop_epochs.csv`` (seconds per epoch), ``engine_vs_loop.json`` (machine, versions,
command, summary).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "results" / "benchmarks"
BATCH, LR, PURPOSE = 128, 1e-3, "baseline"
CONTENDED = 0.25  # other processes' mean CPU use (cores) above which a run is flagged

COLUMNS = ["config", "kind", "members", "threads", "epochs", "n_train", "device", "repeat", "seconds",
           "member_epochs", "s_per_member_epoch", "member_epochs_per_s", "peak_rss_mb", "other_cpu_cores",
           "loadavg_before"]


# ------------------------------------------------------------------------------------------------------
# worker: one configuration, in its own process
# ------------------------------------------------------------------------------------------------------
def _sync(device) -> None:
    if device.type == "cuda":
        import torch
        torch.cuda.synchronize(device)


def _loop(cfg: dict, x, y, device) -> tuple[float, list[float]]:
    """The reference loop over ``cfg['members']`` seeds; returns (seconds, seconds per epoch)."""
    from fragility_core.models.reference import reference_mlp, train_reference

    steps = math.ceil(x.shape[0] / BATCH)
    epoch_times: list[float] = []
    # warm-up: the same code, 10 steps, a throwaway network
    train_reference(reference_mlp(10_000).to(device), x[:10 * BATCH], y[:10 * BATCH], seed=10_000, epochs=1, lr=LR,
                    purpose="warm-up")
    _sync(device)
    total = 0.0
    for seed in range(1, cfg["members"] + 1):
        model = reference_mlp(seed).to(device)
        marks: list[float] = []
        calls = {"n": 0}

        def mark(_module, _inputs, marks=marks, calls=calls):  # the time at the first step of every epoch
            if calls["n"] % steps == 0:
                _sync(device)
                marks.append(time.perf_counter())
            calls["n"] += 1

        model.register_forward_pre_hook(mark)
        t0 = time.perf_counter()
        train_reference(model, x, y, seed=seed, epochs=cfg["epochs"], lr=LR, purpose=PURPOSE)
        _sync(device)
        t1 = time.perf_counter()
        total += t1 - t0
        marks.append(t1)
        epoch_times += [b - a for a, b in zip(marks[:-1], marks[1:])]
    return total, epoch_times


def _engine(cfg: dict, x, y, device) -> tuple[float, list[float]]:
    from fragility_core.models.mlp import EnsembleMLP
    from fragility_core.science.training import TrainSpec, train

    warm = EnsembleMLP(range(10_000, 10_000 + cfg["members"]), device=device)
    train(warm, x[:10 * BATCH], y[:10 * BATCH], TrainSpec(1, LR, BATCH), purpose="warm-up", progress=False)
    del warm
    _sync(device)
    net = EnsembleMLP(range(1, cfg["members"] + 1), device=device)
    marks = [time.perf_counter()]
    train(net, x, y, TrainSpec(cfg["epochs"], LR, BATCH), purpose=PURPOSE, progress=False,
          on_epoch_end=lambda epoch, _net: (_sync(device), marks.append(time.perf_counter())))
    return marks[-1] - marks[0], [b - a for a, b in zip(marks[:-1], marks[1:])]


def worker(cfg: dict) -> dict:
    import torch

    from fragility_core.science.data import BlobTask, TaskSpec
    from fragility_core.validate import resolve_device

    if cfg["threads"]:
        torch.set_num_threads(cfg["threads"])
    device = resolve_device(cfg["device"])
    task = BlobTask.generate(TaskSpec(n_train=cfg["n_train"]))
    x, y = task.train.x.to(device), task.train.y.to(device)
    seconds, epoch_times = (_loop if cfg["kind"] == "loop" else _engine)(cfg, x, y, device)
    out = {"seconds": seconds, "epoch_seconds": epoch_times, "threads_used": torch.get_num_threads(),
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if device.type == "cuda":
        out["peak_cuda_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    return out


# ------------------------------------------------------------------------------------------------------
# driver
# ------------------------------------------------------------------------------------------------------
def _busy_jiffies() -> int | None:
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal (guest is inside user)


def run_config(cfg: dict) -> dict:
    """Run one configuration in a fresh interpreter; returns its result and what the machine did meanwhile."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(cfg)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    busy0, t0 = _busy_jiffies(), time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    stdout = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall, busy1 = time.perf_counter() - t0, _busy_jiffies()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker failed ({proc.returncode}) for {cfg}")
    result = json.loads(stdout.strip().splitlines()[-1])
    if busy0 is not None and busy1 is not None:
        other = (busy1 - busy0) / os.sysconf("SC_CLK_TCK") - (usage.ru_utime + usage.ru_stime)
        result["other_cpu_cores"] = max(other, 0.0) / wall
    else:
        result["other_cpu_cores"] = float("nan")
    result["loadavg_before"] = load
    return result


def other_load(seconds: float = 5.0) -> float:
    """Cores used by other processes over the next ``seconds`` (this driver sleeps meanwhile)."""
    busy0 = _busy_jiffies()
    time.sleep(seconds)
    busy1 = _busy_jiffies()
    if busy0 is None or busy1 is None:
        return 0.0
    return (busy1 - busy0) / os.sysconf("SC_CLK_TCK") / seconds


def wait_until_quiet(deadline: float) -> bool:
    """Wait (until ``deadline``, a ``time.monotonic()``) for other processes to use < CONTENDED cores."""
    announced = False
    while True:
        load = other_load()
        if load < CONTENDED:
            return True
        if time.monotonic() > deadline:
            return False
        if not announced:
            print(f"  other processes use {load:.2f} cores; waiting for a quiet machine ...", file=sys.stderr, flush=True)
            announced = True
        time.sleep(25)


def measure(cfg: dict, quiet_wait: float, retries: int = 3) -> dict:
    """``run_config``; with ``quiet_wait`` > 0, start on a quiet machine and re-run a run that other load disturbed."""
    deadline = time.monotonic() + quiet_wait
    for attempt in range(retries + 1):
        if quiet_wait > 0:
            wait_until_quiet(deadline)
        res = run_config(cfg)
        if quiet_wait <= 0 or res["other_cpu_cores"] <= CONTENDED or time.monotonic() > deadline or attempt == retries:
            return res
        print(f"  {cfg['config']} x{cfg['members']}: other processes used {res['other_cpu_cores']:.2f} cores; "
              "discarded, running it again", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


def configs(args) -> list[dict]:
    common = {"n_train": args.n_train, "device": args.device}
    out = [{"config": "loop", "kind": "loop", "members": args.loop_seeds, "threads": 0, "epochs": args.loop_epochs,
            **common}]
    if not args.no_loop_1t:
        out.append({"config": "loop-1t", "kind": "loop", "members": args.loop_seeds, "threads": 1,
                    "epochs": args.loop_epochs, **common})
    for threads in args.engine_threads:
        for m in args.members:
            name = "engine" if threads == 0 else f"engine-{threads}t"
            out.append({"config": name, "kind": "engine", "members": m, "threads": threads, "epochs": args.epochs,
                        **common})
    return out


def machine_info(args) -> dict:
    import torch

    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "fragility_core", "benchmarks"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
        "python": platform.python_version(), "torch": torch.__version__,
        "torch_default_threads": torch.get_num_threads(), "device": args.device,
        "cuda": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else None,
        "git_commit": commit, "command": " ".join(["python -m benchmarks.engine_vs_loop", *sys.argv[1:]]),
    }


def summarise(rows):
    """Median seconds per member-epoch per configuration; the speed-up is against the default-thread loop."""
    import pandas as pd

    df = pd.DataFrame(rows)
    g = df.groupby(["config", "members"], sort=False)
    s = g.agg(kind=("kind", "first"), threads=("threads", "first"), epochs=("epochs", "first"),
              repeats=("repeat", "nunique"), s_per_member_epoch=("s_per_member_epoch", "median"),
              peak_rss_mb=("peak_rss_mb", "max"), other_cpu_cores=("other_cpu_cores", "max")).reset_index()
    s["member_epochs_per_s"] = 1.0 / s["s_per_member_epoch"]
    loop = s.loc[s["config"] == "loop", "s_per_member_epoch"]
    s["speedup_vs_loop"] = (loop.iloc[0] / s["s_per_member_epoch"]) if len(loop) else float("nan")
    return s


def table(summary, markdown: bool = False) -> str:
    head = ["config", "members", "threads", "epochs timed", "s per member-epoch", "member-epochs/s",
            "speed-up vs loop", "peak RSS (MB)", "other load (cores)"]
    lines = []
    for r in summary.itertuples():
        lines.append([r.config, str(r.members), "default" if r.threads == 0 else str(r.threads), str(r.epochs),
                      f"{r.s_per_member_epoch:.3f}", f"{r.member_epochs_per_s:.2f}", f"{r.speedup_vs_loop:.2f}x",
                      f"{r.peak_rss_mb:,.0f}", f"{r.other_cpu_cores:.2f}"])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in lines])


def loop_epochs_table(epoch_rows, markdown: bool = False, block: int = 5) -> str:
    """The loop's seconds per epoch (median over seeds and repeats) in blocks of ``block`` epochs.

    Adam's moments drift into denormal floats as training proceeds; where the CPU penalises denormal
    arithmetic, the later blocks are slower than the first.
    """
    import pandas as pd

    df = pd.DataFrame(epoch_rows)
    df = df[df["config"].str.startswith("loop")]
    if df.empty:
        return ""
    df = df.assign(block=(df["epoch"] - 1) // block)
    med = df.groupby(["config", "block"], sort=False)["seconds"].median().unstack()
    last = int(df["epoch"].max())
    names = [f"epochs {b * block + 1}-{min((b + 1) * block, last)}" for b in med.columns]
    rows = [[cfg] + [f"{v:.3f}" for v in med.loc[cfg]] for cfg in med.index]
    head = ["loop s/epoch"] + names
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|---" + "|---:" * len(names) + "|"]
                         + ["| " + " | ".join(r) + " |" for r in rows])
    return "\n".join("  ".join(c.rjust(14) if i else c.ljust(12) for i, c in enumerate(r)) for r in [head] + rows)


def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.engine_vs_loop", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, nargs="+", default=[1, 10, 30, 60], help="engine ensemble sizes")
    p.add_argument("--epochs", type=int, default=2, help="epochs timed per engine run (default 2)")
    p.add_argument("--loop-epochs", type=int, default=20,
                   help="epochs timed per seed of the loop (default 20, the published baseline's length)")
    p.add_argument("--loop-seeds", type=int, default=2, help="seeds the loop trains, one after another (default 2)")
    p.add_argument("--repeats", type=int, default=3, help="runs of every configuration; the table shows medians")
    p.add_argument("--engine-threads", type=int, nargs="+", default=[0, 1],
                   help="intra-op threads for the engine, 0 = PyTorch's default (default: 0 1)")
    p.add_argument("--no-loop-1t", action="store_true", help="skip the one-thread loop row")
    p.add_argument("--n-train", type=int, default=12_000, help="training samples (default: the published 12,000)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--quick", action="store_true",
                   help="a short look: members 1 10 30 at default threads, 1 engine epoch, 5 loop epochs, 1 repeat")
    p.add_argument("--quiet-wait", type=float, default=0.0, metavar="SECONDS",
                   help="on a shared machine: before each run wait (at most SECONDS in all per run) until other "
                        "processes use < 0.25 cores, and re-run a run they disturbed (default 0: no waiting)")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the book)")
    p.add_argument("--report", action="store_true", help="run nothing: print the table of the CSV in --out-dir")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.members, args.epochs, args.loop_epochs, args.repeats, args.engine_threads = [1, 10, 30], 1, 5, 1, [0]
    for name in ("epochs", "loop_epochs", "loop_seeds", "repeats", "n_train"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if min(args.members) < 1 or min(args.engine_threads) < 0:
        p.error("--members must be at least 1 and --engine-threads at least 0")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    import pandas as pd

    csv, epochs_csv, info_json = (args.out_dir / f"engine_vs_loop{s}" for s in (".csv", "_epochs.csv", ".json"))
    if args.report:
        rows = pd.read_csv(csv).to_dict("records")
        info = json.loads(info_json.read_text())
        print(f"{info['date']} | {info['cpu']}, {info['usable_cpus']} cores | torch {info['torch']} | {info['device']}")
        print(table(summarise(rows), args.markdown))
        print()
        print(loop_epochs_table(pd.read_csv(epochs_csv).to_dict("records"), args.markdown))
        return 0
    from fragility_core.validate import resolve_device

    resolve_device(args.device)  # fail before any compute
    info = machine_info(args)
    cfgs = configs(args)
    rows, epoch_rows = [], []
    print(f"{info['cpu']}, {info['usable_cpus']} usable cores, torch {info['torch']} "
          f"({info['torch_default_threads']} threads by default), device {args.device}", file=sys.stderr)
    for rep in range(1, args.repeats + 1):
        for cfg in cfgs:
            res = measure(cfg, args.quiet_wait)
            member_epochs = cfg["members"] * cfg["epochs"]
            row = {**{k: cfg[k] for k in ("config", "kind", "members", "epochs", "n_train", "device")},
                   "threads": cfg["threads"], "repeat": rep, "seconds": res["seconds"], "member_epochs": member_epochs,
                   "s_per_member_epoch": res["seconds"] / member_epochs,
                   "member_epochs_per_s": member_epochs / res["seconds"], "peak_rss_mb": res["peak_rss_mb"],
                   "other_cpu_cores": res["other_cpu_cores"], "loadavg_before": res["loadavg_before"]}
            rows.append(row)
            for i, sec in enumerate(res["epoch_seconds"]):  # the loop times each of its seeds in turn
                epoch_rows.append({"config": cfg["config"], "members": cfg["members"], "repeat": rep,
                                   "seed_index": i // cfg["epochs"], "epoch": i % cfg["epochs"] + 1,
                                   "seconds": sec})
            flag = "  (other processes busy)" if res["other_cpu_cores"] > CONTENDED else ""
            print(f"[{rep}/{args.repeats}] {cfg['config']:>9} x{cfg['members']:<3} {row['s_per_member_epoch']:.3f} "
                  f"s/member-epoch, peak {row['peak_rss_mb']:,.0f} MB, other load {res['other_cpu_cores']:.2f} "
                  f"cores{flag}", file=sys.stderr, flush=True)
    summary = summarise(rows)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(csv, index=False)
    pd.DataFrame(epoch_rows).to_csv(epochs_csv, index=False)
    info["started"], info["date"] = info["date"], dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info["summary"] = summary.to_dict("records")
    info["max_other_cpu_cores"] = float(pd.DataFrame(rows)["other_cpu_cores"].max())
    info_json.write_text(json.dumps(info, indent=2, default=float) + "\n")
    print(f"{info['date']} | {info['cpu']}, {info['usable_cpus']} cores | torch {info['torch']} | {args.device}")
    print(table(summary, args.markdown))
    print()
    print(loop_epochs_table(epoch_rows, args.markdown))
    if info["max_other_cpu_cores"] > CONTENDED:
        print(f"warning: other processes used up to {info['max_other_cpu_cores']:.2f} cores during a run; "
              "the timings are not those of a quiet machine", file=sys.stderr)
    print(f"wrote {csv}, {epochs_csv.name}, {info_json.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
