"""The code part of a stage's key: fine enough that unrelated edits keep results fresh, coarse enough that no
executed science code escapes it (checked against what a real computation executes)."""
import ast
import shutil
import sys
from pathlib import Path

import pytest

from fragility_core.chapters import reproduced_chapters
from fragility_core.runs import Run
from fragility_core.store import ResultStore, codehash
from fragility_core.store.codehash import PACKAGE_DIR, CodeIndex, code_index, entry_of, is_science

FEW_SEEDS = (0, 1)


def _unit_ranges() -> dict[str, list[tuple[int, int, str]]]:
    """Per science source file: (first line, last line, unit id) of every function and method."""
    out = {}
    index = code_index()
    for module, path in index.modules.items():
        if not is_science(module):
            continue
        ranges = []
        for stmt in ast.parse(path.read_text()).body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                ranges.append((stmt.lineno, stmt.end_lineno, f"{module}:{stmt.name}"))
            elif isinstance(stmt, ast.ClassDef):
                for m in stmt.body:
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        ranges.append((m.lineno, m.end_lineno, f"{module}:{stmt.name}.{m.name}"))
        out[str(path)] = ranges
    return out


def test_every_function_a_stage_executes_is_in_its_key(tmp_path, monkeypatch):
    """Run every chapter at the smoke profile under a tracer; each science function called while a stage
    computes must lie in the static closure of that stage's code (nested stages checked against their own)."""
    ranges = _unit_ranges()
    index = code_index()
    stack: list[tuple[str, set[str]]] = []
    violations: set[tuple[str, str]] = set()

    units: dict = {}   # code object -> unit id (or None): looked up once per function, not once per call

    def unit_of(code) -> str | None:
        if code not in units:
            units[code] = next((uid for first, last, uid in ranges.get(code.co_filename, ())
                                if first <= code.co_firstlineno <= last), None)
        return units[code]

    def tracer(frame, event, arg):
        # a global trace function sees every Python call (not the C calls a profiler also gets) and, returning
        # None, traces no line inside it
        if stack:
            uid = unit_of(frame.f_code)
            if uid is not None and uid not in stack[-1][1]:
                violations.add((stack[-1][0], uid))

    def traced(original):
        def wrapper(self, name, config, compute, *args, code=None, **kw):
            code = code or (compute,)
            closure = index.closure([e for e in map(entry_of, code) if e])

            def run():
                stack.append((name, closure))
                try:
                    return compute()
                finally:
                    stack.pop()
            return original(self, name, config, run, *args, code=code, **kw)
        return wrapper

    monkeypatch.setattr(ResultStore, "table", traced(ResultStore.table))
    monkeypatch.setattr(ResultStore, "state", traced(ResultStore.state))
    sys.settrace(tracer)
    try:
        for chapter in reproduced_chapters():
            seeds = (42,) if chapter.default_seeds == (42,) else FEW_SEEDS
            Run.of(chapter, profile="smoke", seeds=seeds, results_dir=tmp_path).compute(progress=False, log=None)
    finally:
        sys.settrace(None)
    assert not violations, "executed but not in the stage's key: " + ", ".join(sorted(map(str, violations)))


def test_docstrings_comments_and_layout_do_not_change_the_digest(tmp_path):
    copy = tmp_path / "fragility_core"
    shutil.copytree(PACKAGE_DIR, copy)
    src = copy / "science" / "sweep.py"
    text = src.read_text()
    text = text.replace('"""Tidy battery per prune level;', '"""A reworded docstring. Tidy battery per prune level;')
    text = text.replace("    conditions = tuple(conditions)\n", "    # a new comment\n\n    conditions = tuple(conditions)\n")
    src.write_text(text)
    entry = ["fragility_core.science.sweep:sparsity_sweep"]
    assert CodeIndex(copy).digest(entry) == code_index().digest(entry)


def _edit(tmp_path, module: str, old: str, new: str) -> CodeIndex:
    copy = tmp_path / "fragility_core"
    shutil.copytree(PACKAGE_DIR, copy)
    src = copy.joinpath(*module.split("/"))
    text = src.read_text()
    assert old in text
    src.write_text(text.replace(old, new, 1))
    return CodeIndex(copy)


def test_a_one_line_science_change_makes_exactly_the_dependent_stages_stale(tmp_path, monkeypatch):
    """Change the sweep's pruning loop by one line: the sweep (shared by chapters 1–3) goes stale, nothing
    else; a rerun recomputes the sweep and only the sweep."""
    results = tmp_path / "results"
    runs = [Run.of(f"ch0{n}", profile="smoke", results_dir=results) for n in (1, 2, 3)]
    for run in runs:
        run.compute(progress=False, log=None)
    assert all(r.status == "fresh" for run in runs for r in run.status())
    edited = _edit(tmp_path, "science/sweep.py", "        net = baseline.clone()\n",
                   "        net = baseline.clone()\n        net.apply_masks()\n")
    monkeypatch.setattr(codehash, "code_index", lambda: edited)
    stale = {(run.chapter.key, r.name) for run in runs for r in run.status() if r.status != "fresh"}
    assert stale == {("ch01", "sweep"), ("ch02", "sweep"), ("ch03", "sweep")}
    computed = []
    for run in runs:
        run.compute(progress=False, log=lambda msg: computed.append(msg))
    assert [m for m in computed if m.startswith("computing")] == ["computing sweep ..."]
    assert all(r.status == "fresh" for run in runs for r in run.status())


def test_a_change_to_regrowth_spares_the_sweep(tmp_path, monkeypatch):
    """Regrowth runs downstream of the pruned network: its change stales the regrowth battery, not the sweeps."""
    run = Run.of("ch02", profile="smoke", results_dir=tmp_path / "results")
    run.compute(progress=False, log=None)
    edited = _edit(tmp_path, "science/connectivity.py", "        chosen = _select_lowest(",
                   "        chosen = 1 * _select_lowest(")
    monkeypatch.setattr(codehash, "code_index", lambda: edited)
    assert {r.name: r.status for r in run.status()} == {"regrowth-battery": "stale", "sweep": "fresh",
                                                        "ch02-prune-scopes": "fresh",   # the scope sweeps too
                                                        "ch02-a8-reading": "stale"}     # it regrows as well


def test_a_method_counts_only_where_its_class_is_reached():
    """``x.select()`` in chapter 8's kindling reaches the MLP's ``select`` but not the GRU's (chapter 8 never names
    the GRU, so no GRU exists there); chapter 10's kindling names the GRU and reaches both."""
    index = code_index()
    gru_select, mlp_select = "fragility_core.models.gru:EnsembleGRU.select", "fragility_core.models.mlp:EnsembleMLP.select"
    feedforward = index.closure(["fragility_core.chapters.ch08:kindling_table"])
    recurrent = index.closure(["fragility_core.chapters.ch10:kindling_table"])
    assert mlp_select in feedforward and gru_select not in feedforward
    assert not any(u.startswith("fragility_core.models.gru:") for u in feedforward)
    assert {mlp_select, gru_select} <= recurrent
    assert "fragility_core.models.gru:EnsembleGRU.from_state" in recurrent
