"""Fault injection for the reliability tests: a process can be made to kill itself at a named point.

``FRAGILITY_FAULT="<point>:<text>"`` makes the process ``SIGKILL`` itself the first time it reaches ``point``
for a path containing ``text`` (``write``: a file's temporary copy is written but not yet moved into place;
``manifest``: a stage's file is in place but its manifest is not; ``compute``: a stage has started computing).
With ``FRAGILITY_FAULT_ONCE=<marker path>`` only the first process to reach the point dies (it creates the
marker; a process finding it carries on), which is how a test kills one Dask worker mid-shard and lets the retry
finish. Unset (always, outside the tests), every point is a no-op.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

VARIABLE = "FRAGILITY_FAULT"
ONCE = "FRAGILITY_FAULT_ONCE"


def point(name: str, path: str | Path) -> None:
    spec = os.environ.get(VARIABLE)
    if not spec:
        return
    where, _, text = spec.partition(":")
    if where == name and text in str(path):
        marker = os.environ.get(ONCE)
        if marker:
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
        os.kill(os.getpid(), signal.SIGKILL)
