"""``fragility``: run chapters (papermill) and build the book.

    fragility run ch01 --profile paper            # execute notebooks/ch01_*.ipynb into book/chapters/
    fragility run all --profile smoke --output-dir _build/smoke
    fragility book                                # jupyter-book build from the executed notebooks
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from .profiles import PROFILES, get_profile
from .validate import check_choice, check_seeds, resolve_device

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_NOTEBOOKS = {"ch01": "ch01_overpruning.ipynb", "ch02": "ch02_pruning_cliff.ipynb",
                     "ch03": "ch03_consolidation.ipynb", "ch04": "ch04_mechanisms.ipynb",
                     "ch05": "ch05_manic_switch.ipynb", "ch06": "ch06_longitudinal.ipynb",
                     "ch07": "ch07_mood_stabiliser.ipynb"}
TEN_SEEDS = list(range(10))  # the volume does not name its ten seeds (A44)
DEFAULT_SEEDS = {"ch01": [42], "ch02": [42], "ch03": [42], "ch04": [42], "ch05": TEN_SEEDS, "ch06": TEN_SEEDS,
                 "ch07": TEN_SEEDS}


def run_chapter(chapter: str, *, profile: str = "paper", seeds: list[int] | None = None, device: str = "cpu",
                output_dir: str | Path | None = None, results_dir: str | Path | None = None,
                progress: bool = True, root: Path = ROOT) -> Path:
    """Validate every parameter, then execute the chapter notebook with papermill. Returns the executed path."""
    check_choice("chapter", chapter, CHAPTER_NOTEBOOKS)
    prof = get_profile(profile)
    seeds = list(check_seeds("seeds", DEFAULT_SEEDS[chapter] if seeds is None else seeds))
    resolve_device(device)
    output_dir = Path(output_dir) if output_dir else (
        root / "book" / "chapters" if prof.is_paper else root / "_build" / "notebooks" / prof.name)
    # the default is relative to the repository root (the kernel's cwd), so no local path lands in the book
    results_dir = str(Path(results_dir).resolve()) if results_dir else "results"
    import papermill  # imported late: a bad parameter fails fast, before the heavy import

    from .render_published import tidy_executed

    source = root / "notebooks" / CHAPTER_NOTEBOOKS[chapter]
    target = output_dir / CHAPTER_NOTEBOOKS[chapter]
    output_dir.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source), str(target), cwd=str(root), progress_bar=progress, kernel_name="python3",
        parameters=dict(profile=prof.name, seeds=seeds, device=device, results_dir=results_dir,
                        progress=progress))
    tidy_executed(target)
    return target


def run_scorecard(*, profile: str = "paper", results_dir: str | Path | None = None,
                  output_dir: str | Path | None = None, root: Path = ROOT) -> Path:
    """Execute the scorecard page from the chapters' exported comparison and claims tables."""
    prof = get_profile(profile)
    import papermill

    from .render_published import tidy_executed
    target = Path(output_dir or (root / "book" if prof.is_paper else root / "_build" / "notebooks" / prof.name))
    target.mkdir(parents=True, exist_ok=True)
    target = target / "scorecard.ipynb"
    papermill.execute_notebook(str(root / "notebooks" / "scorecard.ipynb"), str(target), cwd=str(root),
                               progress_bar=False, kernel_name="python3",
                               parameters=dict(profile=prof.name, results_dir=str(Path(results_dir).resolve())
                                               if results_dir else "results"))
    tidy_executed(target)
    return target


def build_book(root: Path = ROOT, *, clean: bool = True) -> int:
    if clean:
        shutil.rmtree(root / "_build" / "html", ignore_errors=True)
        shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(root), "-W", "-n", "--keep-going"]
    return subprocess.call(cmd)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fragility", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="execute chapter notebooks with papermill")
    r.add_argument("chapters", nargs="+", help=f"{', '.join(CHAPTER_NOTEBOOKS)} or 'all'")
    r.add_argument("--profile", default="paper", help=f"one of {', '.join(PROFILES)} (default: paper)")
    r.add_argument("--seeds", type=int, nargs="+", default=None, help="override the chapter's published seeds")
    r.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    r.add_argument("--output-dir", default=None, help="where executed notebooks go "
                   "(default: book/chapters for paper, _build/notebooks/<profile> otherwise)")
    r.add_argument("--results-dir", default=None, help="results root (default: results/)")
    r.add_argument("--no-progress", action="store_true", help="silence progress bars")
    sub.add_parser("book", help="build the site from the executed notebooks (jupyter-book, -W)")
    args = ap.parse_args(argv)
    try:
        if args.command == "run":
            chapters = list(CHAPTER_NOTEBOOKS) if args.chapters == ["all"] else args.chapters
            for ch in chapters:  # validate all before running any
                check_choice("chapter", ch, CHAPTER_NOTEBOOKS)
            get_profile(args.profile)
            if args.seeds is not None:
                check_seeds("seeds", args.seeds)
            resolve_device(args.device)
            for ch in chapters:
                out = run_chapter(ch, profile=args.profile, seeds=args.seeds, device=args.device,
                                  output_dir=args.output_dir, results_dir=args.results_dir,
                                  progress=not args.no_progress)
                print(f"{ch}: executed -> {out}")
            out = run_scorecard(profile=args.profile, results_dir=args.results_dir, output_dir=args.output_dir)
            print(f"scorecard: executed -> {out}")
            return 0
        return build_book()
    except ValueError as err:
        ap.error(str(err))
        return 2


if __name__ == "__main__":
    sys.exit(main())
