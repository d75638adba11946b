"""What a chapter page shows besides the science: the run banner and the comparison views."""
from __future__ import annotations

import hashlib
import html
import json
import re

import numpy as np
import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS
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
    certified = [r for r in records if getattr(r, "certified", False)]
    if certified:
        body += (f"<br>{len(certified)} of the {len(records)} tables are <a href=\"../protocol_decisions.html"
                 f"#certification\">certified</a>: computed by an earlier version of the code, whose results at the "
                 f"smoke profile the current code reproduces byte for byte.")
    out = (f'<div class="admonition {kind}"><p class="admonition-title">{html.escape(title)}</p>'
           f"<p>{body}</p></div>")
    stale = [r.name for r in records if r.status not in ("fresh", "computed")]
    if stale:
        out += ('<div class="admonition danger"><p class="admonition-title">STALE — these numbers are not what the '
                'current code computes</p><p>The tables ' + ", ".join(html.escape(s) for s in stale) +
                " were computed by an earlier version of the code and have not been recomputed since. Every number "
                "below that depends on them is out of date until the chapter is run again.</p></div>")
    return out


def executors_view(run, benchmark) -> str:
    """The chapter computed serially and on Dask workers (``benchmarks.executors``): wall times, and whether the
    tables were byte-identical to those this page shows. Measured for one profile; said so on any other."""
    from pathlib import Path

    path = Path(benchmark)
    if not path.exists():
        return "<p>Not measured yet (<code>python -m benchmarks.executors</code>).</p>"
    bench = json.loads(path.read_text())
    if bench["profile"] != run.profile or not run.published_seeds:
        return (f"<p>Measured at the {html.escape(bench['profile'])} profile on the volume's seeds; this page "
                f"shows the {html.escape(run.profile)} profile" + ("" if run.published_seeds else
                                                                  " on other seeds") + ", so it is not repeated here.</p>")
    index = run.read_index()
    rows = []
    for r in bench["runs"]:
        same_keys = {t: v["key"] for t, v in r["tables"].items()} == index
        current = same_keys and all(
            v["sha256"] == hashlib.sha256((run.root / "stages" / t / f"{v['key']}.csv").read_bytes()).hexdigest()
            for t, v in r["tables"].items())
        verdict = ("identical to the tables on this page" if current else
                   "identical to the tables of an earlier version of the code" if r["identical_to_committed"]
                   else "DIFFERENT from the stored tables")
        shards = " + ".join(str(len(s)) for s in r["shards"]) if "shards" in r else "—"
        rows.append(f"<tr><td>{html.escape(r['executor'])}</td><td style='text-align:right'>{r['workers']}</td>"
                    f"<td style='text-align:right'>{shards}</td>"
                    f"<td style='text-align:right'>{r['wall_s']:,.0f} s</td>"
                    f"<td style='text-align:right'>{r['machine_busy_cores']:.2f}</td><td>{verdict}</td></tr>")
    m = bench["machine"]
    return ("<table><thead><tr><th>computed</th><th>processes</th><th>seeds per shard</th><th>wall time</th><th>machine busy (cores)</th>"
            "<th>tables</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            f"<p>Measured {html.escape(m['date'])} on {html.escape(m['cpu'])}, {m['usable_cpus']} cores, torch "
            f"{html.escape(m['torch'])}; each from an empty results directory. “dask” is single-threaded worker "
            "processes of a local Dask cluster, the seeds split between them (every shard but the last a multiple of four seeds); “serial” is one process "
            "with PyTorch's default threads. On two cores this checks that sharding changes no number; it is "
            "not a speed-up.</p>")


# --- the published tables in the volume's own shape, ours beside each number -----------------------------------
_CSS = (
    "<style>"
    ".fb-cmp{max-width:100%;font-size:0.86em;line-height:1.35;margin:0.4em 0 1.2em}"
    ".fb-cmp table{table-layout:fixed;width:100%;max-width:100%;border-collapse:collapse;margin:0.3em 0 0.5em}"
    ".fb-cmp caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 0.3em}"
    ".fb-cmp th,.fb-cmp td{border:1px solid #cfcfcf;padding:3px 6px;vertical-align:top;"
    "overflow-wrap:anywhere;white-space:normal}"
    ".fb-cmp thead th{background:#f4f4f4;font-weight:600;text-align:center;vertical-align:bottom;"
    "overflow-wrap:normal;hyphens:auto}"
    ".fb-cmp tbody th{text-align:left;font-weight:600;background:#fafafa}"
    ".fb-cmp td.fb-n{text-align:right;font-variant-numeric:tabular-nums}"
    ".fb-cmp td.fb-t{text-align:left}"
    ".fb-cmp .fb-ours{display:block;font-weight:600}"
    ".fb-cmp .fb-pub{display:block;color:#555}"
    ".fb-cmp .fb-key{display:inline-block;padding:0 0.4em;margin-right:0.3em;border:1px solid #cfcfcf}"
    ".fb-cmp p.fb-legend{margin:0.2em 0;color:#444}"
    ".fb-cmp ol.fb-notes{margin:0.2em 0 0.4em 1.4em;padding:0;color:#444}"
    ".fb-cmp details{margin:0.4em 0}"
    ".fb-cmp summary{cursor:pointer;color:#2a5db0}"
    ".fb-cmp sup{font-size:0.75em}"
    "</style>"
)
_SOURCES = {"abstract": "Stated in the abstract", "prose": "Stated in the text", "source": "Stated in the text"}
_TAGS = {"approx": "approximate", "lower bound": "a lower bound", "upper bound": "an upper bound",
         "in words": "stated in words"}


def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _minus(text: str) -> str:
    return text.replace("-", "−") if text[:1] in "+-" else text


def _details(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison with what a page shows besides its columns: ``tolerance`` (the rule that decided the
    verdict, from :func:`~fragility_core.compare.published.compare`), ``line`` and ``cell`` (the published
    number as printed, with its SD) and ``chapter``. Recomputed from the data file when the frame no longer
    carries them (a comparison read back from its CSV)."""
    from fragility_core.compare.published import compare, published

    attrs = comparison.attrs
    if {"chapter", "tolerance", "line", "cell"} <= set(attrs) and \
            all(isinstance(i, (int, np.integer)) and 0 <= i < len(attrs["tolerance"]) for i in comparison.index):
        out = comparison.copy()
        for name in ("tolerance", "line", "cell"):
            out[name] = [attrs[name][i] for i in comparison.index]
        out["chapter"] = attrs["chapter"]
        return out
    key = ["source", "table", "row", "column"]
    df = comparison.assign(table=comparison["table"].fillna("").astype(str))
    wanted = [tuple(map(str, k)) for k in df[key].to_numpy()]
    for chapter in sorted(set(published_all()["chapter"])):
        pub = [tuple(map(str, k)) for k in published(chapter)[key].to_numpy()]
        positions = []
        for k in wanted:          # each row to the next published row with its key (a key may be stated twice)
            hits = [i for i, p in enumerate(pub) if p == k and i not in positions]
            if not hits:
                break
            positions.append(hits[0])
        else:
            ours = df.drop(columns=["min", "max"]).rename(
                columns={"ours": "value", "ours_sd": "sd", "ours_min": "min", "ours_max": "max"})
            ours = ours.dropna(subset=["value", "min"], how="all").drop_duplicates(["table", "row", "column"])
            full = _details(compare(ours[["table", "row", "column", "value", "sd", "min", "max"]], chapter))
            return full.iloc[positions].set_axis(df.index)
    raise ValueError("these rows are not the published numbers of any one chapter")


def published_all() -> pd.DataFrame:
    from fragility_core.compare.published import load_published

    return load_published()


def _note_text(note: str, chapter: int) -> str:
    """A data-file note for a reader: its ``[tag]`` in words, line numbers as sections of the volume."""
    from fragility_core.compare.sections import readable

    note = (note or "").strip()
    m = re.match(r"^\[([^\]]+)\]\s*", note)
    if m:
        rest = note[m.end():]
        words = [_TAGS.get(t.strip(), t.strip()) for t in m.group(1).split(";")]
        stems = {"approximate": "approx", "a lower bound": "lower bound", "an upper bound": "upper bound",
                 "stated in words": "words"}
        missing = [w for w in words if stems.get(w, w).lower() not in rest.lower()]
        if missing:
            rest = ("Stated as " + " and ".join(missing) + (": " + rest if rest else "")) if rest else \
                "Stated as " + " and ".join(missing)
        note = rest
    note = readable(note, chapter)
    return note[:1].upper() + note[1:] if note else ""


class _Notes:
    """Numbered footnotes, each text once."""

    def __init__(self, start: int = 1):
        self.texts: list[str] = []
        self.start = start

    def mark(self, text: str) -> str:
        if not text:
            return ""
        if text not in self.texts:
            self.texts.append(text)
        return f"<sup>{self.start + self.texts.index(text)}</sup>"

    def html(self) -> str:
        if not self.texts:
            return ""
        return (f'<ol class="fb-notes" start="{self.start}">' + "".join(f"<li>{_esc(t)}</li>" for t in self.texts)
                + "</ol>")


def _shown(r) -> dict:
    """One comparison row as text: published (as printed, ± SD), ours (at the published precision), difference."""
    from fragility_core.compare.published import _format_number, display_decimals

    d = display_decimals(r["published"], r["unit"])
    if not (pd.isna(r.get("ours_min")) or pd.isna(r.get("ours_max"))) and pd.isna(r["ours"]):
        ours = f"{_minus(_format_number(r['ours_min'], d))}–{_minus(_format_number(r['ours_max'], d))}"
    elif pd.isna(r["ours"]):
        ours = ""
    else:
        ours = _minus(_format_number(r["ours"], d))
        if not pd.isna(r["ours_sd"]):
            ours += f" ±\u00a0{_format_number(r['ours_sd'], d)}"   # a break may come before "±", not after
    pub = _minus(str(r["cell"]).replace(" ± ", " ±\u00a0"))
    diff = "" if pd.isna(r["diff"]) else _minus(_format_number(r["diff"], d, signed=True))
    if diff and float(diff.replace("−", "-")) == 0:
        diff = diff[1:]                                   # "0.0", not "−0.0" or "+0.0"
    return {"ours": ours, "published": pub, "diff": diff}


def _title(r, s: dict) -> str:
    if r["verdict"] == "not reproduced":
        head = f"not reproduced — published {s['published']}"
    else:
        head = f"{r['verdict']} — ours {s['ours']}, published {s['published']}" + (
            f", difference {s['diff']}" if s["diff"] else "")
    return f"{head}. Tolerance: {r['tolerance']}."


def _quantity(r) -> str:
    """The printed column label, with the unit where neither label says it."""
    unit = str(r["unit"])
    said = unit in str(r["column"]) or unit in str(r["row"]) or unit in ("count", "") or \
        (unit in ("pt", "% of baseline") and "%" in str(r["column"]))
    return str(r["column"]) if said else f"{r['column']} ({unit})"


def _legend(verdicts: pd.Series, ours: bool = True) -> str:
    from fragility_core.compare.published import VERDICT_COLOURS, VERDICTS

    counts = verdicts.value_counts()
    keys = " ".join(f'<span class="fb-key" style="background:{VERDICT_COLOURS[v]}">{v} {int(counts.get(v, 0))}</span>'
                    for v in VERDICTS)
    return ('<p class="fb-legend">Each cell: <b>ours</b> above the published value (as printed, mean ± SD where '
            "the volume gives seeds); coloured by the verdict. Hover a cell for the tolerance that decided it. "
            f"{keys}</p>") if ours else ""


def _long_table(df: pd.DataFrame, notes: _Notes, *, where: bool = False, caption: str = "") -> str:
    """One row per number: reader-friendly headers, notes as footnote marks. ``where``: a column naming the
    section of the volume that states the number; the tolerance is then in the verdict's hover title only."""
    from fragility_core.compare.published import VERDICT_COLOURS
    from fragility_core.compare.sections import where as where_in

    widths = [22, 33, 13, 13, 10, 9] if where else [34, 12, 12, 9, 10, 23]
    heads = (["Where in the volume"] if where else []) + ["Quantity", "Published", "Ours", "Difference", "Verdict"] \
        + ([] if where else ["Decided by"])
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_esc(caption)}</caption>")
    out.append("<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>")
    out.append("<thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>")
    last = None
    for _, r in df.iterrows():
        s = _shown(r)
        colour = VERDICT_COLOURS.get(r["verdict"], "")
        mark = notes.mark(_note_text(r["note"], r["chapter"]))
        label = f"{r['row']}: {_quantity(r)}" if r["row"] else _quantity(r)
        place = where_in(r["line"], r["chapter"]) if where else ""
        shown_place, last = ("" if place == last else place), place      # a section is named where it begins
        cells = ([f'<td class="fb-t">{_esc(shown_place)}</td>'] if where else []) + [
            f'<td class="fb-t">{_esc(label)}{mark}</td>',
            f'<td class="fb-n">{_esc(s["published"])}</td>',
            f'<td class="fb-n">{_esc(s["ours"]) or "—"}</td>',
            f'<td class="fb-n">{_esc(s["diff"])}</td>',
            f'<td class="fb-t" style="background:{colour}" title="{_esc(_title(r, s))}">{_esc(r["verdict"])}</td>'] \
            + ([] if where else [f'<td class="fb-t" style="font-size:0.85em">{_esc(r["tolerance"])}</td>'])
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _grid(df: pd.DataFrame, notes: _Notes, *, ours: bool = True, caption: str = "") -> str:
    """The table as the volume prints it: its rows × its columns (order of first appearance)."""
    from fragility_core.compare.published import VERDICT_COLOURS

    rows, cols = list(dict.fromkeys(df["row"])), list(dict.fromkeys(df["column"]))
    by_key = {}
    for _, r in df.iterrows():
        by_key.setdefault((r["row"], r["column"]), r)
    label_w = 18 if len(cols) > 5 else 26 if len(cols) > 4 else 30
    out = ['<table style="font-size:0.92em">' if len(cols) > 5 else "<table>"]
    if caption:
        out.append(f"<caption>{_esc(caption)}</caption>")
    text = {k: _note_text(r["note"], r["chapter"]) for k, r in by_key.items()}
    shared = lambda keys: (lambda t: t.pop() if len(t) == 1 else "")({text[k] for k in keys})  # noqa: E731
    whole = shared(list(text)) if len(text) > 1 else ""
    col_note = {c: "" if whole else shared([k for k in text if k[1] == c]) for c in cols}
    col_note = {c: t if sum(k[1] == c for k in text) > 1 else "" for c, t in col_note.items()}
    row_note = {r: "" if whole else shared([k for k in text if k[0] == r]) for r in rows}
    row_note = {r: t if sum(k[0] == r for k in text) > 1 and t not in col_note.values() else ""
                for r, t in row_note.items()}
    out.append(f'<colgroup><col style="width:{label_w}%">' + "".join(
        f'<col style="width:{(100 - label_w) / len(cols):.2f}%">' for _ in cols) + "</colgroup>")
    out.append("<thead><tr><th></th>" + "".join(f'<th scope="col">{_esc(c)}{notes.mark(col_note[c])}</th>'
                                                for c in cols) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = [f'<th scope="row">{_esc(row)}{notes.mark(row_note[row])}</th>']
        for col in cols:
            r = by_key.get((row, col))
            if r is None:
                cells.append('<td class="fb-n" title="the volume prints no number here">—</td>')
                continue
            s = _shown(r)
            own = text[(row, col)]
            mark = "" if own in (whole, col_note[col], row_note[row]) else notes.mark(own)
            if not ours:
                cells.append(f'<td class="fb-n">{_esc(s["published"])}{mark}</td>')
                continue
            colour = VERDICT_COLOURS.get(r["verdict"], "")
            cells.append(f'<td class="fb-n" style="background:{colour}" title="{_esc(_title(r, s))}">'
                         f'<span class="fb-ours">{_esc(s["ours"]) or "—"}</span>'
                         f'<span class="fb-pub">{_esc(s["published"])}{mark}</span></td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if whole:
        out.append(f'<p class="fb-legend">Note on every number of this table: {_esc(whole)}</p>')
    return "".join(out)


def _one_table(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """The rows of one published table ("" = the numbers stated in the abstract and text)."""
    return df[df["table"].fillna("") == table]


def printed_table(comparison: pd.DataFrame, table: str, *, caption: str | None = None) -> str:
    """One published table of a :func:`~fragility_core.compare.published.compare` result, as HTML for a page.

    ``table`` ("Table 1") is shown in the volume's own shape, each cell ours above the published value, coloured
    by its verdict, the verdict and the tolerance that decided it in the cell's hover title; below it the notes
    (numbered, each once), then, collapsed, the same numbers one per row. ``table=""``: the numbers the volume
    states in its abstract and text, grouped by where they are stated, one per row. Deterministic: the same
    comparison gives the same bytes (no random ids). Wrap with ``IPython.display.HTML`` to show it."""
    df = _one_table(_details(comparison), table)
    if df.empty:
        return "<p>No published numbers here.</p>"
    notes = _Notes()
    parts = ['<div class="fb-cmp">', _CSS]
    if table:
        parts.append(_legend(df["verdict"]))
        parts.append(_grid(df, notes, caption=caption or ""))
        parts.append(notes.html())
        long_notes = _Notes()
        long_notes.texts, long_notes.start = notes.texts, notes.start   # the same numbers as above
        parts.append("<details><summary>All numbers of this table, one per row</summary>"
                     + _long_table(df, long_notes) + "</details>")
    else:
        from fragility_core.compare.published import VERDICT_COLOURS, VERDICTS
        counts = df["verdict"].value_counts()
        parts.append('<p class="fb-legend">Hover a verdict for the tolerance that decided it. ' + " ".join(
            f'<span class="fb-key" style="background:{VERDICT_COLOURS[v]}">{v} {int(counts.get(v, 0))}</span>'
            for v in VERDICTS) + "</p>")
        if caption:
            parts.append(f'<p class="fb-legend"><b>{_esc(caption)}</b></p>')
        for source in dict.fromkeys(df["source"]):
            parts.append(_long_table(df[df["source"] == source], notes, where=True,
                                     caption=_SOURCES.get(source, str(source).capitalize())))
        parts.append(notes.html())
    parts.append("</div>")
    return "".join(parts)


def published_view(chapter: int, table: str) -> str:
    """A published table as the volume prints it, published values only (a chapter not reproduced yet);
    ``table=""``: the numbers stated in its abstract and text, with where they are stated."""
    from fragility_core.compare.published import compare
    from fragility_core.compare.sections import where as where_in

    df = _one_table(_details(compare(pd.DataFrame(columns=["table", "row", "column", "value"]), chapter)), table)
    if df.empty:
        return "<p>No published numbers here.</p>"
    notes = _Notes()
    parts = ['<div class="fb-cmp">', _CSS]
    if table:
        parts += [_grid(df, notes, ours=False), notes.html()]
    else:
        for source in dict.fromkeys(df["source"]):
            sub = df[df["source"] == source]
            rows = "".join(
                f'<tr><td class="fb-t">{_esc(where_in(r["line"], r["chapter"]))}</td>'
                f'<td class="fb-t">{_esc(r["row"] + ": " + _quantity(r) if r["row"] else _quantity(r))}'
                f'{notes.mark(_note_text(r["note"], r["chapter"]))}</td>'
                f'<td class="fb-n">{_esc(_shown(r)["published"])}</td></tr>' for _, r in sub.iterrows())
            parts.append(f"<table><caption>{_esc(_SOURCES.get(source, source))}</caption>"
                         '<colgroup><col style="width:30%"><col style="width:52%"><col style="width:18%"></colgroup>'
                         "<thead><tr><th>Where in the volume</th><th>Quantity</th><th>Published</th></tr></thead>"
                         f"<tbody>{rows}</tbody></table>")
        parts.append(notes.html())
    parts.append("</div>")
    return "".join(parts)


def downloads_markdown(run, records: list[StageRecord], page_dir=None) -> str:
    """MyST markdown listing every stored table this page's numbers come from, each a download (``{download}``
    role, so the site build copies the file) with its manifest (configuration, checksum, provenance).

    ``page_dir``: where the executed page lives (default: the book's chapter directory), as the links are
    relative to it. Show it with ``IPython.display.Markdown`` in a cell whose metadata sets
    ``mystnb.markdown_format: myst``."""
    import os
    from pathlib import Path

    from fragility_core.book import ROOT

    here = Path(page_dir) if page_dir is not None else ROOT / "book" / "chapters"
    root = run.root if run.root.is_absolute() else ROOT / run.root
    rows = []
    for r in sorted((r for r in records if r.kind == "table" and r.path), key=lambda r: r.name):
        path = root / r.path
        manifest = path.with_suffix(".manifest.json")
        if not path.exists():
            continue
        table = pd.read_csv(path)
        seeds = sorted(set(table["seed"])) if "seed" in table.columns else []
        seed_text = ("—" if not seeds else f"{seeds[0]}" if len(seeds) == 1 else
                     f"{seeds[0]}–{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else
                     ", ".join(map(str, seeds)))
        rel = lambda p: os.path.relpath(p, here).replace(os.sep, "/")  # noqa: E731
        links = f"{{download}}`CSV <{rel(path)}>`"
        if manifest.exists():
            links += f" · {{download}}`manifest <{rel(manifest)}>`"
        rows.append(f"| {r.name} | {len(table):,} | {seed_text} | {', '.join(table.columns)} | {links} |")
    if not rows:
        return "No stored table to download."
    return ("| Table | Rows | Seeds | Columns | Download |\n|:--|--:|:--|:--|:--|\n" + "\n".join(rows) + "\n\n"
            "Each table is tidy: one row per seed, arm and measurement, as computed. Its manifest records the "
            "configuration it was computed from, the code version, the device and the file's SHA-256.")


def fresh_downloads_markdown(run, records: list[StageRecord] | None, page_dir=None) -> str:
    """The further seeds' tables (``records`` from :func:`fresh_seeds_section`) as downloads after the page's
    own; empty when none are shown."""
    if not records:
        return ""
    fresh = run.fresh()
    return (f"\n\nThe {len(fresh.seeds)} further seeds:\n\n"
            + downloads_markdown(fresh, records, page_dir))


# --- claims and the scorecard ----------------------------------------------------------------------------------
CLAIM_COLOURS = {"holds": "#d4edda", "does not hold": "#f8d7da"}


def _table_open(heads: list[str], widths: list[int]) -> list[str]:
    """The opening of a fitted page table: its styles, column widths (%) and header row."""
    return ['<div class="fb-cmp">', _CSS, "<table>",
            "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>",
            "<thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>"]


def claims_view(claims: pd.DataFrame, *, chapter_links: dict | None = None) -> str:
    """The claims we check, their evidence and coloured verdicts, fitted to the page (no index column).
    ``chapter_links``: chapter number -> page address, for a ``chapter`` column (the scorecard)."""
    with_chapter = "chapter" in claims.columns
    with_seeds = "fresh seeds" in claims.columns   # the scorecard: the share of fresh seeds holding, where known
    heads = (["Chapter"] if with_chapter else []) + ["Claim", "The volume says", "Our evidence", "Verdict"] + \
        (["Fresh seeds holding"] if with_seeds else [])
    widths = ([8] if with_chapter else []) + [7, 42 if with_chapter else 45, 31 if with_chapter else 36, 12]
    if with_seeds:
        widths = ([7] if with_chapter else []) + [7, 36, 28, 11, 11]
    out = _table_open(heads, widths)
    for _, r in claims.iterrows():
        cells = []
        if with_chapter:
            link = (chapter_links or {}).get(int(r["chapter"]))
            cells.append(f'<td class="fb-t"><a href="{_esc(link)}">{int(r["chapter"])}</a></td>' if link else
                         f'<td class="fb-t">{int(r["chapter"])}</td>')
        cells += [f'<td class="fb-t">{_esc(r["claim"])}</td>', f'<td class="fb-t">{_esc(r["statement"])}</td>',
                  f'<td class="fb-t">{_esc(r["our evidence"])}</td>',
                  f'<td class="fb-t" style="background:{CLAIM_COLOURS.get(r["verdict"], "")}">'
                  f'{_esc(r["verdict"])}</td>']
        if with_seeds:
            cells.append(f'<td class="fb-t">{_esc(r["fresh seeds"])}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def scorecard_headline(card: pd.DataFrame, claims: pd.DataFrame | None = None) -> str:
    """One sentence from the counts of a scorecard (and the claims): how many published numbers agree, are close,
    deviate or are not reproduced yet; how many claims hold."""
    total = int(card["total"].sum())
    n = {v: int(card[v].sum()) for v in ("agrees", "close", "deviates", "not reproduced")}
    reproduced = total - n["not reproduced"]
    text = (f"Of the volume's {total:,} published numbers, {reproduced:,} are reproduced: "
            f"{n['agrees']:,} agree with ours, {n['close']:,} come close and {n['deviates']:,} deviate; "
            f"{n['not reproduced']:,} are not reproduced yet.")
    if claims is not None and len(claims):
        holds = int((claims["verdict"] == "holds").sum())
        text += f" Of the {len(claims)} claims we check, {holds} hold and {len(claims) - holds} do not."
    return text


def scorecard_view(card: pd.DataFrame, links: dict[int, str]) -> str:
    """The per-chapter scorecard: title linking to the chapter's page, profile, results state, verdict counts
    (coloured headers), no index column. ``card``: :func:`~fragility_core.compare.published.scorecard` with
    ``title``, ``profile`` and ``results`` columns."""
    from fragility_core.compare.published import VERDICT_COLOURS, VERDICTS

    heads = ["Chapter", "Profile", "Results"] + list(VERDICTS) + ["Published numbers"]
    widths = [37, 9, 9, 8, 8, 8, 11, 10]
    out = ['<div class="fb-cmp">', _CSS, "<table>",
           "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup><thead><tr>"
           + "".join(f'<th style="background:{VERDICT_COLOURS.get(h, "#f4f4f4")}">{_esc(h)}</th>' for h in heads)
           + "</tr></thead><tbody>"]
    for number, r in card.iterrows():
        title = f"{int(number)}. {r['title']}"
        link = links.get(int(number))
        cells = [f'<td class="fb-t"><a href="{_esc(link)}">{_esc(title)}</a></td>' if link else
                 f'<td class="fb-t">{_esc(title)}</td>',
                 f'<td class="fb-t">{_esc(r["profile"])}</td>', f'<td class="fb-t">{_esc(r["results"])}</td>']
        cells += [f'<td class="fb-n">{int(r[v])}</td>' for v in VERDICTS] + [f'<td class="fb-n">{int(r["total"])}</td>']
        out.append("<tr>" + "".join(cells) + "</tr>")
    tot = card[list(VERDICTS) + ["total"]].sum()
    out.append('<tr><th scope="row" colspan="3">All chapters</th>' +
               "".join(f'<td class="fb-n"><b>{int(tot[v])}</b></td>' for v in list(VERDICTS) + ["total"]) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def verdict_map(comparisons: dict[int, pd.DataFrame], *, ax=None):
    """A chapters × published tables map: each cell split into the shares of its numbers by verdict
    (coloured as on the pages), the count of numbers written in it. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    from fragility_core.compare.published import VERDICT_COLOURS, VERDICTS

    labels = lambda df: ["text" if not (isinstance(t, str) and t) else t for t in df["table"]]  # noqa: E731
    columns = sorted({t for df in comparisons.values() for t in labels(df)},
                     key=lambda t: (t == "text", int(t.split()[-1]) if t != "text" else 0))
    chapters = sorted(comparisons)
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(1.0 + 0.95 * len(columns),
                                                                            0.42 * len(chapters) + 1.0))
    for y, ch in enumerate(chapters):
        df = comparisons[ch].assign(_t=labels(comparisons[ch]))
        for x, col in enumerate(columns):
            cell = df[df["_t"] == col]["verdict"]
            if cell.empty:
                continue
            left = x + 0.04
            for v in VERDICTS:
                share = (cell == v).mean() * 0.92
                if share:
                    ax.add_patch(Rectangle((left, y + 0.06), share, 0.88, color=VERDICT_COLOURS[v], lw=0))
                    left += share
            ax.add_patch(Rectangle((x + 0.04, y + 0.06), 0.92, 0.88, fill=False, lw=0.5, color="0.6"))
            ax.text(x + 0.5, y + 0.5, str(len(cell)), ha="center", va="center", fontsize=7, color="0.25")
    ax.set(xlim=(0, len(columns)), ylim=(len(chapters), 0))
    ax.set_xticks([i + 0.5 for i in range(len(columns))], columns, fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(len(chapters))], [f"chapter {c}" for c in chapters], fontsize=8)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.legend(handles=[Patch(color=VERDICT_COLOURS[v], label=v) for v in VERDICTS], ncol=4, fontsize=7,
              loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.3 / max(len(chapters), 1)), frameon=False)
    ax.set_title("Published numbers by chapter and table: share of each verdict (count in the cell)", fontsize=9)
    fig.tight_layout()
    return fig


SPREAD_COLOURS = {"within our seed spread": "#d4edda", "outside it": "#f8d7da", "no seed spread": "#e2e3e5"}


def seed_spread_view(spread: pd.DataFrame) -> str:
    """Each published single-seed number beside our published-seed value (with its verdict) and our fresh seeds'
    median and 5–95 % range, the published value's percentile among them and the spread verdict, coloured."""
    heads = ["Quantity", "Published", "Ours, published seed", "Fresh seeds: median [5–95 %]", "Percentile",
             "Spread verdict"]
    widths = [31, 10, 17, 20, 9, 13]
    out = _table_open(heads, widths)
    for _, r in spread.iterrows():
        quantity = f"{r['row']}: {r['column']}" + (f" ({r['table']})" if r["table"] else "")
        num = lambda x: f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"  # noqa: E731
        ours = f"{num(r['ours (published seed)'])} ({r['verdict (published seed)']})"
        fresh = f"{num(r['median (fresh seeds)'])} [{num(r['p5'])}–{num(r['p95'])}]"
        percentile = "—" if r["spread verdict"] == "no seed spread" else f"{r['published percentile']:.0f}"
        cells = [_esc(quantity), _esc(r["published"]), _esc(ours), _esc(fresh), percentile]
        out.append("<tr>" + "".join(f'<td class="fb-t">{c}</td>' for c in cells)
                   + f'<td class="fb-t" style="background:{SPREAD_COLOURS.get(r["spread verdict"], "")}">'
                   f'{_esc(r["spread verdict"])}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def _holding(r) -> str:
    """'12 of 30', or for a claim judged on ten-seed panels '2 of 3 ten-seed panels'."""
    judged = r.get("judged on", "seed")
    unit = "" if judged == "seed" else " " + judged.replace("panel of 10 seeds", "ten-seed panels").replace(
        "panel of ", "").replace(" seeds", "-seed panels")
    return f'{int(r["seeds holding"])} of {int(r["seeds"])}{unit}'


def claims_on_seeds_view(on_seeds: pd.DataFrame, claims: pd.DataFrame, *, published: str = "Published seed") -> str:
    """Each claim's verdict on the published seed(s) beside the share of fresh seeds (or fresh panels) in which
    it holds."""
    verdicts = claims.set_index("claim")["verdict"]
    heads = ["Claim", _esc(published), "Fresh seeds holding", "95 % interval", "In words"]
    widths = [8, 14, 18, 14, 46]
    out = _table_open(heads, widths)
    for _, r in on_seeds.iterrows():
        verdict = verdicts.get(r["claim"], "")
        cells = [f'<td class="fb-t">{_esc(r["claim"])}</td>',
                 f'<td class="fb-t" style="background:{CLAIM_COLOURS.get(verdict, "")}">{_esc(verdict)}</td>',
                 f'<td class="fb-t">{_esc(_holding(r))} ({r["share (%)"]:.0f} %)</td>',
                 f'<td class="fb-t">{_esc(r["95 % interval"])}</td>', f'<td class="fb-t">{_esc(r["robustness"])}</td>']
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def seed_summary(spread: pd.DataFrame | None, on_seeds: pd.DataFrame, claims: pd.DataFrame, *,
                 published: str = "the published seed") -> str:
    """What the fresh seeds say, in sentences: how many published numbers lie within our seed spread (and how
    many of the published-seed deviations among them), and each claim whose verdict on ``published`` a fresh
    seed (or fresh panel) would not be expected to repeat. ``spread`` is ``None`` for the ten-seed chapters,
    whose published numbers are means and are not placed seed by seed."""
    out = []
    if spread is not None:
        spreading = spread[spread["spread verdict"] != "no seed spread"]
        within = spreading["spread verdict"] == "within our seed spread"
        deviates = spreading["verdict (published seed)"] == "deviates"
        out.append(f"Of the {len(spreading)} published numbers that vary from seed to seed, {int(within.sum())} lie "
                   f"within our seed spread and {int((~within).sum())} outside it. Of the {int(deviates.sum())} that "
                   f"deviate from our published-seed value, {int((within & deviates).sum())} lie within our seed "
                   "spread: a fresh network of the same protocol lands as far from ours as the volume's does"
                   + ("." if (within & deviates).sum() else " (none here)."))
    verdicts = claims.set_index("claim")["verdict"]
    for _, r in on_seeds.iterrows():
        holds = verdicts.get(r["claim"]) == "holds"
        share, n = r["share (%)"], _holding(r)
        if holds and share < 50:
            out.append(f"{r['claim']} holds on {published} but in only {n}: as a finding about this protocol it is "
                       f"fragile, and the verdict on {published} is the exception.")
        elif not holds and share >= 50:
            out.append(f"{r['claim']} does not hold on {published}, yet holds in {n}: {published} "
                       f"{'are' if published.endswith('seeds') else 'is'} the exception.")
        elif holds and share < 90:
            out.append(f"{r['claim']} holds on {published} and in {n}: seed-dependent, not a property of every "
                       + ("network." if r.get("judged on", "seed") == "seed" else "ten-seed experiment."))
    robust = on_seeds["share (%)"] >= 90
    never = on_seeds["share (%)"] == 0
    if robust.any():
        out.append(f"Robust (at least 90 % of fresh seeds or panels): {', '.join(on_seeds.loc[robust, 'claim'])}.")
    if never.any():
        out.append(f"Holding in no fresh seed or panel: {', '.join(on_seeds.loc[never, 'claim'])}.")
    return "".join(f"<p>{_esc(s)}</p>" for s in out)


def fresh_seeds_section(run, comparison: pd.DataFrame, claims: pd.DataFrame):
    """The chapter on its further seeds (read, never computed here): the seed-spread table, the claims seed by
    seed and a summary in words, with a red box if any of those tables is not what the current code computes.
    Returns ``(html, spread, claims on seeds, records)``; the tables are ``None`` and the records empty when no
    number of the seeds is shown (not computed, or damaged)."""
    from fragility_core.compare import seeds
    from fragility_core.store import MissingStage

    fresh = run.fresh()
    listed = (f"$(seq {fresh.seeds[0]} {fresh.seeds[-1]})" if fresh.seeds == tuple(range(fresh.seeds[0],
              fresh.seeds[-1] + 1)) else " ".join(map(str, fresh.seeds)))
    command = f"<code>fragility compute {run.chapter.key} --profile {run.profile} --seeds {listed}</code>"
    try:
        tables, records = fresh.load()
    except MissingStage:
        if not fresh.index_path.exists():
            return (f"<p>The {len(fresh.seeds)} further seeds have not been computed at the {_esc(run.profile)} "
                    f"profile ({command}).</p>", None, None, [])
        tables, records = None, fresh.status()   # computed once, but a table is damaged or gone: nothing shown
    out = ""
    stale = [f"{r.name} ({r.status})" for r in records if r.status != "fresh"]
    if stale:
        out += ('<div class="admonition danger"><p class="admonition-title">STALE — these numbers are not what the '
                'current code computes</p><p>The further seeds\' tables ' + ", ".join(_esc(s) for s in stale) +
                " are not what the current code computes" + (
                    "; every number in this section is out of date" if tables is not None else
                    ", so this section shows none of their numbers") +
                f" until they are computed again ({command}).</p></div>")
    if tables is None:
        return out, None, None, []
    chapter = run.chapter
    on_seeds = seeds.claims_on_seeds(chapter.claims, tables, panel_claims=chapter.panel_claims,
                                     panel_size=len(chapter.default_seeds))
    if len(chapter.default_seeds) > 1:   # published numbers are means over seeds: claims only
        published = "the published seeds"
        return (out + seed_summary(None, on_seeds, claims, published=published)
                + claims_on_seeds_view(on_seeds, claims, published="Published seeds"), None, on_seeds, records)
    spread = seeds.seed_spread(seeds.per_seed(chapter.reproduced, tables), comparison)
    out += (seed_summary(spread, on_seeds, claims) + seed_spread_view(spread)
            + claims_on_seeds_view(on_seeds, claims))
    return out, spread, on_seeds, records


def spread_card_view(counts: dict[int, dict[str, int]], links: dict[int, str], titles: dict[int, str]) -> str:
    """The scorecard's second verdict, per single-seed chapter: its published numbers against our seed spread
    and its claims on fresh seeds (:func:`~fragility_core.compare.seeds.spread_counts`)."""
    heads = ["Chapter", "Published numbers placed (fixed by design)", "Within our seed spread", "Outside it",
             "Deviating on our published seed, but within spread", "Claims on fresh seeds: robust / seed-dependent / "
             "fragile"]
    out = _table_open(heads, [30, 15, 12, 10, 15, 18])

    def row(name: str, c: dict[str, int], bold: bool = False) -> str:
        placed = c["placed"] or not c["claims"]   # a ten-seed chapter places no number: its claims only
        cells = [name, f'{c["placed"]} ({c["no spread"]})' if placed else "— (ten-seed means)",
                 c["within"] if placed else "—", c["outside"] if placed else "—",
                 f'{c["deviates within"]} of {c["deviates"]}' if placed else "—",
                 f'{c["robust"]} / {c["seed-dependent"]} / {c["fragile"]} of {c["claims"]}']
        wrap = (lambda x: f"<b>{x}</b>") if bold else str
        return "<tr>" + "".join(f'<td class="fb-t">{wrap(x)}</td>' for x in cells) + "</tr>"

    for number, c in counts.items():
        out.append(row(f'<a href="{_esc(links[number])}">{number}. {_esc(titles[number])}</a>', c))
    if counts:
        out.append(row("All", {k: sum(c[k] for c in counts.values()) for k in next(iter(counts.values()))}, True))
    out.append("</tbody></table></div>")
    return "".join(out)


def spread_headline(counts: dict[int, dict[str, int]]) -> str:
    """The second verdict's counts in one sentence."""
    t = {k: sum(c[k] for c in counts.values()) for k in next(iter(counts.values()))}
    return (f"Placed among our {len(FRESH_SEEDS)} fresh seeds, {t['within']} of the {t['placed'] - t['no spread']} published "
            f"single-seed numbers that vary by seed lie within our seed spread and {t['outside']} outside it; "
            f"{t['deviates within']} of the {t['deviates']} that deviate from our published-seed value are within "
            f"it. Of {t['claims']} claims evaluated on the fresh seeds, {t['robust']} hold in at least 90 % of them, "
            f"{t['seed-dependent']} in 50–90 % and {t['fragile']} in fewer than half.")


def readings_view(comparisons: dict[str, pd.DataFrame], rows: list[str] | None = None) -> str:
    """Published numbers beside ours under each reading (one :func:`~fragility_core.compare.published.compare`
    table per reading, the chosen one first), each cell coloured by its verdict; only the published keys whose
    value differs between readings (or of the rows named in ``rows``), and a count of verdicts per reading."""
    from fragility_core.compare.published import VERDICT_COLOURS, VERDICTS, _decimals

    names = list(comparisons)
    key = ["table", "row", "column"]
    merged = None
    for i, name in enumerate(names):
        c = comparisons[name][[*key, "published", "ours", "verdict"]].rename(
            columns={"ours": f"ours{i}", "verdict": f"verdict{i}"})
        merged = c if merged is None else merged.merge(c.drop(columns="published"), on=key)
    values = merged[[f"ours{i}" for i in range(len(names))]].round(6)
    differs = values.nunique(axis=1, dropna=False) > 1
    shown = merged[differs | merged["row"].isin(rows or [])]
    heads = ["Quantity", "Published"] + [_esc(n) for n in names]
    width = (100 - 36) // len(names)
    out = _table_open(heads, [26, 10] + [width] * len(names))
    for _, r in shown.iterrows():
        quantity = f"{r['row']}: {r['column']}" + (f" ({r['table']})" if r["table"] else "")
        cells = [f'<td class="fb-t">{_esc(quantity)}</td>', f'<td class="fb-t">{_esc(r["published"])}</td>']
        cells += [f'<td class="fb-t" style="background:{VERDICT_COLOURS.get(r[f"verdict{i}"], "")}">'
                  f'{r[f"ours{i}"]:.{max(1, _decimals(str(r["published"])))}f} ({_esc(r[f"verdict{i}"])})</td>'
                  for i in range(len(names))]   # ours to the published number's precision (at least 0.1)
        out.append("<tr>" + "".join(cells) + "</tr>")
    counts = ['<td class="fb-t"><b>All published numbers</b></td>', '<td class="fb-t"></td>']
    for i in range(len(names)):
        n = merged[f"verdict{i}"].value_counts()
        counts.append('<td class="fb-t">' + ", ".join(f"{int(n.get(v, 0))} {v}" for v in VERDICTS
                                                      if v != "not reproduced") + "</td>")
    out.append("<tr>" + "".join(counts) + "</tr></tbody></table></div>")
    return "".join(out)


def claims_under_readings_view(df: pd.DataFrame) -> str:
    """Every claim's verdict under each reading, coloured; a claim some reading changes is marked."""
    readings = [c for c in df.columns if c not in ("claim", "changes")]
    heads = ["Claim"] + [_esc(r) for r in readings] + ["Changes with the reading"]
    width = (100 - 20) // len(readings)
    out = _table_open(heads, [8] + [width] * len(readings) + [12])
    for _, r in df.iterrows():
        cells = [f'<td class="fb-t">{_esc(r["claim"])}</td>']
        cells += [f'<td class="fb-t" style="background:{CLAIM_COLOURS.get(r[x], "")}">{_esc(r[x])}</td>'
                  for x in readings]
        cells.append(f'<td class="fb-t">{"<b>yes</b>" if r["changes"] else "no"}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)
