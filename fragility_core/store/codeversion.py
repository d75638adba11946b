"""The code part of a stage's key: the source of every package module its code imports, at module grain.

A stage's **roots** are the modules its computation starts from: the module that asks the store for it (the
caller of :meth:`~fragility_core.store.ResultStore.table` or ``state``), the module defining the function that
computes it, and the module of every package object bound into that function (the arguments of a
``functools.partial``, the cells of a closure, a bound method's ``self``, and the fields of those objects, two
levels deep). Its **code version** hashes the source of every ``fragility_core`` module the roots import,
transitively: an executed import anywhere in a module counts (inside a function too), an import guarded by
``if TYPE_CHECKING:`` does not (it never runs), and importing ``a.b`` runs ``a/__init__.py`` as well.

There is no name resolution: any change to any module a stage's code can import makes the stage stale, and a
change to a module it cannot import leaves it fresh. A module's source is hashed as its syntax tree without
docstrings or line numbers, so comments, docstrings and layout never make a result stale. A behaviour-preserving
refactor is not recomputed but *certified* (``fragility certify``), by recomputing the smoke profile and comparing
it byte for byte with the previous code's.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path

PACKAGE = "fragility_core"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
STORE = f"{PACKAGE}.store"   # the store itself asks for stages: never a stage's caller


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class CodeVersions:
    """Every module of the package under ``package_dir``, parsed once: its digest and the package modules it imports."""

    def __init__(self, package_dir: Path = PACKAGE_DIR):
        self.package_dir = Path(package_dir)
        self.paths: dict[str, Path] = {}
        for path in sorted(self.package_dir.rglob("*.py")):
            parts = list(path.relative_to(self.package_dir.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            self.paths[".".join(parts)] = path
        self.digests: dict[str, str] = {}
        self.imports: dict[str, set[str]] = {}
        for module, path in self.paths.items():
            tree = ast.parse(path.read_text())
            self.imports[module] = self._imports(module, path, tree)
            dump = ast.dump(_strip_docstrings(tree), include_attributes=False)
            self.digests[module] = hashlib.sha256(dump.encode()).hexdigest()

    def _with_packages(self, module: str) -> set[str]:
        """``module`` and the packages whose ``__init__`` importing it runs."""
        parts = module.split(".")
        return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(self.paths)

    def _imports(self, module: str, path: Path, tree: ast.Module) -> set[str]:
        out: set[str] = set()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]

        def visit(node: ast.AST) -> None:
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                for child in node.orelse:
                    visit(child)
                return
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        out.update(self._with_packages(alias.name))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                if base.split(".")[0] == PACKAGE:
                    out.update(self._with_packages(base))
                    for alias in node.names:   # ``from pkg import module``
                        if f"{base}.{alias.name}" in self.paths:
                            out.update(self._with_packages(f"{base}.{alias.name}"))
            for child in ast.iter_child_nodes(node):
                visit(child)

        visit(tree)
        out.discard(module)
        return out

    def closure(self, roots: Iterable[str]) -> set[str]:
        """Every package module the ``roots`` import, transitively, the roots (and their packages) included."""
        todo = [m for r in roots for m in self._with_packages(r)]
        seen: set[str] = set()
        while todo:
            module = todo.pop()
            if module in seen or module not in self.paths:
                continue
            seen.add(module)
            todo.extend(self.imports[module] - seen)
        return seen

    def version(self, roots: Iterable[str]) -> str:
        """The code version of a stage with these root modules. A root that no longer exists counts as its name
        (so a stage whose module was removed or renamed is never served as current)."""
        roots = sorted(set(roots))
        missing = [r for r in roots if r not in self.paths]
        lines = [f"{m} {self.digests[m]}" for m in sorted(self.closure(roots))] + [f"{m} missing" for m in missing]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def code_versions() -> CodeVersions:
    """The package as this process loaded it (parsed once per process)."""
    return CodeVersions()


def _module_of(obj) -> str | None:
    module = getattr(obj, "__module__", None) or getattr(type(obj), "__module__", None)
    return module if isinstance(module, str) and module.split(".")[0] == PACKAGE else None


def bound_modules(fn: Callable, depth: int = 2) -> set[str]:
    """The package modules of ``fn`` and of the package objects bound into it (see the module docstring)."""
    out: set[str] = set()
    seen: set[int] = set()

    def visit(obj, level: int) -> None:
        if id(obj) in seen or level < 0:
            return
        seen.add(id(obj))
        if isinstance(obj, functools.partial):
            visit(obj.func, level)
            for a in (*obj.args, *obj.keywords.values()):
                visit(a, level)
            return
        if isinstance(obj, (list, tuple, set, frozenset)):
            for a in obj:
                visit(a, level)
            return
        if isinstance(obj, dict):
            for a in obj.values():
                visit(a, level)
            return
        self_ = getattr(obj, "__self__", None)
        if self_ is not None and not isinstance(self_, type(sys)):
            visit(self_, level)
        func = getattr(obj, "__func__", obj)
        module = _module_of(func) if callable(func) else None
        if module is None and not callable(obj):
            module = _module_of(type(obj))
        if module is None:
            return
        in_store = module == STORE or module.startswith(STORE + ".")
        if in_store and not callable(obj):
            return   # the store itself (bound into a stage as its cache) is the mechanism, not the science
        if not in_store:
            out.add(module)
        for cell in getattr(func, "__closure__", None) or ():
            try:
                visit(cell.cell_contents, level)
            except ValueError:   # an empty cell
                pass
        if not callable(obj) or isinstance(obj, type):
            members = ([getattr(obj, f.name, None) for f in fields(obj)] if is_dataclass(obj) and not isinstance(
                obj, type) else list(getattr(obj, "__dict__", {}).values()))
            for member in members:
                visit(member, level - 1)
            if not isinstance(obj, type):
                visit(type(obj), level)

    visit(fn, depth)
    return out


def caller_module(skip: int = 1) -> str | None:
    """The first package module on the call stack outside the store (the module asking for a stage)."""
    frame = sys._getframe(skip)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.split(".")[0] == PACKAGE and not (module == STORE or module.startswith(STORE + ".")):
            return module
        frame = frame.f_back
    return None


def stage_roots(compute: Callable, extra: Iterable[Callable] = ()) -> list[str]:
    """The root modules of a stage computed by ``compute`` (see the module docstring), sorted."""
    roots = bound_modules(compute)
    for fn in extra:
        roots |= bound_modules(fn)
    caller = caller_module(2)
    if caller is not None:
        roots.add(caller)
    return sorted(roots)
