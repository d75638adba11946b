"""The code a stage executes, as a hash: the key's guarantee that changed science is never served as current.

Grain (stated on the protocol-decisions page): the *normalised syntax tree* of every top-level definition a
stage can reach, statically, from the function that computes it.

- A **unit** is a top-level function, a module-level constant, a class header (decorators, bases, fields) or
  one method, in a science module (everything in ``fragility_core`` except the store, the comparison layer,
  the command line and the chapter registry, which compute no numbers).
- A unit's **references** are the names it uses, resolved through its module's imports (``Name`` and
  ``module.attr``), plus, for every attribute ``x.f``, every method named ``f`` of any science class the
  closure reaches (the receiver's type is unknown statically, so all candidates count; a class that no code of
  the closure names has no instance there, so its methods cannot run). A class brings its header (decorators,
  bases, fields) and the methods Python calls implicitly (``__init__``, ``__post_init__``, ``__call__``,
  ``forward``...); a method brings its class. Every closure includes the network module (run through
  ``net(x)``).
- The **closure** of a stage is every unit reachable from its entry; its digest hashes the sorted digests of
  the units' ``ast.dump`` with docstrings removed and no line numbers.

So a docstring, a comment, reformatting, moving a function to another module, or any change to a unit the
stage cannot reach leaves its key unchanged; a change to any reachable unit (one operator, one constant)
changes it. Over-approximation (an attribute name shared by unrelated methods) can only make a stage stale
needlessly, never fresh wrongly; ``tests/test_codehash.py`` checks the static closure against the functions a
real computation executes.
"""
from __future__ import annotations

import ast
import copy
import functools
import hashlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "fragility_core"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# modules that compute no numbers of a stage (their changes never make a result stale)
NOT_SCIENCE = ("fragility_core.store", "fragility_core.compare", "fragility_core.cli", "fragility_core.book",
               "fragility_core.runs", "fragility_core.models.reference", "fragility_core.ranges",
               "fragility_core.shards", "fragility_core.notebook")
ALWAYS = ("fragility_core.models.mlp",)  # run implicitly by every stage (``net(x)`` calls ``forward``)


def is_science(module: str) -> bool:
    return module.startswith(PACKAGE) and not any(module == m or module.startswith(m + ".") for m in NOT_SCIENCE)


def _strip_docstrings(node: ast.AST) -> ast.AST:
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                n.body = body[1:] or [ast.Pass()]
    return node


def _digest(node: ast.AST) -> str:
    return hashlib.sha256(ast.dump(node, include_attributes=False).encode()).hexdigest()


@dataclass
class Unit:
    module: str
    name: str                      # "f", "CONST", "Class", "Class.method"
    digest: str
    refs: set[str] = field(default_factory=set)   # unit ids (module:name) and ".attr" markers


class CodeIndex:
    """Every science unit of the package, parsed once."""

    def __init__(self, package_dir: Path = PACKAGE_DIR):
        self.units: dict[str, Unit] = {}
        self.methods: dict[str, set[str]] = {}      # method name -> unit ids
        self.class_methods: dict[str, set[str]] = {}   # class unit id -> its methods' unit ids
        self._imports: dict[str, dict[str, str]] = {}
        modules = {}
        for path in sorted(package_dir.rglob("*.py")):
            rel = path.relative_to(package_dir.parent).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
        self.modules = modules
        for module, path in modules.items():
            if is_science(module):
                self._index_module(module, ast.parse(path.read_text()))

    # --- parsing ------------------------------------------------------------------------------------
    def _index_module(self, module: str, tree: ast.Module) -> None:
        names: dict[str, str] = {}   # local name -> "module:name" or "module" (a module alias)
        for stmt in ast.walk(tree):   # imports inside functions count for the whole module
            if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0 and stmt.module.startswith(PACKAGE):
                for a in stmt.names:
                    sub = f"{stmt.module}.{a.name}"
                    names[a.asname or a.name] = sub if sub in self.modules else f"{stmt.module}:{a.name}"
            elif isinstance(stmt, ast.Import):
                for a in stmt.names:
                    if a.name.startswith(PACKAGE) and a.asname:
                        names[a.asname] = a.name
        self._imports[module] = names
        local = []
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                local.append((stmt.name, stmt))
            elif isinstance(stmt, ast.ClassDef):
                methods = [s for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
                header = ast.ClassDef(name=stmt.name, bases=stmt.bases, keywords=stmt.keywords,
                                      body=[s for s in stmt.body if s not in methods] or [ast.Pass()],
                                      decorator_list=stmt.decorator_list)
                local.append((stmt.name, header))
                for m in methods:
                    local.append((f"{stmt.name}.{m.name}", m))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            local.append((n.id, stmt))
        for name, node in local:
            names.setdefault(name.split(".")[0], f"{module}:{name.split('.')[0]}")
        for name, node in local:
            uid = f"{module}:{name}"
            unit = Unit(module, name, _digest(_strip_docstrings(copy.deepcopy(node))))
            for n in ast.walk(node):
                if isinstance(n, ast.Name):
                    unit.refs.add(("name", module, n.id))
                elif isinstance(n, ast.Attribute):
                    if not n.attr.startswith("__"):   # dunders are reached through their class
                        unit.refs.add((".", n.attr, None))
                    if isinstance(n.value, ast.Name):
                        unit.refs.add(("attr", module, f"{n.value.id}.{n.attr}"))
            if "." in name:   # a method: its class header, and the class's siblings through self.x
                unit.refs.add(("unit", f"{module}:{name.split('.')[0]}", None))
                self.methods.setdefault(name.split(".")[1], set()).add(uid)
                self.class_methods.setdefault(f"{module}:{name.split('.')[0]}", set()).add(uid)
            self.units[uid] = unit
        for name, node in local:   # a class brings the methods Python calls implicitly (construction, call)
            if isinstance(node, ast.ClassDef):
                self.units[f"{module}:{name}"].refs |= {
                    ("unit", f"{module}:{m}", None) for m, _ in local
                    if m.startswith(name + ".") and (m.split(".")[1].startswith("__") or m.endswith(".forward"))}

    def _resolve(self, ref) -> set[str]:
        kind, a, b = ref
        if kind == "unit":
            return {a}
        if kind == ".":
            return self.methods.get(a, set())
        names = self._imports.get(a, {})
        if kind == "name":
            target = names.get(b)
            return self._follow(target) if target else set()
        head, attr = b.split(".", 1)
        target = names.get(head)
        if target and ":" not in target and target in self.modules:   # module alias: mod.attr
            return self._follow(f"{target}:{attr}")
        return set()

    def _follow(self, target: str) -> set[str]:
        """A unit id, following re-exports (``from x import f`` in the module that defines nothing)."""
        seen = set()
        while target and target not in self.units and target not in seen:
            seen.add(target)
            if ":" not in target:
                return set()
            module, name = target.split(":", 1)
            target = self._imports.get(module, {}).get(name)
        return {target} if target in self.units else set()

    # --- closures -----------------------------------------------------------------------------------
    def closure(self, entries: Iterable[str]) -> set[str]:
        """Every unit reachable from ``entries``. An attribute ``x.f`` reaches the methods named ``f`` of every
        class the closure reaches (a method runs only on an instance, and an instance exists only where code
        of the closure names its class: constructs it, loads it, annotates with it), found as a fixpoint."""
        todo = [e for e in entries if e in self.units]
        todo += [u for u in self.units if any(u.startswith(m + ":") for m in ALWAYS)]
        seen: set[str] = set()
        attrs: set[str] = set()       # attribute names used by the closure so far
        classes: set[str] = set()     # class units reached so far
        while todo:
            uid = todo.pop()
            if uid in seen:
                continue
            seen.add(uid)
            if uid in self.class_methods:
                classes.add(uid)
                todo.extend(m for m in self.class_methods[uid] if m.rsplit(".", 1)[1] in attrs)
            for ref in self.units[uid].refs:
                if ref[0] == ".":
                    attrs.add(ref[1])
                    todo.extend(m for m in self.methods.get(ref[1], ()) if self.class_of(m) in classes)
                else:
                    todo.extend(self._resolve(ref) - seen)
        return seen

    @staticmethod
    def class_of(method: str) -> str:
        return method.rsplit(".", 1)[0]

    def digest(self, entries: Iterable[str]) -> str:
        units = self.closure(entries)
        return hashlib.sha256("\n".join(sorted(self.units[u].digest for u in units)).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def code_index() -> CodeIndex:
    return CodeIndex()


def entry_of(fn: Callable) -> str | None:
    """The unit id that holds ``fn``'s code (a lambda or nested function counts as its enclosing definition)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)   # bound methods
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or not is_science(module):
        return None
    return f"{module}:{qualname.split('.<locals>')[0]}"


def code_digest(*fns: Callable) -> str:
    """The digest of everything ``fns`` can execute in the science modules.

    A callable outside them (a test's own function) counts by its source text.
    """
    index = code_index()
    entries, outside = [], []
    for fn in fns:
        entry = entry_of(fn)
        if entry is not None and entry in index.units:
            entries.append(entry)
        else:
            try:
                outside.append(inspect.getsource(getattr(fn, "func", fn)))
            except (OSError, TypeError):
                outside.append(repr(fn))
    h = hashlib.sha256(index.digest(entries).encode())
    for src in outside:
        h.update(src.encode())
    return h.hexdigest()
