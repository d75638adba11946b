"""Certified refactors: a stored result carried over to a new code version because the smoke profile proves the
new code computes the same bytes.

A stage's key changes whenever a module its code imports changes (:mod:`.codeversion`), whether or not its
numbers would. Instead of recomputing hours of published-profile results after a behaviour-preserving change,
``fragility certify``:

1. plans every committed run (``<results>/*/chNN/index.json``) under the current code and collects the tables
   that are not fresh but whose recorded result was computed from the same config by earlier code (*candidates*);
2. computes the smoke profile of their chapters under the current code, into a scratch root;
3. compares every smoke stage (tables and networks) byte for byte with the committed **fingerprint** of the
   earlier code on this kind of processor (``<results>/fingerprints/smoke-<processor>.json``: each stage's config
   hash, code version and content digest);
4. where every smoke stage of a chapter is identical, the chapter's candidates gain manifests under their new keys
   that say they are certified, with the evidence (the earlier key and code version, the number of identical
   smoke stages, the processor, the date); anything that differs stays stale, to be recomputed;
5. records the current code's smoke fingerprint, for the next change.

Floating-point results are identical only on one kind of processor, so a fingerprint is per processor; on a
processor without one for the earlier code, ``--previous REV`` computes it from that commit in a temporary git
worktree first.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import torch

from fragility_core.store import (UNRECORDED, ResultStore, config_hash, cpu_model, git_commit, state_digest,
                                  write_json)
from fragility_core.store.codeversion import code_versions

LEGACY = "legacy"   # the code version of a manifest written under the earlier static-closure keys


def processor_slug(cpu: str | None = None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (cpu or cpu_model()).lower()).strip("-") or "unknown"


def fingerprint_path(results_dir: Path, cpu: str | None = None) -> Path:
    return Path(results_dir) / "fingerprints" / f"smoke-{processor_slug(cpu)}.json"


def code_of(manifest: dict) -> str:
    code = manifest.get("code")
    return code.get("version", LEGACY) if isinstance(code, dict) else LEGACY


def fingerprint_root(root: Path) -> dict[str, dict]:
    """Every stage stored under ``root``: ``kind:name:confighash -> {code, digest}`` (a network's digest is its
    content's; a network stored without one, by earlier code, is read to compute it)."""
    out = {}
    root = Path(root)
    for man in sorted(root.glob("stages/*/*.manifest.json")) + sorted(root.glob(".state/*/*.manifest.json")):
        m = json.loads(man.read_text())
        kind = "table" if man.parent.parent.name == "stages" else "state"
        digest = m.get("digest")
        if digest is None and kind == "table":
            digest = m["files"][f"{m['key']}.csv"]
        if digest is None:
            pt = man.with_name(f"{m['key']}.pt")
            digest = state_digest(torch.load(pt, weights_only=True, map_location="cpu")) if pt.exists() else None
        out[f"{kind}:{m['stage']}:{config_hash(m['config'])[:16]}"] = {"code": code_of(m), "digest": digest}
    return out


def read_fingerprint(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"cpu": cpu_model(), "stages": {}}


def merge_fingerprint(fp: dict, stages: dict[str, dict], *, commit: str) -> dict:
    """``fp`` with ``stages`` (one code version's smoke results) added, replacing only that code version's entries."""
    for stage, entry in stages.items():
        versions = [e for e in fp["stages"].get(stage, []) if e["code"] != entry["code"]]
        fp["stages"][stage] = versions + [{**entry, "commit": commit}]
    return fp


def record_fingerprint(path: Path, stages: dict[str, dict], *, commit: str) -> None:
    """Add ``stages`` to the fingerprint file, keeping earlier code versions'."""
    fp = merge_fingerprint(read_fingerprint(path), stages, commit=commit)
    fp.update({"cpu": cpu_model(), "torch": torch.__version__})
    write_json(path, fp)


def smoke_root_for_commit(rev: str, chapters: list[str], out: Path, log=print) -> Path:
    """The smoke results of ``chapters`` computed by the code of commit ``rev`` (a temporary git worktree, its
    own process), under ``out``; returns the results root."""
    log = log or (lambda *a: None)
    repo = Path(__file__).resolve().parents[2]
    tree = Path(tempfile.mkdtemp(prefix="fragility-previous-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=repo, check=True,
                   capture_output=True)
    try:
        log(f"computing the smoke profile of {' '.join(chapters)} with the code of {rev} ...")
        subprocess.run([sys.executable, "-m", "fragility_core.cli", "compute", *chapters, "--profile", "smoke",
                        "--results-dir", str(out), "--no-progress"], cwd=tree, check=True,
                       env={**__import__("os").environ, "PYTHONPATH": str(tree)})
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=repo, capture_output=True)
    return out / "smoke"


class Candidate:
    """A stored table that is not fresh, whose recorded result came from the same config under earlier code."""

    def __init__(self, run, record, old: dict):
        self.run, self.record, self.old = run, record, old

    @property
    def chapter(self) -> str:
        return self.run.chapter.key


def candidates(results_dir: Path) -> tuple[list[Candidate], list[str]]:
    """The certifiable tables of every committed run, and the tables that are not fresh for another reason."""
    from fragility_core.runs import Run

    found, other = [], []
    for index in sorted(Path(results_dir).glob("*/ch*/index.json")):
        meta = json.loads(index.read_text())
        try:
            run = Run.of(meta["chapter"], profile=meta["profile"], seeds=meta["seeds"], results_dir=results_dir)
        except ValueError:
            continue
        recorded = run.read_index()
        store = run.store("plan", log=None)
        for r in run.status():
            if r.status == "fresh":
                continue
            old_key = recorded.get(r.name)
            old = store.manifest(r.name, old_key) if old_key else None
            if old is None or store.check(store.table_path(r.name, old_key)) != "fresh":
                other.append(f"{run.name}/{r.name} ({r.status}: no stored result to certify)")
            elif r.config != old["config"]:
                other.append(f"{run.name}/{r.name} (its config changed)")
            else:
                found.append(Candidate(run, r, old))
    return found, other


def compare_smoke(root: Path, fingerprint: dict) -> tuple[dict[str, str], dict[str, dict]]:
    """Each smoke stage under ``root`` (current code) against the fingerprint of earlier code:
    ``stage -> identical | differs | no fingerprint``; and the current fingerprint of those stages."""
    now = fingerprint_root(root)
    verdicts = {}
    for stage, entry in now.items():
        recorded = fingerprint["stages"].get(stage, [])
        # the earlier code's result; where the stage's code is unchanged, the same code's (a determinism check)
        reference = [e for e in recorded if e["code"] != entry["code"]] or recorded
        verdicts[stage] = ("no fingerprint" if not reference else
                           "identical" if reference[-1]["digest"] == entry["digest"] else "differs")
    return verdicts, now


def certify(results_dir: str | Path = "results", *, previous: str | None = None, log=print) -> int:
    """See the module docstring. Returns 0 if every not-fresh table was certified (or none needed it), 1 if some
    remain stale."""
    from fragility_core.runs import Run

    log = log or (lambda *a: None)
    results_dir = Path(results_dir)
    todo, other = candidates(results_dir)
    for line in other:
        log(f"not certifiable: {line}")
    chapters = sorted({c.chapter for c in todo})
    fp_path = fingerprint_path(results_dir)
    fingerprint = read_fingerprint(fp_path)
    with tempfile.TemporaryDirectory(prefix="fragility-certify-") as scratch:
        scratch = Path(scratch)
        if previous is not None and chapters:
            earlier = fingerprint_root(smoke_root_for_commit(previous, chapters, scratch / "previous", log))
            merge_fingerprint(fingerprint, earlier, commit=previous)
        if not chapters:
            log("nothing to certify: every committed table is fresh or must be recomputed")
            return 1 if other else 0
        log(f"certifying {len(todo)} tables of {' '.join(chapters)} on {cpu_model()}: computing their smoke profile")
        used = {}
        for key in chapters:   # one scratch root (shared stages computed once); each chapter's own stages noted
            run = Run.of(key, profile="smoke", results_dir=scratch / "current")
            run.compute(progress=False, log=None)
            used[key] = _lineage_of(run)
            log(f"{key}: smoke profile computed ({len(used[key])} stages)")
        verdicts, now = compare_smoke(scratch / "current" / "smoke", fingerprint)
        by_chapter = {key: {s: v for s, v in verdicts.items() if s.rsplit(":", 1)[0] in used[key]}
                      for key in chapters}
        certified_chapters = []
        for key, stages in by_chapter.items():
            bad = {s: v for s, v in stages.items() if v != "identical"}
            if bad:
                log(f"{key}: NOT certified: " + ", ".join(f"{s.rsplit(':', 1)[0]} {v}" for s, v in sorted(bad.items())))
            else:
                certified_chapters.append(key)
                log(f"{key}: {len(stages)} smoke stages byte-identical to the earlier code's")
        stale = 0
        for c in todo:
            if c.chapter not in certified_chapters:
                stale += 1
                continue
            _carry_over(c, n_identical=len(by_chapter[c.chapter]), fingerprint=fp_path.name)
        roots = {}
        for key in certified_chapters:
            for run in _runs_of(results_dir, key):
                run._write_index(run.status())
                roots[run.root] = run
        for run in roots.values():   # the earlier keys' files, now referenced by no chapter of the root
            names = [p.name for p in (run.root / "stages").iterdir() if p.is_dir()]
            run.store("plan", log=None).remove_unreferenced(names, run._referenced_keys())
        kept = {s: e for s, e in now.items()   # the stages of the chapters whose results now hold for this code
                if any(s.rsplit(":", 1)[0] in used[key] for key in certified_chapters)}
        record_fingerprint(fp_path, kept, commit=git_commit())
        log(f"smoke fingerprint of the current code recorded in {fp_path} for {' '.join(certified_chapters) or 'none'}")
    return 1 if stale or other else 0


def _lineage_of(run) -> set[str]:
    """``kind:name`` of every stage a run's tables were computed from: the tables and, through the parents their
    manifests record, every network and table behind them."""
    store = run.store("plan", log=None)
    todo = [("table", r.name, r.key) for r in run.status()]
    seen: set[tuple[str, str, str]] = set()
    while todo:
        stage = todo.pop()
        if stage in seen:
            continue
        seen.add(stage)
        parents = (store.manifest(stage[1], stage[2], stage[0]) or {}).get("parents")
        todo += [(p["kind"], p["name"], p["key"]) for p in parents if isinstance(p, dict)] if isinstance(
            parents, list) else []
    return {f"{kind}:{name}" for kind, name, _ in seen}


def _runs_of(results_dir: Path, chapter: str):
    from fragility_core.runs import Run

    for index in sorted(Path(results_dir).glob(f"*/{chapter}/index.json")):
        meta = json.loads(index.read_text())
        yield Run.of(meta["chapter"], profile=meta["profile"], seeds=meta["seeds"], results_dir=results_dir)


def _carry_over(c: Candidate, *, n_identical: int, fingerprint: str) -> None:
    """The candidate's stored table under its new key, its manifest saying it is certified and why; the networks
    it was measured on are carried over with it (their manifests under their new keys), so that a network
    trained again with other bytes still makes it stale."""
    store = c.run.store("plan", log=None)
    old_key, new_key = c.old["key"], c.record.key
    src, dst = store.table_path(c.record.name, old_key), store.table_path(c.record.name, new_key)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    evidence = {"evidence": f"{n_identical} smoke stages of {c.chapter} byte-identical to the earlier code's "
                            f"({fingerprint})",
                "cpu": cpu_model(), "commit": git_commit(),
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    parents = c.old.get("parents", UNRECORDED)
    if isinstance(parents, list):
        parents = [_carry_parent(store, p, evidence) for p in parents]
    manifest = {**{k: v for k, v in c.old.items() if k != "files"},
                "key": new_key, "files": {dst.name: c.old["files"][src.name]}, "digest": c.old["files"][src.name],
                "parents": parents, "code": c.record.code,
                "certified": {"from_key": old_key, "from_code": code_of(c.old), **evidence}}
    write_json(store.manifest_path(dst), manifest)


def _current_code(modules) -> dict:
    modules = sorted(modules)
    return {"modules": modules, "version": code_versions().version(modules)}


def _carry_parent(store: ResultStore, parent: dict, evidence: dict) -> dict:
    """A parent stage's manifest under the key the current code gives it (recursively for its own parents)."""
    old = store.manifest(parent["name"], parent["key"], parent["kind"])
    if old is None or not isinstance(old.get("code"), dict) or not old["code"].get("modules"):
        return parent   # nothing to carry over: the reference stays as recorded (and is checked as such)
    code = _current_code(old["code"]["modules"])
    on_device = ResultStore(store.root, profile=store.profile, device=torch.device(old.get("device", "cpu")).type,
                            log=None, mode="plan")
    new_key = on_device.key_of(old["config"], code)
    if new_key != parent["key"]:
        parents = old.get("parents")
        if isinstance(parents, list):
            parents = [_carry_parent(store, p, evidence) for p in parents]
        path = store.path(parent["kind"], parent["name"], new_key)
        if parent["kind"] == "table":
            shutil.copyfile(store.path("table", parent["name"], parent["key"]), path)
        manifest = {**old, "key": new_key, "code": code, "parents": parents,
                    "certified": {"from_key": parent["key"], "from_code": old["code"].get("version"), **evidence}}
        if "files" in old:
            manifest["files"] = {path.name: old["digest"]}
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(store.manifest_path(path), manifest)
    return {**parent, "key": new_key}
