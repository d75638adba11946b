"""The stage store: every stage is addressed by a key over its declared inputs, and checked against its parents.

Layout under ``root`` (one root per profile and seed set, e.g. ``results/paper``)::

    stages/<name>/<key>.csv + <key>.manifest.json     tidy tables, committed
    .state/<name>/<key>.manifest.json                 what each network (model state) is, committed
    .state/<name>/<key>.pt                            the network itself, never committed

A stage's **key** hashes its parameters (its config, which names its parents by their own configs), its code
version (:mod:`.codeversion`: the source of every package module its code imports), the torch version, the
device type and the store's serialisation format. Its manifest records, besides provenance, its **parents**:
every stage its computation read (networks and tables, each with its key and the SHA-256 of its content), as a
DVC lock file does. A stored stage is *fresh* when its manifest exists for exactly the current key, its file
matches the manifest's SHA-256, and every parent recorded there is still fresh with the same content; so changed
code, another seed set, a damaged file or a network trained again with other bytes (on another kind of processor)
is never served as current, and such a network makes exactly its descendants stale. Networks are never committed:
a run that needs one trains it again, and where it comes out bit-identical (same code, seed and processor family)
its descendants stay fresh.

Tables migrated from the earlier static-closure keys have no recorded parents (``"parents": "unrecorded"``):
their networks' bytes were never recorded. Such a table stays fresh until a network its config nests is trained
again here on another kind of processor than the table's, which makes it stale.

Shared stages (the same computation in several chapters) have the same key and are computed once. The manifest
is written last: a present manifest describes a complete file. A stage is computed under a file lock
(``.locks/<name>.<key>.lock``): a second run needing it waits, then loads it. Files are written to
``.<name>.pid<pid>@<host>.<random>.tmp`` and renamed into place; temporary files of killed processes are removed
at the next run's start on the same host (on a shared filesystem, another host's files are never touched).

Modes: ``compute`` (load or compute), ``plan`` (compute nothing; record each table's status: fresh, stale,
damaged or missing) and ``load`` (serve what a chapter's index last recorded, stale or not, for pages that
must say so). Every table served is also noted for the page being rendered, if any (:mod:`.reads`).
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import platform
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import torch
from filelock import FileLock, Timeout

from fragility_core import __version__
from fragility_core.errors import MissingStage  # noqa: F401 (raised here; re-exported)
from fragility_core.store import faults, reads
from fragility_core.store.codeversion import code_versions, stage_roots

KEY_CHARS = 20
STATUSES = ("fresh", "stale", "damaged", "missing")
FORMAT = 1            # the store's serialisation (CSV float format, state layout): a change bumps every key
UNRECORDED = "unrecorded"   # the parents of a table migrated from the earlier keys (see the module docstring)


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


def state_digest(state: Any) -> str:
    """SHA-256 of a state's content (tensors' dtype, shape and bytes; plain values), independent of the file
    format ``torch.save`` writes."""
    h = hashlib.sha256()

    def visit(obj: Any) -> None:
        if isinstance(obj, torch.Tensor):
            t = obj.detach().to("cpu").contiguous()
            h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        elif isinstance(obj, dict):
            h.update(b"{")
            for k in sorted(obj, key=str):
                h.update(repr(k).encode() + b":")
                visit(obj[k])
            h.update(b"}")
        elif isinstance(obj, (list, tuple)):
            h.update(b"[")
            for v in obj:
                visit(v)
            h.update(b"]")
        else:
            h.update(repr(obj).encode())
    visit(state)
    return h.hexdigest()


def outside_source(fn: Callable) -> str | None:
    """The source of a callable defined outside the package (a test's own function), for its key."""
    fn = getattr(fn, "func", fn)
    module = getattr(fn, "__module__", "") or ""
    if module.split(".")[0] == "fragility_core":
        return None
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return repr(fn)


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
    """The processor, for provenance: another CPU family may round differently (it is not part of any key: a
    network it trains differently has other bytes, which make its descendants stale)."""
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
    certified: bool = False   # its manifest was carried over from an earlier code version by certification
    config: Any = None        # the config it was requested with (plan mode)
    code: dict | None = None  # its code part (root modules and code version; plan mode)


@dataclass(frozen=True)
class Parent:
    """A stage another stage's computation read: its kind, name, key and content digest."""

    kind: str
    name: str
    key: str
    digest: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "key": self.key, "digest": self.digest}


class ResultStore:
    """Stages under one root, cached on disk (and model states in memory)."""

    def __init__(self, root: str | Path, *, profile: str, device: torch.device | str = "cpu", log=print,
                 mode: str = "compute", index: dict[str, str] | None = None,
                 provided: dict[str, Callable[[], pd.DataFrame]] | None = None,
                 provided_parents: dict[str, list[dict]] | None = None, shards: Sequence | None = None,
                 on_stage: Callable[[str, str, str], None] | None = None):
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
        self.provided_parents = dict(provided_parents or {})   # table name -> its chunks' parents
        self.shards = [list(s) for s in shards] if shards else None   # the seed lists ``provided`` merges
        self._states: dict[str, tuple[Any, str]] = {}   # key -> (state, digest)
        self._frames: list[list[Parent]] = []   # the parents read so far by each stage being computed
        self._status: dict[tuple[str, str, str], str] = {}
        self._networks: list[dict] | None = None
        self.on_stage = on_stage   # called ("start" | "done", "table" | "state", name) around each computation

    # --- keys and paths -------------------------------------------------------------------------
    def code(self, compute: Callable, code: Sequence[Callable] = ()) -> dict:
        """The code part of a stage's key: its root modules and their code version (:mod:`.codeversion`), and the
        source of any callable defined outside the package (those of ``code`` where it is given: it names what
        the computation runs, e.g. when ``compute`` only loads)."""
        roots = stage_roots(compute, code)
        out = {"modules": roots, "version": code_versions().version(roots)}
        outside = [s for s in (outside_source(f) for f in (code or (compute,))) if s is not None]
        if outside:
            out["outside"] = hashlib.sha256("\n".join(outside).encode()).hexdigest()
        return out

    def key_of(self, config: Any, code: dict) -> str:
        blob = {"config": config, "code": code["version"], "outside": code.get("outside"),
                "torch": torch.__version__, "device": self.device.type, "format": FORMAT}
        return config_hash(blob)[:KEY_CHARS]

    def key(self, config: Any, code: Sequence[Callable]) -> str:
        """The key of a stage with this config whose computation runs ``code`` (its first item computes it)."""
        return self.key_of(config, self.code(code[0], code[1:]))

    def table_path(self, name: str, key: str) -> Path:
        return self.root / "stages" / name / f"{key}.csv"

    def state_path(self, name: str, key: str) -> Path:
        return self.root / ".state" / name / f"{key}.pt"

    def path(self, kind: str, name: str, key: str) -> Path:
        return self.table_path(name, key) if kind == "table" else self.state_path(name, key)

    @staticmethod
    def manifest_path(path: Path) -> Path:
        return path.with_suffix(".manifest.json")

    def _manifest(self, name: str, key: str, config: Any, code: dict, path: Path, wall: float, digest: str,
                  parents: list[Parent] | str) -> dict:
        merged = {"merged_from_shards": self.shards} if name in self.provided and path.suffix == ".csv" else {}
        files = {"files": {path.name: digest}} if path.suffix == ".csv" else {}
        return {
            "stage": name, "key": key, "profile": self.profile, "config": config, "code": code,
            "digest": digest, **files,
            "parents": parents if isinstance(parents, str) else [p.as_dict() for p in parents],
            "package_version": __version__, "git_commit": git_commit(),
            "torch_version": torch.__version__, "device": str(self.device), "cpu": cpu_model(), "host": host(),
            **({"gpu": torch.cuda.get_device_name(self.device)} if self.device.type == "cuda" else {}),
            "wall_time_s": round(wall, 3),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), **merged,
        }

    def manifest(self, name: str, key: str, kind: str = "table") -> dict | None:
        man = self.manifest_path(self.path(kind, name, key))
        try:
            return json.loads(man.read_text())
        except (OSError, ValueError):
            return None

    # --- freshness ------------------------------------------------------------------------------
    def check(self, path: Path) -> str:
        """``fresh`` if table ``path`` and its manifest exist and the file's SHA-256 matches; else damaged / missing
        (the file alone: :meth:`status` also checks its parents)."""
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

    def status(self, kind: str, name: str, key: str) -> str:
        """Whether the stored stage ``kind:name`` at ``key`` is current: ``fresh``, ``stale`` (a parent is not
        fresh, or now has other content), ``damaged`` (a table whose file does not match its manifest) or
        ``missing`` (no manifest). A network's file is not needed for it to be current (networks are never
        committed; a run trains one again when it needs it)."""
        memo = (kind, name, key)
        if memo not in self._status:
            self._status[memo] = "stale"   # a cycle cannot make itself fresh
            self._status[memo] = self._status_of(kind, name, key)
        return self._status[memo]

    def _status_of(self, kind: str, name: str, key: str) -> str:
        path = self.path(kind, name, key)
        if kind == "table":
            found = self.check(path)
            if found != "fresh":
                return found
        m = self.manifest(name, key, kind)
        if m is None:
            return "missing"
        parents = m.get("parents")
        if parents == UNRECORDED:
            return "stale" if self._retrained_elsewhere(m) else "fresh"
        if not isinstance(parents, list):
            return "damaged"
        for p in parents:
            pm = self.manifest(p["name"], p["key"], p["kind"])
            if pm is None or pm.get("digest") != p["digest"] or self.status(p["kind"], p["name"], p["key"]) != "fresh":
                return "stale"
        return "fresh"

    def _retrained_elsewhere(self, table: dict) -> bool:
        """A migrated table (parents unrecorded): whether a network its config nests has since been trained here
        on another kind of processor than the one that computed the table."""
        if self._networks is None:
            self._networks = []
            for man in sorted((self.root / ".state").glob("*/*.manifest.json")):
                try:
                    self._networks.append(json.loads(man.read_text()))
                except (OSError, ValueError):
                    continue
        return any(n.get("cpu") != table.get("cpu") and nests(table.get("config"), n.get("config"))
                   for n in self._networks)

    def digest(self, kind: str, name: str, key: str) -> str | None:
        m = self.manifest(name, key, kind)
        return None if m is None else m.get("digest") or m.get("files", {}).get(f"{key}.csv")

    # --- records --------------------------------------------------------------------------------
    def _record(self, kind, name, key, status, path: Path | None):
        m = self.manifest(name, key, kind) if path is not None else None
        wall = m.get("wall_time_s") if m else None
        rel = str(path.relative_to(self.root)) if path is not None else ""
        self.records[f"{kind}:{name}"] = StageRecord(kind, name, key, status, rel, wall,
                                                     bool(m and m.get("certified")))
        if kind == "table" and path is not None and self.mode != "plan":
            reads.note(root=self.root, name=name, key=key, digest=self.digest(kind, name, key) or "",
                       status=status)

    def _read(self, kind: str, name: str, key: str, digest: str) -> None:
        """Note a stage as a parent of the stage being computed (if any)."""
        if self._frames:
            parent = Parent(kind, name, key, digest)
            if parent not in self._frames[-1]:
                self._frames[-1].append(parent)

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

    def _compute(self, name: str, compute: Callable, path: Path, status: str) -> tuple[Any, list[Parent], float]:
        """Run a stage's computation, recording the stages it reads (its parents)."""
        if status == "damaged":
            self.log(f"{name}: stored file does not match its manifest's SHA-256 (damaged); recomputing")
        self.log(f"computing {name} ...")
        kind = "table" if path.suffix == ".csv" else "state"
        if self.on_stage:
            self.on_stage("start", kind, name)
        faults.point("compute", path)
        self._frames.append([])
        t0 = time.perf_counter()
        try:
            value = compute()
        finally:
            parents = self._frames.pop()
        return value, parents, time.perf_counter() - t0

    def _finish(self, kind: str, name: str) -> None:
        self._status.clear()   # a stage written can change what is current downstream of it
        self._networks = None
        if self.on_stage:
            self.on_stage("done", kind, name)

    # --- tables ---------------------------------------------------------------------------------
    def table(self, name: str, config: Any, compute: Callable[[], pd.DataFrame], *,
              code: Sequence[Callable] = ()) -> pd.DataFrame:
        """A tidy table computed by ``compute``; ``code`` names further callables its computation runs (their
        modules join the stage's roots)."""
        code_info = self.code(compute, code)
        key = self.key_of(config, code_info)
        csv = self.table_path(name, key)
        status = self.status("table", name, key)
        if self.mode == "plan":
            superseded = self.index.get(name, key) != key or any(
                m.name != f"{key}.manifest.json" for m in (self.root / "stages" / name).glob("*.manifest.json"))
            if status == "missing" and superseded:
                status = "stale"   # an older result of this stage exists: its code or config has changed
            self._record("table", name, key, status, csv if status == "fresh" else None)
            record = self.records[f"table:{name}"]
            record.config, record.code = json.loads(json.dumps(config, default=str, ensure_ascii=False)), code_info
            return pd.DataFrame()
        if status == "fresh":
            return self._serve_table(name, key, "fresh")
        if self.mode == "load":
            old = self.index.get(name)
            if old is not None and self.check(self.table_path(name, old)) == "fresh":
                return self._serve_table(name, old, "stale" if old != key or status == "stale" else status)
            raise MissingStage(f"table {name!r} of this run was never computed (or is damaged); "
                               f"run `fragility compute` for it first")
        lock = self._lock(name, key)
        try:
            self._status.pop(("table", name, key), None)
            status = self.status("table", name, key)   # another run may have finished it while this one waited
            if status == "fresh":
                return self._serve_table(name, key, "fresh")
            df, parents, wall = self._compute(name, self.provided.get(name, compute), csv, status)
            if name in self.provided:
                parents = [Parent(**p) for p in self.provided_parents.get(name, [])]
            atomic_write(csv, lambda p: df.to_csv(p, index=False, float_format="%.6g"))
            faults.point("manifest", csv)
            write_json(self.manifest_path(csv),
                       self._manifest(name, key, config, code_info, csv, wall, sha256_file(csv), parents))
            self._finish("table", name)
        finally:
            lock.release()
        return self._serve_table(name, key, "computed")   # what a later load returns: fresh and cached runs match

    def _serve_table(self, name: str, key: str, status: str) -> pd.DataFrame:
        path = self.table_path(name, key)
        self._record("table", name, key, status, path)
        self._read("table", name, key, self.digest("table", name, key) or "")
        return pd.read_csv(path)

    # --- model states ---------------------------------------------------------------------------
    def state(self, name: str, config: Any, compute: Callable[[], dict], *, code: Sequence[Callable] = ()) -> dict:
        """A state of tensors and plain containers, cached under ``.state/`` and memoised in memory.

        Loaded with ``torch.load(weights_only=True)`` and checked against its manifest's content digest.
        Callers must not mutate what they get.
        """
        code_info = self.code(compute, code)
        key = self.key_of(config, code_info)
        if key not in self._states:
            if self.mode != "compute":
                raise RuntimeError(f"state {name!r} requested in {self.mode} mode: states are computed only "
                                   f"inside table stages")
            pt = self.state_path(name, key)
            state, status = self._load_state(name, key)
            if state is None and self.provided:
                raise RuntimeError(f"state {name!r} was requested outside the table stages of a run assembled "
                                   f"from chunks of members: its chapter cannot be computed in chunks")
            if state is None:
                lock = self._lock(name, key)
                try:
                    self._status.pop(("state", name, key), None)
                    state, status = self._load_state(name, key)   # another run may have finished it meanwhile
                    if state is None:
                        state, status = self._compute_state(name, key, config, code_info, pt, status, compute)
                finally:
                    lock.release()
            self._record("state", name, key, status, pt)
            self._states[key] = (state, self.digest("state", name, key))
        state, digest = self._states[key]
        self._read("state", name, key, digest)
        return state

    def _load_state(self, name: str, key: str) -> tuple[Any, str]:
        """The stored network if it is current and its file holds the content its manifest records."""
        status = self.status("state", name, key)
        pt = self.state_path(name, key)
        if status != "fresh" or not pt.exists():
            return None, status if status != "fresh" else "missing"
        state = torch.load(pt, weights_only=True, map_location=self.device)
        if state_digest(state) != self.digest("state", name, key):
            return None, "damaged"
        return state, "fresh"

    def _compute_state(self, name, key, config, code_info, pt: Path, status: str, compute) -> tuple[Any, str]:
        if status == "damaged":
            self.log(f"{name}: stored network does not match its manifest's content digest (damaged); training it again")
        state, parents, wall = self._compute(name, compute, pt, "missing")
        digest = state_digest(state)
        atomic_write(pt, lambda p: torch.save(state, p))
        faults.point("manifest", pt)
        before = self.manifest(name, key, "state")
        if before is not None and before.get("digest") == digest and \
                before.get("parents") == [p.as_dict() for p in parents]:
            self.log(f"{name}: trained again, bit-identical to the recorded network")
        else:
            if before is not None and before.get("digest") not in (None, digest):
                self.log(f"{name}: trained again on {cpu_model()}, other bytes than the network recorded on "
                         f"{before.get('cpu')}: the tables measured on that network are stale")
            write_json(self.manifest_path(pt), self._manifest(name, key, config, code_info, pt, wall, digest, parents))
        self._finish("state", name)
        return state, "computed"

    def model(self, name: str, config: Any, compute: Callable[[], ModelKind], kind: type, *,
              code: Sequence[Callable] = ()):
        """A model of class ``kind`` (an :class:`EnsembleMLP`, a GRU ensemble or LoRA adapters without their base
        weights), cached as its state; returns a private copy (callers may mutate it)."""
        state = self.state(name, config, lambda: compute().to_state(), code=(compute, kind, *code))
        return kind.from_state(state, device=self.device)

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
