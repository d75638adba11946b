"""What a chapter notebook checks of its papermill parameters.

The notebook's ``parameters`` cell ends with ``_declared = set(dir())``; the next cell calls
:func:`check_parameters` with ``set(dir())``. Any name that appeared in between was injected by papermill
without being declared: a misspelt or unknown parameter, which papermill itself only warns about. Here it is
an error, before anything is computed.
"""
from __future__ import annotations

from collections.abc import Iterable


def check_parameters(declared: Iterable[str], now: Iterable[str]) -> None:
    unknown = sorted(n for n in set(now) - set(declared) if not n.startswith("_"))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(map(repr, unknown))}: this notebook declares "
                         f"{', '.join(sorted(n for n in declared if not n.startswith('_') and n not in IPYTHON))}")


IPYTHON = {"In", "Out", "exit", "quit", "get_ipython", "open"}
