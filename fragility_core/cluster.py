"""Executors: where a run's seed shards are computed, in this process or on Dask workers.

A run whose seed list is split into shards (:mod:`fragility_core.shards`) computes each shard as a run of its
own in the same results root, then assembles the whole list's tables from the shards' tables. Where the shards
are computed is an *executor*'s business:

- :class:`Serial` computes them one after the other in this process (the default; what ``--max-members`` does);
- :class:`DaskExecutor` submits one task per shard to a Dask cluster (a ``LocalCluster`` here, a Slurm/PBS
  cluster through ``dask-jobqueue``, or any running scheduler). Each task opens the shared results store on its
  worker and computes the shard's stages there, atomically and under the store's stage locks; the driver then
  assembles the tables. A shard whose tables are stored is not submitted again; a task whose worker dies is
  rescheduled by Dask on another worker (``distributed.scheduler.allowed-failures``), and one that raises is
  retried once (``retries``). The results directory must be on a filesystem every worker and the driver share.

Members of an ensemble are independent, so the tables are the same whichever executor computed them (tested:
serial and sharded over two workers are byte-identical).
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fragility_core import shards as sharding

TORCH_THREADS = "FRAGILITY_TORCH_THREADS"   # torch threads per shard task on a worker (default: the worker's)


def compute_shard(chapter: str, profile: str, seeds: Sequence[int], device: str, root: str,
                  log: Callable[..., None] | None = None, on_stage: Callable[[str, str, str], None] | None = None,
                  progress: bool = False) -> list[tuple[str, str, str]]:
    """One shard's stages computed into the store at ``root``: ``(table name, key, path relative to root)``."""
    from fragility_core.chapters import get_chapter
    from fragility_core.store import ResultStore, remove_leftovers
    from fragility_core.validate import resolve_device

    ch = get_chapter(chapter)
    remove_leftovers(Path(root))
    store = ResultStore(root, profile=profile, device=resolve_device(device), log=log, on_stage=on_stage)
    ch.compute(store, ch.protocol(profile, tuple(seeds)), progress=progress)
    return [(r.name, r.key, r.path) for r in store.tables()]


def _shard_task(chapter: str, profile: str, seeds: Sequence[int], device: str, root: str, topic: str,
                shard: int) -> dict[str, Any]:
    """What a Dask worker runs: the shard, reporting its stages to the driver's progress bars."""
    import socket

    import torch
    from distributed import get_worker

    worker = get_worker()
    torch.set_num_threads(int(os.environ.get(TORCH_THREADS) or worker.state.nthreads))

    def on_stage(event: str, kind: str, name: str) -> None:
        worker.log_event(topic, {"shard": shard, "event": event, "kind": kind, "name": name})

    tables = compute_shard(chapter, profile, seeds, device, root, on_stage=on_stage)
    return {"tables": tables, "worker": worker.address, "host": socket.gethostname(),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


class Serial:
    """Shards computed one after the other in this process (each chunk's networks leave memory before the next)."""

    name = "serial"

    def shards(self, run) -> list[tuple[int, ...]]:
        return run.chunks()

    def compute(self, run, shards: Sequence[Sequence[int]], *, progress: bool, log) -> list[list[tuple]]:
        out = []
        for i, seeds in enumerate(shards, 1):
            if log:
                log(f"chunk {i}/{len(shards)}: seeds {seeds[0]}..{seeds[-1]}")
            out.append(compute_shard(run.chapter.key, run.profile, seeds, run.device, str(run.root), log=log,
                                     progress=progress))
        return out


class DaskExecutor:
    """Shards computed as Dask tasks, one per shard, on the workers of ``client``."""

    name = "dask"

    def __init__(self, client, *, retries: int = 1):
        self.client = client
        self.retries = retries

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def local(cls, n_workers: int | None = None, *, dashboard_address: str | None = ":8787", **kwargs):
        """A ``LocalCluster`` of ``n_workers`` single-threaded worker processes (default: one per core)."""
        Client, LocalCluster = _dask()
        n = n_workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=dashboard_address, **kwargs)
        return cls(Client(cluster))

    @classmethod
    def connect(cls, address: str):
        """The workers of a running scheduler (``dask scheduler``, a ``dask_jobqueue`` cluster, ...)."""
        Client, _ = _dask()
        return cls(Client(address))

    def close(self) -> None:
        cluster = self.client.cluster
        self.client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def dashboard_link(self) -> str | None:
        try:
            return self.client.dashboard_link
        except Exception:   # no dashboard (bokeh missing, or disabled)
            return None

    # --- the plan -------------------------------------------------------------------------------
    def workers(self) -> dict[str, dict]:
        self.client.wait_for_workers(1)
        return self.client.scheduler_info(n_workers=-1)["workers"]

    def shards(self, run) -> list[tuple[int, ...]]:
        """Shards that finish soonest on the workers' threads, each no larger than ``run.max_members`` or than
        half the smallest worker's memory limit holds (every shard but the last a multiple of
        :data:`~fragility_core.shards.MEMBER_ALIGNMENT` members, so that the numbers are one batch's)."""
        workers = self.workers()
        slots = sum(w.get("nthreads", 1) for w in workers.values()) or 1
        limit = run.max_members
        if limit is None:
            limits = [w.get("memory_limit") or 0 for w in workers.values()]
            limit = (sharding.members_within(run.chapter.member_memory_mb << 20,
                                             int(min(limits) * sharding.MEMORY_FRACTION))
                     if min(limits, default=0) > 0 else len(run.seeds))
        return sharding.chunks(run.seeds, max(sharding.MIN_CHUNK, limit), parts=slots)

    # --- compute --------------------------------------------------------------------------------
    def compute(self, run, shards: Sequence[Sequence[int]], *, progress: bool, log) -> list[list[tuple]]:
        from distributed import wait

        say = log or (lambda *a: None)
        if self.dashboard_link:
            say(f"Dask dashboard: {self.dashboard_link}")
        plans = [_plan(run, seeds) for seeds in shards]   # what each shard has stored already
        todo = [i for i, plan in enumerate(plans) if not all(r.status == "fresh" for r in plan)]
        say(f"{run.chapter.key}: {len(shards)} shards over {len(self.workers())} Dask workers"
            + (f" ({len(shards) - len(todo)} already stored)" if len(todo) < len(shards) else ""))
        topic = f"fragility-{uuid.uuid4().hex[:12]}"
        bars = _ShardBars(shards, todo, enabled=progress)
        self.client.subscribe_topic(topic, bars.handle)
        try:
            futures = {i: self.client.submit(_shard_task, run.chapter.key, run.profile, tuple(shards[i]), run.device,
                                             str(run.root.resolve()), topic, i, pure=False, retries=self.retries,
                                             key=f"{topic}-shard-{i}")
                       for i in todo}
            wait(list(futures.values()))
            results = {}
            for i, fut in futures.items():
                out = fut.result()   # raises the shard's error (after Dask's retries), naming it
                results[i] = out["tables"]
                bars.finish(i, out)
        finally:
            self.client.unsubscribe_topic(topic)
            bars.close()
        return [results[i] if i in results else [(r.name, r.key, r.path) for r in plans[i]]
                for i in range(len(shards))]


# --- helpers --------------------------------------------------------------------------------------
def _dask():
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError('the Dask executor needs dask and distributed: pip install -e ".[cluster]"') from None
    return Client, LocalCluster


def _plan(run, seeds: Sequence[int]):
    from fragility_core.store import ResultStore

    store = ResultStore(run.root, profile=run.profile, device=run.device, log=None, mode="plan")
    run.chapter.compute(store, run.chapter.protocol(run.profile, tuple(seeds)), progress=False)
    return store.tables()


class _ShardBars:
    """One terminal progress bar per shard: the stages (networks and tables) it has stored so far, and the one it
    is computing (a shard's stage count is only known once its tables ask for their networks)."""

    def __init__(self, shards, todo, *, enabled: bool):
        from tqdm.std import tqdm

        self.bars = {}
        if not enabled:
            return
        for pos, i in enumerate(todo):
            seeds = shards[i]
            self.bars[i] = tqdm(total=None, position=pos, leave=True, unit=" stages",
                                desc=f"shard {i + 1}/{len(shards)} seeds {seeds[0]}..{seeds[-1]}")

    def handle(self, event) -> None:
        _, msg = event
        bar = self.bars.get(msg.get("shard"))
        if bar is None:
            return
        if msg["event"] == "start":
            bar.set_postfix_str(f"computing {msg['name']}", refresh=True)
        else:
            bar.update(1)

    def finish(self, i: int, out: dict) -> None:
        bar = self.bars.get(i)
        if bar is not None:
            bar.set_postfix_str(f"done on {out['host']} ({out['threads']} threads)", refresh=True)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
