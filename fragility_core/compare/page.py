"""What a chapter page shows besides the science: the run banner and the comparison views."""
from __future__ import annotations

import html
import json

import pandas as pd

from fragility_core.compare.published import style_comparison
from fragility_core.profiles import Profile, get_profile
from fragility_core.store import StageRecord


def provenance(run, records: list[StageRecord]) -> dict:
    """Provenance of the tables a page shows, from their manifests."""
    manifests = [json.loads((run.root / r.path).with_suffix(".manifest.json").read_text())
                 for r in records if r.path]
    if not manifests:
        raise FileNotFoundError(f"no results for {run.chapter.key} under {run.root}")
    commit = lambda c: c[:10] + ("+dirty" if c.endswith("+dirty") else "")  # noqa: E731
    return {
        "wall_time_s": sum(m["wall_time_s"] for m in manifests),
        "devices": sorted({m["device"] for m in manifests}),
        "package_versions": sorted({m["package_version"] for m in manifests}),
        "git_commits": sorted({commit(m["git_commit"]) for m in manifests}),
        "torch_versions": sorted({m["torch_version"] for m in manifests}),
    }


def profile_of(run) -> Profile:
    """The run's profile: one of every chapter's (:data:`PROFILES`) or one the chapter defines itself."""
    own = {p.name: p for p in run.chapter.own_profiles}
    return own[run.profile] if run.profile in own else get_profile(run.profile)


def banner_html(run, records: list[StageRecord]) -> str:
    """A box naming the profile (flagging a reduced one), the seeds, device and provenance; and a red box
    when any table shown was computed by other code than the current (stale)."""
    rec = provenance(run, records)
    profile = profile_of(run)
    kind = "note" if profile.is_paper else "warning"
    title = "Profile: paper — the published protocol" if profile.is_paper else \
        f"Profile: {profile.name} — a reduced protocol, NOT the published protocol"
    seeds = f"Seeds {list(run.seeds)}" + ("" if run.published_seeds else " (not the volume's seeds)")
    body = (f"{seeds} · device {', '.join(rec['devices'])} · "
            f"wall time: {rec['wall_time_s']:.1f} s · fragility_core {', '.join(rec['package_versions'])} · "
            f"torch {', '.join(rec['torch_versions'])} · commit {', '.join(rec['git_commits'])}")
    if not profile.is_paper:
        body += f"<br>{html.escape(profile.description)}."
    out = (f'<div class="admonition {kind}"><p class="admonition-title">{html.escape(title)}</p>'
           f"<p>{body}</p></div>")
    stale = [r.name for r in records if r.status not in ("fresh", "computed")]
    if stale:
        out += ('<div class="admonition danger"><p class="admonition-title">STALE — these numbers are not what the '
                'current code computes</p><p>The tables ' + ", ".join(html.escape(s) for s in stale) +
                " were computed by an earlier version of the code and have not been recomputed since. Every number "
                "below that depends on them is out of date until the chapter is run again.</p></div>")
    return out


def comparison_view(comparison: pd.DataFrame, table: str | None = None):
    """Published beside ours (at the published precision), the difference and a coloured verdict.

    ``table`` keeps one published table ("" = numbers stated in the prose or abstract).
    """
    df = comparison if table is None else comparison[comparison["table"].fillna("") == table]
    df = df.reset_index(drop=True)
    empty = [c for c in ("min", "max", "published_sd", "ours_sd") if df[c].isna().all()]
    hidden = empty + (["table"] if table is not None or (df["table"].fillna("") == "").all() else [])
    return style_comparison(df).hide(subset=hidden, axis="columns")
