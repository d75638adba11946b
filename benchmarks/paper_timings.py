"""Wall time of the book's chapters at a profile, from their stage manifests (and optionally a timed run).

    .venv/bin/python -m benchmarks.paper_timings                    # tabulate results/paper/ (Markdown)
    .venv/bin/python -m benchmarks.paper_timings --run --results-dir /tmp/fresh   # time a fresh run first

Every stored stage's manifest carries the wall time of computing it (network stages are computed, and timed,
inside the first table that needs them; a stage loaded from the store costs nothing), so a chapter's compute
time is the sum over its manifests. ``--run`` first runs ``fragility run all`` into ``--results-dir`` (which
must hold no results of that profile, so that everything is computed) and records the end-to-end wall time,
notebooks and papermill included, and the peak resident memory of the largest child process.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from fragility_core.cli import CHAPTER_NOTEBOOKS
from fragility_core.compare.page import run_record
from fragility_core.store import ResultStore

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "results" / "benchmarks"


def chapter_timings(results_dir: Path, profile: str) -> pd.DataFrame:
    """One row per chapter with results: stages, compute wall time (s and min), commits, devices."""
    rows = []
    store = ResultStore(results_dir / profile, profile=profile, log=None)
    for chapter in CHAPTER_NOTEBOOKS:
        try:
            rec = run_record(store, chapter)
        except FileNotFoundError:
            continue
        rows.append({"chapter": chapter, "stages": len(rec["stages"]), "wall_s": round(rec["wall_time_s"], 1),
                     "wall_min": round(rec["wall_time_s"] / 60, 1), "devices": " ".join(rec["devices"]),
                     "git_commits": " ".join(rec["git_commits"])})
    if not rows:
        raise SystemExit(f"no {profile} results under {results_dir}")
    df = pd.DataFrame(rows)
    total = {"chapter": "total", "stages": int(df["stages"].sum()), "wall_s": round(df["wall_s"].sum(), 1),
             "wall_min": round(df["wall_s"].sum() / 60, 1), "devices": "", "git_commits": ""}
    return pd.concat([df, pd.DataFrame([total])], ignore_index=True)


def timed_run(results_dir: Path, profile: str, device: str) -> dict:
    if results_dir.joinpath(profile).exists() and any(results_dir.joinpath(profile).rglob("*.manifest.json")):
        raise SystemExit(f"{results_dir / profile} already holds results; --run needs an empty results dir "
                         "so that every stage is computed")
    cmd = [sys.executable, "-m", "fragility_core.cli", "run", "all", "--profile", profile, "--device", device,
           "--results-dir", str(results_dir), "--output-dir", str(results_dir / "notebooks"), "--no-progress"]
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"command": " ".join(cmd), "started_utc": started.isoformat(timespec="seconds"),
            "end_to_end_wall_s": round(wall, 1), "peak_child_rss_mb": round(rss_kb / 1024, 1),
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--results-dir", type=Path, default=ROOT / "results")
    ap.add_argument("--run", action="store_true", help="run every chapter into --results-dir first, timed")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    record = timed_run(args.results_dir, args.profile, args.device) if args.run else None
    df = chapter_timings(args.results_dir, args.profile)
    print(df.to_markdown(index=False))
    if record is not None:
        print(json.dumps(record, indent=1))
        args.out_dir.mkdir(parents=True, exist_ok=True)
        df.to_csv(args.out_dir / f"{args.profile}_timings.csv", index=False)
        (args.out_dir / f"{args.profile}_run.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
