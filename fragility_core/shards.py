"""Seed shards: a long seed list computed in chunks of members that fit in memory, then merged.

Members of an ensemble are independent: each has its own data order, initialisation and draws, and the batched
arithmetic of one member does not depend on the others (tested: a chapter computed in one batch and in chunks
gives byte-identical tables). So a chapter on many seeds can be computed chunk by chunk, each chunk a run of its
own in the same results root, and every table of the whole seed list assembled from the chunks' tables.

A chapter's tidy tables are sequences of *blocks*: within a block the rows run through the seeds in order (each
seed's rows consecutive, the same number per seed). The table of the whole list is block ``j`` of every chunk, in
chunk order, for each ``j``, with ``member`` shifted by the chunk's offset. A table that does not have this shape
is refused (:class:`ShardError`) rather than guessed at.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

MEMORY_FRACTION = 0.5    # of the memory available when a run starts
MIN_CHUNK = 2            # at most this many members at once (a one-seed chunk takes its blocks from another)


class ShardError(ValueError):
    """A table cannot be assembled from seed shards."""


def available_memory() -> int:
    """Bytes of memory available to a new process here (``MemAvailable``), or all physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def members_within(memory_per_member: int, budget: int | None = None) -> int:
    """How many members fit in ``budget`` bytes (default: half the available memory), at least :data:`MIN_CHUNK`."""
    budget = int(available_memory() * MEMORY_FRACTION) if budget is None else budget
    return max(MIN_CHUNK, budget // max(1, memory_per_member))


def chunks(seeds: Sequence[int], max_members: int) -> list[tuple[int, ...]]:
    """``seeds`` in order, split into the fewest chunks of at most ``max_members``, as even as possible."""
    seeds = tuple(seeds)
    if max_members < MIN_CHUNK:
        raise ValueError(f"max_members must be at least {MIN_CHUNK}, got {max_members}")
    n = math.ceil(len(seeds) / max_members)
    size, extra = divmod(len(seeds), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(seeds[start:end])
        start = end
    return out


def _blocks(table: pd.DataFrame, seeds: Sequence[int], name: str,
            rows_per_seed: Sequence[int] | None = None) -> list[pd.DataFrame]:
    """``table`` cut into its blocks; a one-seed table has no visible boundaries: ``rows_per_seed`` gives them."""
    if "seed" not in table.columns:
        raise ShardError(f"table {name!r} has no seed column: it cannot be assembled from seed shards")
    values = table["seed"].tolist()
    blocks, i = [], 0
    while i < len(values):
        if rows_per_seed is not None:
            r = rows_per_seed[len(blocks)] if len(blocks) < len(rows_per_seed) else 0
        else:
            r = 0
            while i + r < len(values) and values[i + r] == seeds[0]:
                r += 1
        expected = [s for s in seeds for _ in range(r)]
        if r == 0 or values[i:i + len(expected)] != expected:
            raise ShardError(f"table {name!r}: rows {i}.. do not run through the seeds {list(seeds)} in order; "
                             f"it cannot be assembled from seed shards")
        blocks.append(table.iloc[i:i + len(expected)])
        i += len(expected)
    return blocks


def merge(tables: Sequence[pd.DataFrame], shards: Sequence[Sequence[int]], name: str = "table") -> pd.DataFrame:
    """The table of all seeds, assembled from each shard's table (see the module docstring)."""
    if len(tables) != len(shards) or not tables:
        raise ValueError("merge needs one table per shard")
    if all(len(s) < MIN_CHUNK for s in shards) and len(shards) > 1:
        raise ShardError(f"table {name!r}: shards of one seed each have no visible block structure")
    per_shard: list = [_blocks(t, s, name) if len(s) >= MIN_CHUNK or len(shards) == 1 else None
                       for t, s in zip(tables, shards)]
    ref = next(k for k, b in enumerate(per_shard) if b is not None)
    rows_per_seed = [len(b) // len(shards[ref]) for b in per_shard[ref]]
    per_shard = [b if b is not None else _blocks(t, s, name, rows_per_seed)
                 for b, t, s in zip(per_shard, tables, shards)]
    if len({len(b) for b in per_shard}) != 1:
        raise ShardError(f"table {name!r}: the shards have different numbers of blocks")
    offsets = [sum(len(s) for s in shards[:k]) for k in range(len(shards))]
    parts = []
    for j in range(len(per_shard[0])):
        if len({len(b[j]) // len(s) for b, s in zip(per_shard, shards)}) != 1:
            raise ShardError(f"table {name!r}: block {j} has a different number of rows per seed across shards")
        for blocks, seeds, offset in zip(per_shard, shards, offsets):
            block = blocks[j]
            if "member" in block.columns:
                r = len(block) // len(seeds)
                if block["member"].tolist() != [m for m in range(len(seeds)) for _ in range(r)]:
                    raise ShardError(f"table {name!r}: members are not the seeds' positions; it cannot be "
                                     f"assembled from seed shards")
                block = block.assign(member=block["member"] + offset)
            parts.append(block)
    return pd.concat(parts, ignore_index=True)


def merge_files(paths: Sequence[Path], shards: Sequence[Sequence[int]], name: str) -> pd.DataFrame:
    return merge([pd.read_csv(p) for p in paths], shards, name)
