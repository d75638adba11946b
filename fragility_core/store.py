"""The results store: every stage is written atomically with a manifest, and loaded when it matches.

Layout under ``root`` (one root per profile, e.g. ``results/paper``)::

    <chapter>/<table>.csv + <table>.manifest.json     small tidy tables, committed
    .state/<name>-<hash>.pt + .manifest.json         network states, never committed

A stage is recomputed when its config hash or the package version differs from its manifest.
The manifest is written last, so a present manifest always describes a complete result.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import torch

from . import __version__
from .network import EnsembleMLP


def config_hash(config: dict) -> str:
    blob = json.dumps(config, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def git_commit() -> str:
    try:
        here = Path(__file__).parent
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "."], cwd=here,
                               capture_output=True, text=True, timeout=10)
        commit = head.stdout.strip() or "unknown"
        return commit + ("+dirty" if dirty.stdout.strip() and commit != "unknown" else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class ResultStore:
    """Stages of one profile, cached on disk and memoised in memory."""

    def __init__(self, root: str | Path, *, profile: str, device: torch.device | str = "cpu", log=print):
        self.root = Path(root)
        self.profile = profile
        self.device = torch.device(device)
        self.log = log or (lambda *a: None)
        self._states: dict[str, dict] = {}

    # --- manifests ------------------------------------------------------------------------------
    def _manifest(self, name: str, config: dict, wall: float) -> dict:
        return {
            "stage": name, "profile": self.profile, "config": config, "config_hash": config_hash(config),
            "package_version": __version__, "git_commit": git_commit(), "torch_version": torch.__version__,
            "device": str(self.device), "wall_time_s": round(wall, 3),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    def _matches(self, manifest_path: Path, config: dict) -> dict | None:
        if not manifest_path.exists():
            return None
        m = json.loads(manifest_path.read_text())
        ok = (m.get("config_hash") == config_hash(config) and m.get("package_version") == __version__
              and torch.device(m.get("device", "cpu")).type == self.device.type)
        return m if ok else None

    def _write_manifest(self, path: Path, manifest: dict) -> None:
        _atomic_write(path, lambda p: p.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str)))

    # --- stages ---------------------------------------------------------------------------------
    def table(self, name: str, config: dict, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A tidy table stored as ``<root>/<name>.csv``; ``name`` like ``"ch01/battery"``."""
        csv, man = self.root / f"{name}.csv", self.root / f"{name}.manifest.json"
        if self._matches(man, config) and csv.exists():
            return pd.read_csv(csv)
        self.log(f"computing {name} ...")
        t0 = time.perf_counter()
        df = compute()
        wall = time.perf_counter() - t0
        _atomic_write(csv, lambda p: df.to_csv(p, index=False, float_format="%.6g"))
        self._write_manifest(man, self._manifest(name, config, wall))
        return pd.read_csv(csv)  # what a later load returns, so fresh and cached runs print identically

    def state(self, name: str, config: dict, compute: Callable[[], dict]) -> dict:
        """Any torch-serialisable state (tensors, dicts), cached under ``.state/``; memoised in memory.

        Callers must not mutate what they get; :meth:`network` hands out private copies.
        """
        key = f"{name}-{config_hash(config)[:12]}"
        if key not in self._states:
            pt, man = self.root / ".state" / f"{key}.pt", self.root / ".state" / f"{key}.manifest.json"
            if self._matches(man, config) and pt.exists():
                state = torch.load(pt, weights_only=False, map_location=self.device)
            else:
                self.log(f"computing {name} ...")
                t0 = time.perf_counter()
                state = compute()
                wall = time.perf_counter() - t0
                _atomic_write(pt, lambda p: torch.save(state, p))
                self._write_manifest(man, self._manifest(name, config, wall))
            self._states[key] = state
        return self._states[key]

    def network(self, name: str, config: dict, compute: Callable[[], EnsembleMLP]) -> EnsembleMLP:
        """A network state, cached under ``.state/``; returns a private copy (callers may mutate it)."""
        state = self.state(name, config, lambda: compute().to_state())
        return EnsembleMLP.from_state(state, device=self.device)

    def manifests(self, chapter: str) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted((self.root / chapter).glob("*.manifest.json"))]
