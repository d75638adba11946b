"""What a chapter page shows besides the science: the run banner, comparison views, figures' common style."""
from __future__ import annotations

import html

import pandas as pd

from .published import style_comparison

from .profiles import get_profile
from .protocol import Protocol
from .store import ResultStore


def run_record(store: ResultStore, chapter: str) -> dict:
    """Provenance of a chapter's results, from its stage manifests."""
    manifests = store.manifests(chapter)
    if not manifests:
        raise FileNotFoundError(f"no results for {chapter} under {store.root}")
    return {
        "profile": manifests[0]["profile"],
        "wall_time_s": sum(m["wall_time_s"] for m in manifests),
        "devices": sorted({m["device"] for m in manifests}),
        "package_versions": sorted({m["package_version"] for m in manifests}),
        "git_commits": sorted({m["git_commit"][:10] + ("+dirty" if m["git_commit"].endswith("+dirty") else "")
                               for m in manifests}),
        "torch_versions": sorted({m["torch_version"] for m in manifests}),
        "stages": [m["stage"] for m in manifests],
    }


def banner_html(protocol: Protocol, store: ResultStore, chapter: str) -> str:
    """A box naming the profile (and flagging a reduced one), seeds, device and provenance."""
    rec = run_record(store, chapter)
    profile = get_profile(protocol.profile)
    kind = "note" if profile.is_paper else "warning"
    title = "Profile: paper — the published protocol" if profile.is_paper else \
        f"Profile: {profile.name} — a reduced preview, NOT the published protocol"
    body = (f"Seeds {list(protocol.seeds)} · device {', '.join(rec['devices'])} · "
            f"wall time: {rec['wall_time_s']:.1f} s · fragility_core {', '.join(rec['package_versions'])} · "
            f"torch {', '.join(rec['torch_versions'])} · commit {', '.join(rec['git_commits'])}")
    if not profile.is_paper:
        body += f"<br>{html.escape(profile.description)}."
    return (f'<div class="admonition {kind}"><p class="admonition-title">{html.escape(title)}</p>'
            f"<p>{body}</p></div>")


def comparison_view(comparison: pd.DataFrame, table: str | None = None):
    """Published beside ours (at the published precision), the difference and a coloured verdict.

    ``table`` keeps one published table ("" = numbers stated in the prose or abstract).
    """
    df = comparison if table is None else comparison[comparison["table"].fillna("") == table]
    df = df.reset_index(drop=True)
    empty = [c for c in ("min", "max", "published_sd", "ours_sd") if df[c].isna().all()]
    hidden = empty + (["table"] if table is not None or (df["table"].fillna("") == "").all() else [])
    return style_comparison(df).hide(subset=hidden, axis="columns")


def export_page_tables(store: ResultStore, chapter: str, **tables: pd.DataFrame) -> None:
    """Write a page's derived tables (comparison, claims) beside its results, for the scorecard page.

    They are functions of the stored results and the published values, so they are rewritten on every run.
    """
    from .store import _atomic_write
    for name, df in tables.items():
        _atomic_write(store.root / chapter / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))
