"""Seed shards: a long seed list computed in chunks of members that fit in memory, then merged.

Members of an ensemble are independent: each has its own data order, initialisation and draws, and the batched
arithmetic of one member does not depend on the others, with one exception that decides where chunks may be
cut. The optimiser's CPU kernel (fused Adam) updates a tensor a vector of 8 or 16 floats at a time and the
floats left over at the tensor's end with scalar code, which can round differently in the last bit; the one
parameter whose per-member size is not a multiple of 16 floats is the output bias (4 floats per member), so in
an ensemble whose size is not a multiple of 4 the last members' output biases are updated by the scalar code.
Measured: chapter 5 at the paper profile in chunks of 5 + 5 members differs from one batch of 10 in seeds 4 and
9 (a last-bit difference after 127 Adam steps, grown by training to 25 points on one stress metric); in chunks
of 4 + 6 it is byte-identical. So every chunk but the last holds a multiple of :data:`MEMBER_ALIGNMENT` members:
then each member sits at the same position relative to the vector blocks and to the tensor's end as in one
batch (tested with the optimiser itself and with whole chapters).

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
MEMBER_ALIGNMENT = 4     # every chunk but the last holds a multiple of this many members (see above)
MIN_CHUNK = MEMBER_ALIGNMENT   # the smallest --max-members


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


def chunks(seeds: Sequence[int], max_members: int, *, parts: int | None = None) -> list[tuple[int, ...]]:
    """``seeds`` in order, in chunks of at most ``max_members``, every chunk but the last a multiple of
    :data:`MEMBER_ALIGNMENT` members (so that each member computes exactly as in one batch).

    ``parts=None``: the fewest chunks (computed one after the other). ``parts=k``: the chunks finish soonest on
    ``k`` workers (the fewest rounds of the largest chunk), e.g. 10 seeds on 2 workers -> 4 + 6.
    """
    seeds = tuple(seeds)
    n = len(seeds)
    if max_members < MIN_CHUNK:
        raise ValueError(f"max_members must be at least {MIN_CHUNK}, got {max_members}")
    if n == 0:
        return []
    best = None
    for size in range(MEMBER_ALIGNMENT, max_members + 1, MEMBER_ALIGNMENT):   # the size of every chunk but the last
        for full in range(0, n // size + 1):
            last = n - full * size
            if not 0 < last <= max_members and not (last == 0 and full > 0):
                continue
            count = full + (last > 0)
            largest = max(size if full else 0, last)
            score = (count, largest) if parts is None else (math.ceil(count / parts) * largest, count, largest)
            if best is None or score < best[0]:
                best = (score, size, full)
    _, size, full = best
    out = [seeds[i * size:(i + 1) * size] for i in range(full)]
    return out + ([seeds[full * size:]] if full * size < n else [])


def check_aligned(shards: Sequence[Sequence[int]], name: str = "table") -> None:
    """Refuse chunks whose members would not compute exactly as in one batch (see the module docstring)."""
    bad = [len(s) for s in shards[:-1] if len(s) % MEMBER_ALIGNMENT]
    if bad:
        raise ShardError(f"table {name!r}: chunks of {[len(s) for s in shards]} members: every chunk but the last "
                         f"must hold a multiple of {MEMBER_ALIGNMENT} members, or the optimiser rounds its last "
                         f"members differently from one batch")


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
    check_aligned(shards, name)
    if all(len(s) < 2 for s in shards) and len(shards) > 1:
        raise ShardError(f"table {name!r}: shards of one seed each have no visible block structure")
    per_shard: list = [_blocks(t, s, name) if len(s) >= 2 or len(shards) == 1 else None
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
