"""The stage store: every stage is addressed by a key over its config, its code and its platform.

Layout under ``root`` (one root per profile and seed set, e.g. ``results/paper``)::

    stages/<name>/<key>.csv + <key>.manifest.json     tidy tables, committed
    .state/<name>/<key>.pt  + <key>.manifest.json     model states (networks, adapters), never committed

A stage's **key** hashes its config (which nests its parents' configs or keys), the digest of the science code
its computation can reach (:mod:`.codehash`), the torch version and the device type. A stage is loaded only
when a manifest for exactly that key exists and the SHA-256 of its file matches the manifest; otherwise it is
computed. So changed science code, another seed set or a damaged file is never served as current. Shared
stages (the same computation in several chapters) have the same key and are computed once. The manifest is
written last: a present manifest describes a complete file. A stage is computed under a file lock
(``.locks/<name>.<key>.lock``): a second run needing it waits, then loads it. Files are written to
``.<name>.pid<pid>@<host>.<random>.tmp`` and renamed into place; temporary files of killed processes are removed
at the next run's start on the same host (on a shared filesystem, another host's files are never touched).

Modes: ``compute`` (load or compute), ``plan`` (compute nothing; record each table's status: fresh, stale,
damaged or missing) and ``load`` (serve what a chapter's index last recorded, stale or not, for pages that
must say so).

**Processors.** The same code, seed and device give the same bits only on the same kind of processor: another
one runs other floating-point kernels, and training amplifies a last-bit difference into other networks. The
processor is not part of a key (a table computed elsewhere is a valid result of its code), but model states are
never committed, so a later run on another processor would train an upstream network again and measure a
different network than the stored tables that descend from it. Such a run is refused
(:class:`ProcessorMismatch`: a stored table whose config nests the network's config was computed on another
processor), naming the chapters whose tables those are. With ``recompute_other_processor`` the store recomputes
every table and trains again every network that another processor computed, and the guard then spares only the
tables the command itself recomputes or supersedes (``replacing``: every chapter of the lineage must be in the
command), so that the tables of one lineage always describe the same networks.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import torch
from filelock import FileLock, Timeout

from fragility_core import __version__
from fragility_core.store import faults
from fragility_core.store.codehash import code_digest

KEY_CHARS = 20
STATUSES = ("fresh", "stale", "damaged", "missing")


class MissingStage(LookupError):
    """A table a page needs was never computed for this run."""


UNRECORDED = "an unrecorded processor"


def _elsewhere(manifest: dict, here: str | None = None) -> str | None:
    """The processor a stage's manifest names, if it is not ``here`` (default: this one; ``UNRECORDED`` if it
    names none)."""
    cpu = manifest.get("cpu") if isinstance(manifest, dict) else None
    if not cpu:
        return UNRECORDED
    return cpu if cpu != (here or cpu_model()) else None


class ProcessorMismatch(RuntimeError):
    """A network would be trained again on another processor than the one that trained it for stored tables."""


def nests(config: Any, part: Any) -> bool:
    """Whether ``part`` is ``config`` or a value nested anywhere inside it (dicts and lists, compared by value)."""
    if config == part:
        return True
    if isinstance(config, dict):
        return any(nests(v, part) for v in config.values())
    if isinstance(config, (list, tuple)):
        return any(nests(v, part) for v in config)
    return False


class ModelKind(Protocol):
    """What the store needs of a model class: a state of tensors and plain containers, and back."""

    def to_state(self) -> dict: ...

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device = "cpu") -> Any: ...


def config_hash(config: Any) -> str:
    blob = json.dumps(config, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_commit() -> str:
    try:
        here = Path(__file__).parent
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".."], cwd=here,
                               capture_output=True, text=True, timeout=10)
        commit = head.stdout.strip() or "unknown"
        return commit + ("+dirty" if dirty.stdout.strip() and commit != "unknown" else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@functools.lru_cache(maxsize=1)
def cpu_model() -> str:
    """The processor, for provenance: another CPU family may round differently (not part of any key)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


TMP_SUFFIX = ".tmp"


def umask() -> int:
    """The process's file-creation mask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def host() -> str:
    """This machine's short host name, as it appears in temporary file names (letters, digits and dashes)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname().split(".")[0]) or "localhost"


def temporary_path(path: Path, suffix: str = TMP_SUFFIX) -> Path:
    """A fresh temporary file beside ``path``, named ``.<name>.pid<pid>@<host>.<random><suffix>`` so that a later
    run on the same host can tell a leftover of a killed process (its pid is gone) from a file another live run is
    writing; a file of another host (a shared results directory) is never judged by a local pid."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.pid{os.getpid()}@{host()}.", suffix=suffix)
    os.close(fd)
    return Path(tmp)


def publish(tmp: Path, path: Path) -> None:
    """Move a finished temporary file into place atomically, with the mode the user's umask gives new files
    (``mkstemp`` creates 0600)."""
    os.chmod(tmp, 0o666 & ~umask())
    os.replace(tmp, path)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """``write`` into a temporary file, then rename it over ``path``: readers see the old file or the new one."""
    tmp = temporary_path(path)
    try:
        write(tmp)
        faults.point("write", path)
        publish(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's live process
        return True
    return True


def remove_leftovers(directory: Path, suffixes: Sequence[str] = (TMP_SUFFIX,)) -> list[Path]:
    """Delete the temporary files killed processes of this host left under ``directory`` (those of live processes
    and of other hosts stay)."""
    gone = []
    if not Path(directory).is_dir():
        return gone
    for suffix in suffixes:
        for p in Path(directory).rglob(f".*{suffix}"):
            m = re.search(r"\.pid(\d+)(?:@([A-Za-z0-9-]+))?\.", p.name)
            if m is None or m.group(2) not in (None, host()):
                continue
            if not _pid_alive(int(m.group(1))) and p.is_file():
                p.unlink(missing_ok=True)
                gone.append(p)
    return gone


def write_json(path: Path, obj: Any) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n"))


@dataclass
class StageRecord:
    """What the store knows of one stage requested in this session."""

    kind: str            # "table" or "state"
    name: str
    key: str
    status: str          # fresh | stale | damaged | missing | computed
    path: str            # the file served, relative to the root ("" if none)
    wall_time_s: float | None = None


class ResultStore:
    """Stages under one root, cached on disk (and model states in memory)."""

    def __init__(self, root: str | Path, *, profile: str, device: torch.device | str = "cpu", log=print,
                 mode: str = "compute", index: dict[str, str] | None = None,
                 provided: dict[str, Callable[[], pd.DataFrame]] | None = None, shards: Sequence | None = None,
                 on_stage: Callable[[str, str, str], None] | None = None, recompute_other_processor: bool = False,
                 replacing: Iterable[str] = ()):
        if mode not in ("compute", "plan", "load"):
            raise ValueError(f"mode must be 'compute', 'plan' or 'load', got {mode!r}")
        self.root = Path(root)
        self.profile = profile
        self.device = torch.device(device)
        self.log = log or (lambda *a: None)
        self.mode = mode
        self.index = dict(index or {})   # table name -> key last recorded for it (load and plan modes)
        self.records: dict[str, StageRecord] = {}
        self.provided = dict(provided or {})   # table name -> what to store instead of computing it (shards)
        self.shards = [list(s) for s in shards] if shards else None   # the seed lists ``provided`` merges
        self._states: dict[str, Any] = {}
        self.on_stage = on_stage   # called ("start" | "done", "table" | "state", name) around each computation
        self.recompute_other_processor = recompute_other_processor   # see the module docstring
        self.replacing = frozenset(replacing)   # keys of the tables this command recomputes or supersedes

    # --- keys and paths -------------------------------------------------------------------------
    def key(self, config: Any, code: Sequence[Callable]) -> str:
        blob = {"config": config, "code": code_digest(*code), "torch": torch.__version__,
                "device": self.device.type}
        return config_hash(blob)[:KEY_CHARS]

    def table_path(self, name: str, key: str) -> Path:
        return self.root / "stages" / name / f"{key}.csv"

    def state_path(self, name: str, key: str) -> Path:
        return self.root / ".state" / name / f"{key}.pt"

    @staticmethod
    def manifest_path(path: Path) -> Path:
        return path.with_suffix(".manifest.json")

    def _manifest(self, name: str, key: str, config: Any, path: Path, wall: float) -> dict:
        merged = {"merged_from_shards": self.shards} if name in self.provided and path.suffix == ".csv" else {}
        return {
            "stage": name, "key": key, "profile": self.profile, "config": config,
            "files": {path.name: sha256_file(path)}, "package_version": __version__, "git_commit": git_commit(),
            "torch_version": torch.__version__, "device": str(self.device), "cpu": cpu_model(), "host": host(),
            **({"gpu": torch.cuda.get_device_name(self.device)} if self.device.type == "cuda" else {}),
            "wall_time_s": round(wall, 3),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), **merged,
        }

    def check(self, path: Path) -> str:
        """``fresh`` if ``path`` and its manifest exist and the file's SHA-256 matches; else damaged / missing."""
        man = self.manifest_path(path)
        if not man.exists():
            return "missing"
        try:
            expected = json.loads(man.read_text())["files"][path.name]
        except (ValueError, KeyError, TypeError):
            return "damaged"
        if not path.exists() or sha256_file(path) != expected:
            return "damaged"
        return "fresh"

    def manifest(self, name: str, key: str, kind: str = "table") -> dict | None:
        path = self.table_path(name, key) if kind == "table" else self.state_path(name, key)
        man = self.manifest_path(path)
        return json.loads(man.read_text()) if man.exists() else None

    def _record(self, kind, name, key, status, path: Path | None):
        wall = None
        if path is not None and self.manifest_path(path).exists():
            wall = json.loads(self.manifest_path(path).read_text()).get("wall_time_s")
        rel = str(path.relative_to(self.root)) if path is not None else ""
        self.records[f"{kind}:{name}"] = StageRecord(kind, name, key, status, rel, wall)

    def lock_path(self, name: str, key: str) -> Path:
        return self.root / ".locks" / f"{name}.{key}.lock"

    def _lock(self, name: str, key: str) -> FileLock:
        """The one-writer lock of a stage: another run computing it makes this one wait, then load its result."""
        path = self.lock_path(name, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self.log(f"{name}: another run is computing this stage; waiting for it")
            lock.acquire()
        return lock

    def _compute_and_write(self, name: str, key: str, config: Any, path: Path, status: str, compute: Callable,
                           write: Callable[[Any, Path], None]):
        """Compute a stage, write its file atomically, then its manifest (the commit point); return the value."""
        if status == "damaged":
            self.log(f"{name}: stored file does not match its manifest's SHA-256 (damaged); recomputing")
        self.log(f"computing {name} ...")
        kind = "table" if path.suffix == ".csv" else "state"
        if self.on_stage:
            self.on_stage("start", kind, name)
        faults.point("compute", path)
        t0 = time.perf_counter()
        value = compute()
        wall = time.perf_counter() - t0
        atomic_write(path, lambda p: write(value, p))
        faults.point("manifest", path)
        write_json(self.manifest_path(path), self._manifest(name, key, config, path, wall))
        if self.on_stage:
            self.on_stage("done", kind, name)
        return value

    # --- tables ---------------------------------------------------------------------------------
    def table(self, name: str, config: Any, compute: Callable[[], pd.DataFrame], *,
              code: Sequence[Callable] | None = None) -> pd.DataFrame:
        """A tidy table; ``code`` (default: ``compute`` itself) names what its computation executes."""
        key = self.key(config, code or (compute,))
        csv = self.table_path(name, key)
        status = self.check(csv)
        if self.mode == "plan":
            superseded = self.index.get(name, key) != key or any(
                m.name != f"{key}.manifest.json" for m in (self.root / "stages" / name).glob("*.manifest.json"))
            if status == "missing" and superseded:
                status = "stale"   # an older result of this stage exists: its code or config has changed
            self._record("table", name, key, status, csv if status == "fresh" else None)
            return pd.DataFrame()
        elsewhere = self.computed_elsewhere(csv) if status == "fresh" and self.recompute_other_processor and \
            self.mode == "compute" else None
        if elsewhere:
            self.log(f"{name}: computed on {elsewhere}; recomputing on {cpu_model()}")
            status = "other processor"
        if status == "fresh":
            self._record("table", name, key, "fresh", csv)
            return pd.read_csv(csv)
        if self.mode == "load":
            old = self.index.get(name)
            if old is not None and old != key and self.check(self.table_path(name, old)) == "fresh":
                self._record("table", name, old, "stale", self.table_path(name, old))
                return pd.read_csv(self.table_path(name, old))
            raise MissingStage(f"table {name!r} of this run was never computed (or is damaged); "
                               f"run `fragility compute` for it first")
        lock = self._lock(name, key)
        try:
            if status != "other processor":
                status = self.check(csv)   # another run may have finished it while this one waited
            if status == "fresh":
                self._record("table", name, key, "fresh", csv)
                return pd.read_csv(csv)
            self._compute_and_write(name, key, config, csv, status, self.provided.get(name, compute),
                                    lambda df, p: df.to_csv(p, index=False, float_format="%.6g"))
        finally:
            lock.release()
        self._record("table", name, key, "computed", csv)
        return pd.read_csv(csv)  # what a later load returns, so fresh and cached runs print identically

    # --- model states ---------------------------------------------------------------------------
    def state(self, name: str, config: Any, compute: Callable[[], dict], *,
              code: Sequence[Callable] | None = None) -> dict:
        """A state of tensors and plain containers, cached under ``.state/`` and memoised in memory.

        Loaded with ``torch.load(weights_only=True)``. Callers must not mutate what they get.
        """
        key = self.key(config, code or (compute,))
        if key not in self._states:
            if self.mode != "compute":
                raise RuntimeError(f"state {name!r} requested in {self.mode} mode: states are computed only "
                                   f"inside table stages")
            pt = self.state_path(name, key)
            status = self._state_status(pt)
            if status != "fresh" and self.provided:
                raise RuntimeError(f"state {name!r} was requested outside the table stages of a run assembled "
                                   f"from chunks of members: its chapter cannot be computed in chunks")
            if status != "fresh":
                lock = self._lock(name, key)
                try:
                    status = self._state_status(pt)   # another run may have finished it while this one waited
                    if status != "fresh":
                        self._check_lineage(name, config)
                        state = self._compute_and_write(name, key, config, pt, status, compute,
                                                        lambda s, p: torch.save(s, p))
                        status = "computed"
                finally:
                    lock.release()
            if status == "fresh":
                trained_on = json.loads(self.manifest_path(pt).read_text()).get("cpu") or UNRECORDED
                self._check_lineage(name, config, trained_on)
                state = torch.load(pt, weights_only=True, map_location=self.device)
            self._record("state", name, key, status, pt)
            self._states[key] = state
        return self._states[key]

    def model(self, name: str, config: Any, compute: Callable[[], ModelKind], kind: type, *,
              code: Sequence[Callable] | None = None):
        """A model of class ``kind`` (an :class:`EnsembleMLP`, later a GRU ensemble or LoRA adapters without
        their base weights), cached as its state; returns a private copy (callers may mutate it)."""
        state = self.state(name, config, lambda: compute().to_state(), code=code or (compute,))
        return kind.from_state(state, device=self.device)

    def _state_status(self, pt: Path) -> str:
        """:meth:`check`, except that a network another processor trained is trained again when this run
        recomputes what other processors computed (its tables are to describe this processor's networks)."""
        status = self.check(pt)
        if status == "fresh" and self.recompute_other_processor and self.computed_elsewhere(pt):
            return "other processor"
        return status

    # --- processors -----------------------------------------------------------------------------
    def computed_elsewhere(self, path: Path) -> str | None:
        """The processor that computed the stored stage at ``path`` if it is not this one, ``UNRECORDED`` if its
        manifest names none (older manifests: it cannot be shown to be this one), else None."""
        try:
            m = json.loads(self.manifest_path(path).read_text())
        except (OSError, ValueError):
            return None
        return _elsewhere(m)

    def descendants_elsewhere(self, config: Any, trained_on: str | None = None) -> list[tuple[str, str, str]]:
        """Stored tables of this root that descend from the network of ``config`` (their config nests it) and
        were computed on another processor than ``trained_on`` (default: this one): ``(stage, key, processor)``."""
        out = []
        config = json.loads(json.dumps(config, ensure_ascii=False, default=str))   # as manifests store it
        for man in sorted((self.root / "stages").glob("*/*.manifest.json")):
            try:
                m = json.loads(man.read_text())
            except (OSError, ValueError):
                continue
            cpu = _elsewhere(m, trained_on)
            if cpu and nests(m.get("config"), config):
                out.append((m.get("stage", man.parent.name), m.get("key", man.stem), cpu))
        return out

    def _check_lineage(self, name: str, config: Any, trained_on: str | None = None) -> None:
        """Refuse network ``name`` trained on ``trained_on`` (default: here, about to train it) if stored tables
        computed on another processor descend from it, except (``recompute_other_processor``) the tables this
        command recomputes or supersedes (``replacing``)."""
        found = self.descendants_elsewhere(config, trained_on)
        if self.recompute_other_processor:
            found = [f for f in found if f[1] not in self.replacing]
        if found:
            listed = ", ".join(f"{stage} ({cpu})" for stage, _, cpu in found[:6]) + (
                f" and {len(found) - 6} more" if len(found) > 6 else "")
            how = (f"was trained on {trained_on}" if trained_on else
                   f"is not stored here and would be trained again on this processor ({cpu_model()})")
            chapters = self.chapters_showing({key for _, key, _ in found})
            if self.recompute_other_processor:
                raise ProcessorMismatch(
                    f"network {name!r} {how}, but stored tables computed on another processor descend from it and "
                    f"this command does not recompute them: {listed}. Add their chapters to the same command"
                    + (f" ({' '.join(chapters)})" if chapters else "") + ".")
            raise ProcessorMismatch(
                f"network {name!r} {how}, but stored tables of {self.root} that descend from it were computed on "
                f"another: {listed}. Another processor's floating-point kernels train other networks from the same "
                f"seed, so a new table would not describe the networks those tables do. Run on that processor, or "
                f"recompute here every table of the chapters involved, in one command"
                + (f": fragility compute {' '.join(chapters)} --recompute-other-processor" if chapters else
                   " (--recompute-other-processor)") + ", with this run's profile and seeds.")

    def chapters_showing(self, keys: set[str]) -> list[str]:
        """The chapters of this root whose index records any of these table keys."""
        out = []
        for index in sorted(self.root.glob("*/index.json")):
            try:
                tables = json.loads(index.read_text()).get("tables", {})
            except (OSError, ValueError, AttributeError):
                continue
            if keys & set(tables.values()):
                out.append(index.parent.name)
        return out

    # --- housekeeping ---------------------------------------------------------------------------
    def tables(self) -> list[StageRecord]:
        return [r for r in self.records.values() if r.kind == "table"]

    def remove_unreferenced(self, names: Sequence[str], keep: set[str], *, since: float | None = None,
                            own: set[str] = frozenset()) -> list[Path]:
        """Delete stored tables of ``names`` whose key is not in ``keep`` (superseded results); returns them.

        With ``since`` (a ``time.time()``), a table written after it is kept unless its key is in ``own`` (this
        run's): another run into the same root may have computed it and not yet written its index.
        """
        gone = []
        for name in names:
            for man in (self.root / "stages" / name).glob("*.manifest.json"):
                key = man.name[: -len(".manifest.json")]
                if key in keep or (since is not None and key not in own and man.stat().st_mtime >= since):
                    continue
                for p in (man, man.with_name(f"{key}.csv")):
                    if p.exists():
                        p.unlink()
                        gone.append(p)
        return gone
