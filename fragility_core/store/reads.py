"""What a page read: every stored table served while a page is rendered, for its page manifest.

:func:`fragility_core.book.execute` names a file in :data:`ENV` for the notebook's kernel; each table the store
serves (any chapter, any results root) and each page export read (:func:`note_file`) is appended there as one
JSON line, and the book turns them into the page's manifest. Without the variable nothing is recorded.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "FRAGILITY_PAGE_READS"


def _append(record: dict) -> None:
    target = os.environ.get(ENV)
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")


def note(*, root: Path, name: str, key: str, digest: str, status: str) -> None:
    """A stored table served to the page."""
    _append({"kind": "table", "root": str(Path(root).resolve()), "name": name, "key": key, "digest": digest,
             "status": status})


def note_file(path: Path, digest: str) -> None:
    """A file another page wrote (a chapter's comparison or claims, read by the scorecard)."""
    _append({"kind": "export", "path": str(Path(path).resolve()), "digest": digest})
