"""The code part of a stage's key (module grain) and certified refactors.

A change in a module a stage's code imports makes it stale; a change anywhere else leaves it fresh; a
behaviour-preserving change is certified by the smoke profile, and one that changes a number is not."""
import json
import shutil

import pytest

import fragility_core.store as store_module
from fragility_core.runs import Run
from fragility_core.store import certify as certify_module
from fragility_core.store.codeversion import PACKAGE_DIR, CodeVersions, code_versions


def _edited(tmp_path, module: str, old: str, new: str) -> CodeVersions:
    """The package as it would be with one edit (parsed from a copy; the running code is unchanged)."""
    copy = tmp_path / "edited" / "fragility_core"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    src = copy.joinpath(*module.split("/"))
    text = src.read_text()
    assert old in text, old
    src.write_text(text.replace(old, new, 1))
    return CodeVersions(copy)


def test_docstrings_comments_and_layout_do_not_change_a_version(tmp_path):
    edited = _edited(tmp_path, "science/sweep.py", '"""Tidy battery per prune level;',
                     '"""A reworded docstring. Tidy battery per prune level;')
    copy = edited.paths["fragility_core.science.sweep"]
    copy.write_text(copy.read_text().replace("\n\n", "\n\n# a new comment\n\n", 1))
    edited = CodeVersions(copy.parents[1])
    roots = ["fragility_core.science.sweep"]
    assert edited.version(roots) == code_versions().version(roots)


def test_a_stage_imports_what_its_chapter_runs_and_not_other_chapters_machinery():
    """Module grain, no name resolution: chapter 8's stages reach the MLP and the kindling module, never the GRU
    or the language model; chapter 10's reach the GRU; chapter 9's the language model and not the GRU."""
    cv = code_versions()
    ch08, ch10, ch09 = (cv.closure([f"fragility_core.chapters.{c}"]) for c in ("ch08", "ch10", "ch09"))
    assert {"fragility_core.models.mlp", "fragility_core.science.kindling"} <= ch08
    assert "fragility_core.models.gru" not in ch08 and not any(m.startswith("fragility_core.llm") for m in ch08)
    assert "fragility_core.models.gru" in ch10
    assert "fragility_core.llm.sparse_lora" in ch09 and "fragility_core.models.gru" not in ch09
    assert "fragility_core.store.certify" not in ch08   # imported by no science module


def test_an_import_under_type_checking_does_not_count(tmp_path):
    pkg = tmp_path / "fragility_core"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fragility_core import b\n"
                              "def f():\n    from fragility_core.sub import c\n")
    (pkg / "b.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from . import d\n")
    (pkg / "sub" / "d.py").write_text("")
    cv = CodeVersions(pkg)
    assert cv.closure(["fragility_core.a"]) == {"fragility_core", "fragility_core.a", "fragility_core.sub",
                                                "fragility_core.sub.c", "fragility_core.sub.d"}


@pytest.fixture(scope="module")
def chapter_1(tmp_path_factory):
    """Chapter 1 at the smoke profile (its own table and the sweep it shares with chapters 2 and 3), computed once
    for this module."""
    results = tmp_path_factory.mktemp("ch01") / "results"
    run = Run.of("ch01", profile="smoke", results_dir=results)
    run.compute(progress=False, log=None)
    return run


def _statuses(run) -> dict[str, str]:
    return {r.name: r.status for r in run.status()}


def test_a_change_in_an_imported_module_stales_exactly_the_stages_that_import_it(chapter_1, tmp_path, monkeypatch):
    assert _statuses(chapter_1) == {"ch01-battery": "fresh", "sweep": "fresh"}
    # chapter 1's own module: its own table goes stale; the sweep (declared by the shared stages module, which
    # imports no chapter) stays fresh
    edited = _edited(tmp_path, "chapters/ch01.py", "def battery_table(", "def battery_table(*_unused, ")
    monkeypatch.setattr(store_module, "code_versions", lambda: edited)
    assert _statuses(chapter_1) == {"ch01-battery": "stale", "sweep": "fresh"}
    # a module no stage of chapter 1 imports (the recurrent network): nothing goes stale
    edited = _edited(tmp_path / "gru", "models/gru.py", "class EnsembleGRU", "class _Unused:\n    pass\n\n\nclass EnsembleGRU")
    monkeypatch.setattr(store_module, "code_versions", lambda: edited)
    assert _statuses(chapter_1) == {"ch01-battery": "fresh", "sweep": "fresh"}
    # the network module every stage imports: everything goes stale
    edited = _edited(tmp_path / "mlp", "models/mlp.py", "class EnsembleMLP", "class _Unused:\n    pass\n\n\nclass EnsembleMLP")
    monkeypatch.setattr(store_module, "code_versions", lambda: edited)
    assert _statuses(chapter_1) == {"ch01-battery": "stale", "sweep": "stale"}


def _committed_chapter_1(tmp_path) -> tuple[Run, dict]:
    """Chapter 1 at the smoke profile as if it were a committed results root, with its smoke fingerprint."""
    results = tmp_path / "results"
    run = Run.of("ch01", profile="smoke", results_dir=results)
    run.compute(progress=False, log=None)
    certify_module.record_fingerprint(certify_module.fingerprint_path(results),
                                      certify_module.fingerprint_root(run.root), commit="before")
    return run, {r.name: r.key for r in run.status()}


def test_certification_accepts_a_refactor_that_keeps_every_number(tmp_path, monkeypatch):
    run, before = _committed_chapter_1(tmp_path)
    edited = _edited(tmp_path, "science/stress.py", "def stress_battery(", "def stress_battery(*_unused, ")
    monkeypatch.setattr(store_module, "code_versions", lambda: edited)
    monkeypatch.setattr(certify_module, "code_versions", lambda: edited)
    assert set(_statuses(run).values()) == {"stale"}
    assert certify_module.certify(run.results_dir, log=None) == 0
    after = run.status()
    assert all(r.status == "fresh" and r.certified for r in after)
    assert {r.name: r.key for r in after} != before and run.read_index() == {r.name: r.key for r in after}
    (man,) = (run.root / "stages" / "ch01-battery").glob("*.manifest.json")   # the earlier key's file is gone
    manifest = json.loads(man.read_text())
    certified = manifest["certified"]
    assert certified["from_key"] == before["ch01-battery"] and "byte-identical" in certified["evidence"]
    assert manifest["code"]["version"] == edited.version(manifest["code"]["modules"])   # the code it now holds for


def test_certification_rejects_a_change_that_moves_a_number(tmp_path, monkeypatch):
    run, before = _committed_chapter_1(tmp_path)
    edited = _edited(tmp_path, "science/stress.py", "def stress_battery(", "def stress_battery(*_unused, ")
    monkeypatch.setattr(store_module, "code_versions", lambda: edited)
    monkeypatch.setattr(certify_module, "code_versions", lambda: edited)
    import fragility_core.chapters.ch01 as ch01

    real = ch01.stress_battery

    def shifted(*args, **kwargs):   # the edit also moves every accuracy by a tenth of a point
        df = real(*args, **kwargs)
        return df.assign(value=df["value"] + 0.1 * (df["unit"] == "%"))
    monkeypatch.setattr(ch01, "stress_battery", shifted)
    messages = []
    assert certify_module.certify(run.results_dir, log=messages.append) == 1
    assert any("ch01: NOT certified" in m and "differs" in m for m in messages)
    assert all(r.status == "stale" and not r.certified for r in run.status())
    assert run.read_index() == before   # and the earlier results stay where they were, for a recomputation
    assert (run.root / "stages" / "ch01-battery" / f"{before['ch01-battery']}.csv").exists()


def test_the_earlier_codes_fingerprint_can_be_computed_from_a_commit(chapter_1, tmp_path):
    """Where this processor has no fingerprint of the earlier code, certification computes it from that commit in
    a temporary git worktree: here the committed code itself, which must give exactly the smoke stages (and code
    versions) the working tree gives."""
    import subprocess

    from fragility_core.store.codeversion import PACKAGE_DIR as package

    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "fragility_core"],
                           cwd=package.parent, capture_output=True, text=True).stdout.strip()
    if dirty:
        pytest.skip("the package has uncommitted changes: HEAD is not the code under test")
    root = certify_module.smoke_root_for_commit("HEAD", ["ch01"], tmp_path / "previous", log=None)
    assert certify_module.fingerprint_root(root) == certify_module.fingerprint_root(chapter_1.root)
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=package.parent, capture_output=True, text=True)
    assert "fragility-previous-" not in worktrees.stdout   # the temporary worktree is gone
