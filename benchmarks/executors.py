"""A chapter computed serially and sharded over Dask workers: the wall times, and whether the tables are the
committed ones byte for byte.

    .venv/bin/python -m benchmarks.executors                       # chapter 5 at the paper profile, ~12 min here
    .venv/bin/python -m benchmarks.executors --chapter ch05 --profile smoke --workers 2   # a quick check

Each executor computes the chapter from nothing into its own temporary results directory (``fragility compute``
in a fresh process, progress bars off); the tables of its index are then compared with those committed under
``results/<profile>/``. On a 2-core machine two single-threaded workers do the work of one two-threaded process:
this is a check that sharding changes no number, not a speed-up. Writes
``results/benchmarks/executors-<chapter>-<profile>.json``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.engine_vs_loop import _busy_jiffies, machine_info

ROOT = Path(__file__).resolve().parent.parent


def _tables(root: Path, chapter: str) -> dict[str, tuple[str, str]]:
    """The tables of a run's index: name -> (key, SHA-256 of the file)."""
    index = json.loads((root / chapter / "index.json").read_text())["tables"]
    return {name: (key, hashlib.sha256((root / "stages" / name / f"{key}.csv").read_bytes()).hexdigest())
            for name, key in sorted(index.items())}


def _shards(root: Path, chapter: str) -> list[list[int]]:
    """The seed shards a run's tables were assembled from (one shard: computed as one batch)."""
    index = json.loads((root / chapter / "index.json").read_text())
    name, key = sorted(index["tables"].items())[0]
    manifest = json.loads((root / "stages" / name / f"{key}.manifest.json").read_text())
    return manifest.get("merged_from_shards", [index["seeds"]])


def timed(chapter: str, profile: str, results_dir: Path, executor: list[str]) -> dict:
    cmd = [str(Path(sys.executable).parent / "fragility"), "compute", chapter, "--profile", profile,
           "--results-dir", str(results_dir), "--no-progress", *executor]
    busy0, t0 = _busy_jiffies(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    busy1 = _busy_jiffies()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    cores = (busy1 - busy0) / os.sysconf("SC_CLK_TCK") / wall if None not in (busy0, busy1) else float("nan")
    return {"command": " ".join(["fragility", *cmd[1:]]), "wall_s": round(wall, 1),
            "machine_busy_cores": round(cores, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chapter", default="ch05")
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--workers", type=int, default=2, help="local Dask workers (single-threaded)")
    args = ap.parse_args(argv)
    committed_root = ROOT / "results" / args.profile
    committed = _tables(committed_root, args.chapter)
    runs = []
    with tempfile.TemporaryDirectory(prefix="executors-") as tmp:
        for name, flags in (("serial", []),
                            ("dask", ["--executor", "dask", "--local-workers", str(args.workers)])):
            print(f"{name}: computing {args.chapter} at {args.profile} ...", flush=True)
            row = {"executor": name, "workers": args.workers if name == "dask" else 1,
                   **timed(args.chapter, args.profile, Path(tmp) / name, flags)}
            ours = _tables(Path(tmp) / name / args.profile, args.chapter)
            row["identical_to_committed"] = ours == committed
            row["shards"] = _shards(Path(tmp) / name / args.profile, args.chapter)
            row["tables"] = {t: {"key": k, "sha256": h} for t, (k, h) in ours.items()}
            print(f"  {row['wall_s']:.0f} s, identical to the committed tables: {row['identical_to_committed']}")
            runs.append(row)
    info = machine_info(argparse.Namespace(device="cpu"))
    info["command"] = " ".join(["python -m benchmarks.executors", *(argv if argv is not None else sys.argv[1:])])
    out = ROOT / "results" / "benchmarks" / f"executors-{args.chapter}-{args.profile}.json"
    out.write_text(json.dumps({"chapter": args.chapter, "profile": args.profile, "machine": info, "runs": runs},
                              indent=2) + "\n")
    print(f"-> {out.relative_to(ROOT)}")
    return 0 if all(r["identical_to_committed"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
