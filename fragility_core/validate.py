"""Input checks that run before any compute and name the offending parameter."""
from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

MAX_SEED = 2**31   # seeds are integers in [0, 2**31): every generator here accepts them


def check_fraction(name: str, value: float, *, allow_one: bool = True) -> float:
    """A fraction in [0, 1] (or [0, 1) when ``allow_one`` is false)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}") from None
    upper_ok = v <= 1.0 if allow_one else v < 1.0
    if not (v >= 0.0 and upper_ok):
        bound = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must be a fraction in {bound}, got {value!r}")
    return v


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    v = float(value)
    if not (v > 0 or (allow_zero and v == 0)):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def check_seeds(name: str, seeds: Sequence[int], *, unique: bool = True) -> tuple[int, ...]:
    """A non-empty tuple of non-negative ints (repeats allowed only where members are (seed, arm) pairs)."""
    if isinstance(seeds, (int, str)) or seeds is None:
        raise ValueError(f"{name} must be a non-empty list of integer seeds, got {seeds!r}")
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError(f"{name} must be a non-empty list of integer seeds, got an empty list")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise ValueError(f"{name} must hold non-negative integers, got {s!r}")
    if unique and len(set(seeds)) != len(seeds):
        raise ValueError(f"{name} must not repeat a seed, got {list(seeds)}")
    return seeds


def check_seed_range(name: str, seeds: Sequence[int]) -> tuple[int, ...]:
    """Seeds every generator here accepts: integers in [0, 2**31) (a run checks this before it computes)."""
    for s in seeds:
        if not 0 <= s < MAX_SEED:
            raise ValueError(f"{name} must hold integers in [0, 2**31), got {s!r}")
    return tuple(seeds)


def check_writable_dir(name: str, path: str | Path) -> Path:
    """A directory this process can write into (it may not exist yet: then its nearest existing ancestor must be a
    writable directory). Probed by creating and removing a file; nothing is left behind."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name}: {str(path)!r} exists and is not a directory")
    probe_dir = path
    while not probe_dir.exists():
        if probe_dir.parent == probe_dir:
            break
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise ValueError(f"{name}: {str(path)!r} cannot be created ({str(probe_dir)!r} is not a directory)")
    try:
        fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".write-probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ValueError(f"{name}: {str(path)!r} is not writable ({err.strerror})") from None
    return path


def resolve_device(device: str | torch.device) -> torch.device:
    """A torch device that exists here; ``"cuda"`` without a GPU is an error, not a silent fallback."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was requested but no CUDA device is available on this machine")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) present")
    elif dev.type != "cpu":
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    return dev


# --- the admissible range of every treatment, modulator, stress and protocol parameter ------------------------
# Each parameter class declares its ranges once, as ``RANGES: ClassVar[dict[str, Range]]`` beside its fields, and
# ends its ``__post_init__`` with :func:`check_ranges`: direct construction, ``dataclasses.replace`` and every
# profile are checked alike. A check only ever raises or does nothing: it computes no number.
@dataclass(frozen=True)
class Range:
    low: float | None = None          # None: unbounded
    high: float | None = None
    low_open: bool = False            # (low, ...] instead of [low, ...]
    high_open: bool = False
    integer: bool = False
    optional: bool = False            # None allowed

    def admits(self, value) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return False
        if self.integer and not float(value).is_integer():
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True

    def __str__(self) -> str:
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        text = f"{'(' if self.low_open or self.low is None else '['}{lo}, {hi}{')' if self.high_open or self.high is None else ']'}"
        return ("an integer in " if self.integer else "in ") + text + (" or None" if self.optional else "")


FRACTION = Range(0, 1)
NON_NEGATIVE = Range(0)
POSITIVE = Range(0, low_open=True)
COUNT = Range(1, integer=True)              # a number of things: at least one
EPOCHS = Range(0, integer=True)             # zero epochs is a valid (empty) phase
DAMPING = Range(0, 1, low_open=True)        # a multiplicative inhibition: (0, 1]
THRESHOLD = Range()                         # an accuracy bound (%): any number (above 100: every member relapses)



def check_ranges(obj) -> None:
    """Raise ``ValueError`` naming the first field of ``obj`` outside the range its class declares."""
    for name, rule in type(obj).RANGES.items():
        value = getattr(obj, name)
        if not rule.admits(value):
            raise ValueError(f"{type(obj).__name__}.{name} must be {rule}, got {value!r}")


def range_table() -> list[tuple[str, str, str]]:
    """(class, field, admissible values) for every declared range: the documentation of the ranges."""
    from fragility_core.science.kindling import Kindling
    from fragility_core.science.longitudinal import ChronicStress
    from fragility_core.science.mood_stabiliser import Discontinuation
    from fragility_core.science.protocol import Protocol
    from fragility_core.science.scars import EarlyAdversity
    from fragility_core.science.stress import StressCondition
    from fragility_core.science.training import Ramp, TrainSpec
    from fragility_core.science.treatments import ChronicKetamine, Ketamine, Neurosteroid

    classes = (Ketamine, ChronicKetamine, Neurosteroid, TrainSpec, Ramp, StressCondition, Protocol, ChronicStress,
               Discontinuation, EarlyAdversity, Kindling)
    return [(cls.__name__, name, str(rule)) for cls in classes for name, rule in cls.RANGES.items()]

