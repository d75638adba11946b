"""Wall time of the book's chapters at a profile, from their stage manifests (and optionally a timed run).

    .venv/bin/python -m benchmarks.paper_timings                    # tabulate results/paper/ (Markdown)
    .venv/bin/python -m benchmarks.paper_timings --run --results-dir /tmp/fresh   # time a fresh run first

Every stored stage's manifest carries the wall time of computing it (network stages are computed, and timed,
inside the first table that needs them; a stage loaded from the store costs nothing), so a chapter's compute
time is the sum over the manifests of the tables in its index; a stage shared by several chapters (the same
key) is counted once in the total. ``--run`` first runs ``fragility run all`` into ``--results-dir`` (which
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

from fragility_core.chapters import reproduced_chapters
from fragility_core.runs import Run

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "results" / "benchmarks"


def chapter_timings(results_dir: Path, profile: str) -> pd.DataFrame:
    """One row per chapter with results: its table stages and their compute wall time (s and min), the part
    not already counted for an earlier chapter (stages are shared by key), commits and devices. The total
    counts every stage once."""
    rows, seen = [], {}
    for chapter in reproduced_chapters():
        run = Run.of(chapter, profile=profile, results_dir=results_dir)
        index = run.read_index()
        if not index:
            continue
        manifests = {(name, key): json.loads((run.root / "stages" / name / f"{key}.manifest.json").read_text())
                     for name, key in index.items()}
        own = {k: m for k, m in manifests.items() if k not in seen}
        seen.update(manifests)
        wall = sum(m["wall_time_s"] for m in manifests.values())
        rows.append({"chapter": chapter.key, "stages": len(manifests), "wall_s": round(wall, 1),
                     "wall_min": round(wall / 60, 1),
                     "not_shared_s": round(sum(m["wall_time_s"] for m in own.values()), 1),
                     "devices": " ".join(sorted({m["device"] for m in manifests.values()})),
                     "git_commits": " ".join(sorted({m["git_commit"][:10] for m in manifests.values()}))})
    if not rows:
        raise SystemExit(f"no {profile} results under {results_dir}")
    df = pd.DataFrame(rows)
    unique = sum(m["wall_time_s"] for m in seen.values())
    total = {"chapter": "total (each stage once)", "stages": len(seen), "wall_s": round(unique, 1),
             "wall_min": round(unique / 60, 1), "not_shared_s": round(unique, 1), "devices": "", "git_commits": ""}
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
