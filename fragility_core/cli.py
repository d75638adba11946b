"""``fragility``: compute chapters, render their pages, report what is stale, build the book.

    fragility compute ch05 --profile paper --seeds 0 1 2   # a chapter's stages as a plain process
    fragility compute ch05 --executor dask --local-workers 2   # seed shards on Dask workers (same tables)
    fragility run ch01 --profile paper                     # compute, then execute its page (papermill)
    fragility status [ch03]                                # each stage: fresh / stale / damaged / missing
    fragility compute ch01 --seeds $(seq 500 529)          # the further seeds a single-seed page places its numbers among
    fragility book                                         # flag stale pages, build the site (-W)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fragility_core.chapters import get_chapter, reproduced_chapters
from fragility_core.runs import Run
from fragility_core.validate import check_writable_dir


def _runs(chapters: list[str], args) -> list[Run]:
    """Every requested run, validated before any of them computes."""
    keys = [c.key for c in reproduced_chapters()] if chapters == ["all"] else chapters
    runs = []
    for key in keys:
        chapter = get_chapter(key)
        runs.append(Run.of(chapter, profile=args.profile, seeds=args.seeds, device=getattr(args, "device", "cpu"),
                           results_dir=args.results_dir, max_members=getattr(args, "max_members", None),
                           device_here=getattr(args, "executor", "serial") != "dask"))
    return runs


def _run_args(p: argparse.ArgumentParser, *, device: bool = True, chapters: str = "+") -> None:
    p.add_argument("chapters", nargs=chapters,
                   help=f"{', '.join(c.key for c in reproduced_chapters())} or 'all'")
    p.add_argument("--profile", default=None, help="paper (the default for chapters 1-8), cpu (chapter 10's default), quick or smoke")
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="override the chapter's published seeds")
    if device:
        p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.add_argument("--results-dir", default="results", help="results root (default: results/)")
    if device:
        p.add_argument("--max-members", type=int, default=None,
                       help="members trained at once, at least 4 (default: as many as half the free memory holds); a longer "
                       "seed list is computed in chunks with the same results")


def _executor(args):
    """The executor the flags ask for (validated before any worker starts)."""
    dask_flags = [f for f, v in (("--scheduler", args.scheduler), ("--local-workers", args.local_workers)) if v]
    if args.executor != "dask":
        if dask_flags:
            raise ValueError(f"{' and '.join(dask_flags)} need --executor dask")
        return None
    if len(dask_flags) > 1:
        raise ValueError("--scheduler and --local-workers exclude each other (a running cluster, or a local one)")
    if args.local_workers is not None and args.local_workers < 1:
        raise ValueError(f"--local-workers must be at least 1, got {args.local_workers}")
    from fragility_core.cluster import DaskExecutor

    if args.scheduler:
        return DaskExecutor.connect(args.scheduler)
    return DaskExecutor.local(args.local_workers)


def cmd_compute(args) -> int:
    runs = _runs(args.chapters, args)
    executor = _executor(args)
    try:
        for run in runs:
            run.compute(progress=not args.no_progress, executor=executor)
            print(f"{run.chapter.key}: computed -> {run.root} (index {run.index_path})")
    finally:
        if executor is not None:
            executor.close()
    return 0


def cmd_run(args) -> int:
    from fragility_core import book

    if args.output_dir is not None:
        check_writable_dir("--output-dir", args.output_dir)
    reproduced = [c for c in args.chapters if c == "all" or get_chapter(c).is_reproduced]
    published_only = [get_chapter(c) for c in args.chapters if c != "all" and not get_chapter(c).is_reproduced]
    runs = _runs(reproduced, args) if reproduced else []
    for chapter in published_only:
        print(f"{chapter.key}: published values only -> {book.render_published_page(chapter, args.output_dir)}")
    for run in runs:
        run.compute(progress=not args.no_progress)
        page = book.render_chapter(run, output_dir=args.output_dir, progress=not args.no_progress)
        print(f"{run.chapter.key}: executed -> {page}")
    if runs:
        results = runs[0].results_dir
        if all(r.is_published_run for r in runs):
            profile = "book"
        elif all(r.published_seeds for r in runs) and len({r.profile for r in runs}) == 1:
            profile = runs[0].profile
        else:
            profile = None
        if profile is not None:
            print(f"scorecard: executed -> {book.render_scorecard(profile=profile, results_dir=results, output_dir=args.output_dir)}")
    return 0


def cmd_status(args) -> int:
    from fragility_core import book

    runs = _runs(args.chapters or ["all"], args)
    further = [run.fresh() for run in runs if run.published_seeds]
    runs += [f for f in further if f is not None and f.index_path.exists()]   # a page's further seeds, once computed
    statuses = [(run, run.status()) for run in runs]
    width = max((len(r.name) for _, records in statuses for r in records), default=10)
    not_fresh, certified = 0, 0
    for run, records in statuses:
        print(f"{run.chapter.key}  ({run.name}, seeds {list(run.seeds)})")
        store = run.store("plan", log=None)
        for r in records:
            wall = f"{r.wall_time_s:9.1f} s" if r.wall_time_s is not None else "        —  "
            m = store.manifest(r.name, r.key) if r.path else None
            where = f"  ({m.get('cpu') or 'unrecorded processor'})" if m else ""
            mark = "  certified" if r.certified else ""
            print(f"  {r.name:<{width}}  {r.status:<8} {wall}  {r.key}{mark}{where}")
            not_fresh += r.status != "fresh"
            certified += r.certified
    if certified:
        print(f"{certified} tables are certified: computed by an earlier code version whose smoke-profile results the "
              f"current code reproduces byte for byte (fragility certify)")
    if not args.chapters and Path(args.results_dir).resolve() == (book.ROOT / "results").resolve():
        current = book.CurrentTables()   # the book's pages (which read the committed results)
        print("pages")
        for page in filter(Path.exists, book.pages()):
            reasons = book.page_staleness(page, current)
            print(f"  {page.stem:<{width}}  {'stale' if reasons else 'fresh':<8}" + (
                f"  {'; '.join(reasons)}" if reasons else ""))
            not_fresh += bool(reasons)
    return 1 if not_fresh else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fragility", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compute", help="compute a chapter's stages (no notebook)")
    _run_args(c)
    c.add_argument("--no-progress", action="store_true", help="silence progress bars")
    c.add_argument("--executor", choices=("serial", "dask"), default="serial",
                   help="where seed shards are computed: this process (default) or Dask workers (pip install -e "
                   "\".[cluster]\"); the tables are the same")
    c.add_argument("--scheduler", default=None, help="with --executor dask: the address of a running scheduler "
                   "(e.g. tcp://10.0.0.5:8786, or a dask-jobqueue cluster's)")
    c.add_argument("--local-workers", type=int, default=None, help="with --executor dask: a local cluster of N "
                   "single-threaded worker processes (default: one per core)")
    r = sub.add_parser("run", help="compute, then execute the chapter's page with papermill")
    _run_args(r)
    r.add_argument("--output-dir", default=None, help="where executed pages go (default: book/chapters for the "
                   "published run, _build/notebooks/<run> otherwise)")
    r.add_argument("--no-progress", action="store_true", help="silence progress bars")
    s = sub.add_parser("status", help="list each stage as fresh / stale / damaged / missing (exit 1 if any is not "
                       "fresh)")
    _run_args(s, device=False, chapters="*")
    k = sub.add_parser("certify", help="carry committed results over to the current code where its smoke profile is "
                       "byte-identical to the earlier code's (exit 1 if some stay stale)")
    k.add_argument("--results-dir", default="results")
    k.add_argument("--previous", default=None, metavar="REV", help="compute the earlier code's smoke fingerprint "
                   "from this commit first (where this processor has none)")
    b = sub.add_parser("book", help="flag stale pages, build the site from the executed pages (jupyter-book, -W)")
    b.add_argument("--results-dir", default="results")
    args = ap.parse_args(argv)
    parser = {"compute": c, "run": r, "status": s, "certify": k, "book": b}[args.command]
    if getattr(args, "results_dir", None):
        args.results_dir = str(Path(args.results_dir))
    try:
        if args.command == "compute":
            return cmd_compute(args)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "status":
            return cmd_status(args)
        if args.command == "certify":
            from fragility_core.store.certify import certify
            return certify(args.results_dir, previous=args.previous)
        from fragility_core import book
        return book.build(results_dir=args.results_dir)
    except ValueError as err:
        parser.error(str(err))
        return 2


if __name__ == "__main__":
    sys.exit(main())
