"""Named, independent random streams per member, so a member's numbers never depend on its neighbours."""
from __future__ import annotations

import hashlib

import torch


def stream_seed(seed: int, *purpose: object) -> int:
    """A stable 63-bit seed for ``(seed, purpose...)``; identical across runs, platforms and processes."""
    key = ":".join(str(p) for p in (seed, *purpose)).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little") >> 1


def generator(seed: int, *purpose: object, device: torch.device | str = "cpu") -> torch.Generator:
    """A generator seeded by ``seed`` itself when no purpose is given (so it matches ``torch.manual_seed``)."""
    g = torch.Generator(device=device)
    g.manual_seed(seed if not purpose else stream_seed(seed, *purpose))
    return g
