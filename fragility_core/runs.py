"""A run: one chapter at one profile, on one seed set and device, with its own results root.

The published seeds of a chapter at a profile live in ``results/<profile>/``; any other seed set lives in
``results/<profile>-seeds-<label>/``, so it can never overwrite (or be shown as) the published results. Within
a root, stages are shared by key between chapters. Each chapter keeps an index of the table stages it showed
last (``<root>/chNN/index.json``), which is what ``fragility status`` compares with the current code.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fragility_core.chapters import Chapter, get_chapter
from fragility_core.store import MissingStage, ResultStore, StageRecord, atomic_write, write_json
from fragility_core.validate import check_choice, check_seeds, resolve_device


def seeds_label(seeds: tuple[int, ...]) -> str:
    """A short, unambiguous directory label for a seed list."""
    if len(seeds) <= 6:
        return "_".join(map(str, seeds))
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}to{seeds[-1]}"
    digest = hashlib.sha256(",".join(map(str, seeds)).encode()).hexdigest()[:8]
    return f"{len(seeds)}-from-{seeds[0]}-{digest}"


EXTRAS = {"llm": ("transformers", "peft")}   # a chapter's need -> the packages of the extra that provides it


def check_needs(chapter: Chapter, device: str) -> None:
    """A chapter's needs (an optional extra, a GPU) are met here, or a clear error says how to meet them."""
    for need in sorted(chapter.needs):
        if need == "cuda" and not device.startswith("cuda"):
            raise ValueError(f"device: chapter {chapter.key} needs a CUDA device (--device cuda)")
        missing = [m for m in EXTRAS.get(need, ()) if importlib.util.find_spec(m) is None]
        if missing:
            raise ValueError(f"chapter {chapter.key} needs {', '.join(missing)}: pip install -e \".[{need}]\"")


@dataclass(frozen=True)
class Run:
    chapter: Chapter
    profile: str
    seeds: tuple[int, ...]
    device: str = "cpu"
    results_dir: Path = Path("results")

    @classmethod
    def of(cls, chapter: str | int | Chapter, *, profile: str | None = None, seeds=None, device: str = "cpu",
           results_dir: str | Path = "results") -> "Run":
        """Validate every parameter (before any compute) and name the one that is wrong."""
        ch = chapter if isinstance(chapter, Chapter) else get_chapter(chapter)
        if not ch.is_reproduced:
            raise ValueError(f"chapter {ch.key} is not reproduced yet (its page shows the published values only)")
        profile = check_choice("profile", ch.profiles[0] if profile is None else profile, ch.profiles)
        seeds = check_seeds("seeds", ch.default_seeds if seeds is None else seeds)
        device = str(resolve_device(device))
        check_needs(ch, device)
        return cls(ch, profile, tuple(seeds), device, Path(results_dir))

    # --- where ----------------------------------------------------------------------------------
    @property
    def published_seeds(self) -> bool:
        return self.seeds == tuple(self.chapter.default_seeds)

    @property
    def name(self) -> str:
        return self.profile if self.published_seeds else f"{self.profile}-seeds-{seeds_label(self.seeds)}"

    @property
    def root(self) -> Path:
        return self.results_dir / self.name

    @property
    def chapter_dir(self) -> Path:
        return self.root / self.chapter.key

    @property
    def index_path(self) -> Path:
        return self.chapter_dir / "index.json"

    @property
    def is_published_run(self) -> bool:
        """The chapter's book profile (its first: ``paper``, or ``cpu`` where the published protocol does not fit
        a CPU) on the published seeds: the only run whose page goes into the book."""
        return self.profile == self.chapter.profiles[0] and self.published_seeds

    @property
    def config(self) -> Any:
        return self.chapter.protocol(self.profile, self.seeds)

    def store(self, mode: str = "compute", *, log=print) -> ResultStore:
        return ResultStore(self.root, profile=self.profile, device=self.device, log=log, mode=mode,
                           index=self.read_index() if mode != "compute" else None)

    # --- the index ------------------------------------------------------------------------------
    def read_index(self) -> dict[str, str]:
        if not self.index_path.exists():
            return {}
        return json.loads(self.index_path.read_text())["tables"]

    def _write_index(self, records: list[StageRecord]) -> None:
        write_json(self.index_path, {"chapter": self.chapter.key, "profile": self.profile, "seeds": list(self.seeds),
                                     "tables": {r.name: r.key for r in sorted(records, key=lambda r: r.name)}})

    def _referenced_keys(self) -> set[str]:
        keys = set()
        for index in self.root.glob("ch*/index.json"):
            keys |= set(json.loads(index.read_text())["tables"].values())
        return keys

    # --- compute, status, load ------------------------------------------------------------------
    def compute(self, *, progress: bool = True, log=print) -> dict[str, pd.DataFrame]:
        """Every stage of the chapter: loaded where its key matches, computed where not; then the index."""
        return self._compute(progress=progress, log=log)[0]

    def _compute(self, *, progress: bool, log) -> tuple[dict[str, pd.DataFrame], list[StageRecord]]:
        store = self.store("compute", log=log)
        tables = self.chapter.compute(store, self.config, progress=progress)
        self._write_index(store.tables())
        store.remove_unreferenced([r.name for r in store.tables()], self._referenced_keys())
        return tables, store.tables()

    def status(self) -> list[StageRecord]:
        """Each table stage of the chapter as fresh / stale / damaged / missing, computing nothing."""
        store = self.store("plan", log=None)
        self.chapter.compute(store, self.config, progress=False)
        return store.tables()

    def load(self) -> tuple[dict[str, pd.DataFrame], list[StageRecord]]:
        """The tables the index recorded (stale ones too, flagged), computing nothing."""
        store = self.store("load", log=None)
        try:
            tables = self.chapter.compute(store, self.config, progress=False)
        except MissingStage as err:
            raise MissingStage(f"{self.chapter.key} at profile {self.profile!r}, seeds {list(self.seeds)}: {err}") \
                from None
        return tables, store.tables()

    def results(self, *, compute: bool = True, progress: bool = True) -> tuple[dict[str, pd.DataFrame],
                                                                                list[StageRecord]]:
        """For a notebook: compute what is missing (``compute=True``) or only read (stale flagged)."""
        return self._compute(progress=progress, log=None) if compute else self.load()

    def export(self, **tables: pd.DataFrame) -> None:
        """A page's derived tables (comparison, claims) beside its index, for the scorecard."""
        for name, df in tables.items():
            atomic_write(self.chapter_dir / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))

