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
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from fragility_core.chapters import Chapter, get_chapter
from fragility_core import shards as sharding
from fragility_core.store import (MissingStage, ResultStore, StageRecord, atomic_write, reads, remove_leftovers,
                                  sha256_file, write_json)
from fragility_core.validate import check_choice, check_seed_range, check_seeds, check_writable_dir, resolve_device


def seeds_label(seeds: tuple[int, ...]) -> str:
    """A short, unambiguous directory label for a seed list."""
    if len(seeds) <= 6:
        return "_".join(map(str, seeds))
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}to{seeds[-1]}"
    digest = hashlib.sha256(",".join(map(str, seeds)).encode()).hexdigest()[:8]
    return f"{len(seeds)}-from-{seeds[0]}-{digest}"


EXTRAS = {"llm": ("transformers", "peft", "gguf")}   # a chapter's need -> the packages of the extra that provides it


def check_needs(chapter: Chapter, device: str, *, extras: bool = True) -> None:
    """A chapter's needs (a GPU; with ``extras``, an optional extra's packages) are met here, or a clear error says
    how to meet them. Reading stored results (a page, the status) needs no extra: it is checked before compute."""
    for need in sorted(chapter.needs):
        if need == "cuda" and not device.startswith("cuda"):
            raise ValueError(f"device: chapter {chapter.key} needs a CUDA device (--device cuda)")
        if not extras:
            continue
        missing = [m for m in EXTRAS.get(need, ()) if importlib.util.find_spec(m) is None]
        if missing:
            raise ValueError(f"chapter {chapter.key} needs {', '.join(missing)}: pip install -e \".[{need}]\"")


def _device_name(device: str) -> torch.device:
    """A well-formed device name (cpu, cuda, cuda:N), whether or not this machine has it."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    return dev


@dataclass(frozen=True)
class Run:
    chapter: Chapter
    profile: str
    seeds: tuple[int, ...]
    device: str = "cpu"
    results_dir: Path = Path("results")
    max_members: int | None = None   # members computed at once; None: as many as half the free memory holds

    @classmethod
    def of(cls, chapter: str | int | Chapter, *, profile: str | None = None, seeds=None, device: str = "cpu",
           results_dir: str | Path = "results", max_members: int | None = None, device_here: bool = True) -> "Run":
        """Validate every parameter (before any compute) and name the one that is wrong; nothing is created.

        ``device_here=False``: the device is used on other machines (Dask workers, which check it themselves),
        so only its name is checked here."""
        ch = chapter if isinstance(chapter, Chapter) else get_chapter(chapter)
        if not ch.is_reproduced:
            raise ValueError(f"chapter {ch.key} is not reproduced yet (its page shows the published values only)")
        profile = check_choice("profile", ch.profiles[0] if profile is None else profile, ch.profiles)
        seeds = check_seed_range("seeds", check_seeds("seeds", ch.default_seeds if seeds is None else seeds))
        device = str(resolve_device(device) if device_here else _device_name(device))
        check_needs(ch, device, extras=False)
        check_writable_dir("results_dir", results_dir)
        if max_members is not None and (isinstance(max_members, bool) or not isinstance(max_members, int)
                                        or max_members < sharding.MIN_CHUNK):
            raise ValueError(f"max_members must be an integer >= {sharding.MIN_CHUNK}, got {max_members!r}")
        return cls(ch, profile, tuple(seeds), device, Path(results_dir), max_members)

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

    def fresh(self) -> "Run | None":
        """The same chapter and profile on the chapter's further seeds (its page places the published numbers
        among them); ``None`` for a chapter that has none."""
        if not self.chapter.fresh_seeds:
            return None
        return Run(self.chapter, self.profile, tuple(self.chapter.fresh_seeds), self.device, self.results_dir,
                   self.max_members)

    @property
    def config(self) -> Any:
        return self.chapter.protocol(self.profile, self.seeds)

    def store(self, mode: str = "compute", *, log=print, **kwargs) -> ResultStore:
        return ResultStore(self.root, profile=self.profile, device=self.device, log=log, mode=mode,
                           index=self.read_index() if mode != "compute" else None, **kwargs)

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
    def compute(self, *, progress: bool = True, log=print, executor=None) -> dict[str, pd.DataFrame]:
        """Every stage of the chapter: loaded where its key matches, computed where not; then the index.

        ``executor`` (:mod:`fragility_core.cluster`) says where the seed shards are computed: in this process
        (default) or on Dask workers; the tables are the same."""
        return self._compute(progress=progress, log=log, executor=executor)[0]

    # --- chunks of members --------------------------------------------------------------------
    def chunks(self) -> list[tuple[int, ...]]:
        """The seed list in the chunks computed at once: all of it, unless its members would not fit in memory
        (``max_members``, default: half the available memory over the chapter's peak memory per member)."""
        limit = self.max_members or sharding.members_within(self.chapter.member_memory_mb << 20)
        return [self.seeds] if len(self.seeds) <= limit else sharding.chunks(self.seeds, limit)

    def _compute_chunks(self, chunks, *, progress: bool, log, executor) -> tuple[dict, set[str], dict]:
        """Each chunk's stages (a run of its own in this root, computed by ``executor``); what to store for each
        table of the whole list, the chunks' table keys, and each merged table's parents (its chunks' parents)."""
        done = self.store("plan", log=None)
        self.chapter.compute(done, self.config, progress=False)
        if all(r.status == "fresh" for r in done.tables()):
            return {}, set(), {}
        say = log or (lambda *a: None)
        why = ("Dask workers" if executor.name == "dask" and not self.max_members
               else "--max-members" if self.max_members else "half the available memory")
        say(f"{self.chapter.key}: {len(self.seeds)} seeds in {len(chunks)} chunks of at most "
            f"{max(map(len, chunks))} members ({why})")
        shards = executor.compute(self, chunks, progress=progress, log=log)
        paths = [{name: self.root / path for name, _, path in tables} for tables in shards]
        own = {key for tables in shards for _, key, _ in tables}
        if len(chunks) == 1:   # the one shard is the whole list: its tables are the run's own
            return {}, own, {}
        provided = {name: partial(sharding.merge_files, [p[name] for p in paths], chunks, name) for name in paths[0]}
        parents = {}
        for name in paths[0]:
            found = []
            for p in paths:
                manifest = json.loads(ResultStore.manifest_path(p[name]).read_text())
                found += [q for q in manifest.get("parents") or [] if isinstance(q, dict) and q not in found]
            parents[name] = found
        return provided, own, parents

    def _compute(self, *, progress: bool, log, executor=None) -> tuple[dict[str, pd.DataFrame], list[StageRecord]]:
        from fragility_core.cluster import Serial

        check_needs(self.chapter, self.device)   # the extras a computation needs (reading needs none)
        executor = executor or Serial()
        started = time.time()
        remove_leftovers(self.root)
        chunks = executor.shards(self)
        provided, own, parents = ({}, set(), {}) if len(chunks) == 1 and executor.name == "serial" else \
            self._compute_chunks(chunks, progress=progress, log=log, executor=executor)
        store = self.store("compute", log=log, provided=provided, provided_parents=parents,
                           shards=chunks if provided else None)
        tables = self.chapter.compute(store, self.config, progress=progress)
        self._write_index(store.tables())
        store.remove_unreferenced([r.name for r in store.tables()], self._referenced_keys(), since=started,
                                  own=own | {r.key for r in store.tables()})
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

    def read_export(self, name: str, **kwargs) -> pd.DataFrame | None:
        """A derived table the chapter's page exported (``None`` if it has not), noted for the reading page's
        manifest (the scorecard reads every chapter's)."""
        path = self.chapter_dir / f"{name}.csv"
        if not path.exists():
            return None
        reads.note_file(path, sha256_file(path))
        return pd.read_csv(path, **kwargs)
