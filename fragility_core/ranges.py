"""The admissible range of every treatment, modulator, stress and protocol parameter, checked at construction.

Each rule names a field of a parameter class and the values it may take; :func:`install` wraps the class's
``__init__`` (so direct construction, ``dataclasses.replace`` and every profile are checked alike) and it runs
when :mod:`fragility_core` is imported. A check only ever raises or does nothing: it computes no number, so
it lives outside the code a stage's key covers (changing a range never makes a stored result stale).

Some fields are checked twice (their class's own ``__post_init__`` already checks them); this table is the
complete statement of the ranges (:func:`table` lists them).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass


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


def _rules() -> dict[type, dict[str, Range]]:
    from fragility_core.science.kindling import Kindling
    from fragility_core.science.longitudinal import ChronicStress
    from fragility_core.science.mood_stabiliser import Discontinuation
    from fragility_core.science.protocol import Protocol
    from fragility_core.science.scars import EarlyAdversity
    from fragility_core.science.stress import StressCondition
    from fragility_core.science.training import Ramp, TrainSpec
    from fragility_core.science.treatments import ChronicKetamine, Ketamine, Neurosteroid

    return {
        Ketamine: {"fraction": FRACTION, "gradient_batches": COUNT, "init_std": NON_NEGATIVE, "gain": POSITIVE},
        ChronicKetamine: {"cycles": COUNT, "fraction": FRACTION, "gradient_batches": COUNT,
                          "init_std": NON_NEGATIVE},
        Neurosteroid: {"damping": DAMPING, "gain": POSITIVE},
        TrainSpec: {"epochs": EPOCHS, "lr": POSITIVE, "batch_size": COUNT},
        Ramp: {"start": NON_NEGATIVE, "end": NON_NEGATIVE},
        StressCondition: {"input_sigma": NON_NEGATIVE, "internal_sigma": NON_NEGATIVE},
        Protocol: {"prune_fraction": FRACTION, "relapse_fraction": FRACTION},
        ChronicStress: {"cycles": COUNT, "prune_fraction": FRACTION, "relapse_threshold": THRESHOLD},
        Discontinuation: {"lr": POSITIVE, "decay_steps": COUNT, "relapse_threshold": THRESHOLD},
        EarlyAdversity: {"max_fraction": FRACTION},
        Kindling: {"cycles": COUNT, "regrow_fraction": FRACTION, "gradient_batches": COUNT,
                   "init_std": NON_NEGATIVE, "noise_sigma": NON_NEGATIVE, "trigger_batches": COUNT,
                   "batch_size": COUNT, "relapse_threshold": THRESHOLD, "scar_base": FRACTION,
                   "severity_floor": Range(0, optional=True), "autonomy_threshold": THRESHOLD},
    }


def check(obj, rules: dict[str, Range]) -> None:
    """Raise ``ValueError`` naming the first field of ``obj`` outside its range."""
    for name, rule in rules.items():
        value = getattr(obj, name)
        if not rule.admits(value):
            raise ValueError(f"{type(obj).__name__}.{name} must be {rule}, got {value!r}")


def _checked(init: Callable, rules: dict[str, Range]) -> Callable:
    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        check(self, rules)
    __init__.__ranges__ = rules
    return __init__


def install() -> None:
    """Wrap each class's ``__init__`` once (importing twice does not wrap twice)."""
    for cls, rules in _rules().items():
        if not hasattr(cls.__init__, "__ranges__"):
            cls.__init__ = _checked(cls.__init__, rules)


def table() -> list[tuple[str, str, str]]:
    """(class, field, admissible values) for every rule: the documentation of the ranges."""
    return [(cls.__name__, name, str(rule)) for cls, rules in _rules().items() for name, rule in rules.items()]
