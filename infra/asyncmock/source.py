"""The repository's own source, read on demand: where a dotted module is, what its code awaits.

Whether an unconfigured AsyncMock's awaited result is *used* is decided in the code under test,
not in the test module. When that code is in the same repository, a cheap look settles many
cases: the module a test imports or patches is found by its dotted name under the test file's
ancestors (``a/b/c.py``, ``src/a/b/c.py``, packages), up to the repository root (the first
ancestor with ``.git``, ``pyproject.toml``, ``setup.py`` or ``setup.cfg``). Nothing is imported
or run.

Each module is parsed once, and each function is summarised once, when first reached: the
``self.<name>(...)`` calls it makes (a call graph by name) and the awaits of
``<holder>.<child>(...)`` whose result it certainly uses (``infra.asyncmock.usage``), both only
up to the end of the function's first ``return``: past an early return (``if not group: return
not_found()``), whether the code runs depends on values the analysis does not know.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from infra.asyncmock.index import SELF, Function, Pos, chain_path
from infra.asyncmock.usage import result_used

Holder = tuple[str, ...]  # ("<self>", "auth") in a method, ("auth",) for a local or a parameter
_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
_MAX_UP = 8
_MAX_HOPS = 4  # re-exports followed (``from .server import Server`` in a package ``__init__``)


Assigned = tuple[ast.ClassDef | None, Function, Holder]  # (class of the method or None, def, holder)


class AwaitedUse(NamedTuple):
    """``await <holder>.<child>(...)`` in a function, its result certainly used."""

    holder: Holder
    child: str
    node: ast.Await


class Summary(NamedTuple):
    """What one function does, as far as the reach rule needs it."""

    calls: frozenset[str]  # ``self.<name>(...)``: methods of the same object it calls
    awaits: tuple[AwaitedUse, ...]  # (both: only those up to the first ``return``)
    callees: tuple[
        tuple[Holder, Pos], ...
    ]  # every call, spelled: ("<self>", "auth", "check"), ("make()", "run")


def _self_name(func: Function, method: bool) -> str | None:
    positional = [*func.args.posonlyargs, *func.args.args]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)
    return positional[0].arg if method and positional and not static else None


def _spelled(func: ast.expr, self_name: str | None) -> Holder | None:
    """A called expression as a path: ``self.auth.check`` -> ``("<self>", "auth", "check")``,
    ``make().run`` -> ``("make()", "run")``."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Call) and isinstance(func.func, ast.Name):
        return (f"{func.func.id}()", *reversed(parts))
    root = chain_path(func, self_name)
    return None if root is None else (*root, *reversed(parts))


def summarise(func: Function, *, method: bool) -> Summary:
    """Walk one function (nested ``def``/``class`` bodies are other scopes: left out)."""
    self_name = _self_name(func, method)
    parents: dict[ast.AST, ast.AST] = {}
    loads: list[tuple[tuple[int, int], str, ast.expr]] = []
    calls: list[tuple[tuple[int, int], str]] = []
    callees: list[tuple[Holder, Pos]] = []
    awaits: list[ast.Await] = []
    exits: list[tuple[int, int]] = [(1 << 30, 0)]
    nested = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    stack: list[ast.AST] = [s for s in func.body if not isinstance(s, nested)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            exits.append((node.end_lineno or node.lineno, node.end_col_offset or 0))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.append(((node.lineno, node.col_offset), node.id, node))
        elif isinstance(node, ast.Await):
            awaits.append(node)
        elif isinstance(node, ast.Call):
            func_node = node.func
            if isinstance(func_node, ast.Attribute) and chain_path(func_node.value, self_name) == (SELF,):
                calls.append(((node.lineno, node.col_offset), func_node.attr))
            spelled = _spelled(func_node, self_name)
            if spelled is not None:
                callees.append((spelled, (node.lineno, node.col_offset)))
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, nested):
                parents[child] = node
                stack.append(child)

    def reads(statement: ast.AST, name: str) -> list[ast.expr]:
        after = (getattr(statement, "lineno", 0), getattr(statement, "col_offset", 0))
        return [node for pos, found, node in loads if found == name and pos > after]

    # after an early ``return`` the test's inputs decide what runs: only what comes before counts
    first_exit = min(exits)
    used: list[AwaitedUse] = []
    for node in sorted(awaits, key=lambda n: (n.lineno, n.col_offset)):
        call = node.value
        if (node.lineno, node.col_offset) > first_exit or not (
            isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
        ):
            continue
        holder = chain_path(call.func.value, self_name)
        if holder is not None and result_used(node, parents, reads):
            used.append(AwaitedUse(holder, call.func.attr, node))
    return Summary(frozenset(name for pos, name in calls if pos < first_exit), tuple(used), tuple(callees))


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a function body, nested blocks included, nested ``def``/``class`` not."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        yield stmt
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(stmt, name, ()):
                    stack.extend(
                        child.body if isinstance(child, ast.ExceptHandler | ast.match_case) else [child]
                    )


class SourceModule:
    """One parsed module of the repository: its top-level classes, functions and imports."""

    def __init__(self, path: Path, dotted: str, tree: ast.Module) -> None:
        self.path, self.dotted, self.tree = path, dotted, tree
        self.classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        self.functions = {
            n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.imports: dict[str, tuple[str, str]] = {}  # local name -> (module, name)
        package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (module, alias.name)
        self._summaries: dict[Function, Summary] = {}
        self._assigned: dict[str, list[Assigned]] | None = None

    def summary(self, func: Function, *, method: bool) -> Summary:
        found = self._summaries.get(func)
        if found is None:
            found = self._summaries[func] = summarise(func, method=method)
        return found

    def methods(self, cls: ast.ClassDef) -> dict[str, Function]:
        """The class's own methods and those of base classes defined in this module."""
        found: dict[str, Function] = {}
        order, seen = [cls], {cls.name}
        for current in order:
            for stmt in current.body:
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                    found.setdefault(stmt.name, stmt)
            for base in current.bases:
                parent = self.classes.get(base.id) if isinstance(base, ast.Name) else None
                if parent is not None and parent.name not in seen:
                    seen.add(parent.name)
                    order.append(parent)
        return found

    def assigned_calls(self, name: str) -> list[Assigned]:
        """``<holder> = name(...)`` in the module's functions and methods: where ``name``'s result lives."""
        if self._assigned is None:
            self._assigned = {}
            owners: list[tuple[ast.ClassDef | None, Function]] = [(None, f) for f in self.functions.values()]
            owners += [(c, f) for c in self.classes.values() for f in c.body if isinstance(f, Function)]
            for cls, func in owners:
                self_name = _self_name(func, cls is not None)
                for node in _statements(func.body):
                    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
                    called = value.func if isinstance(value, ast.Call) else None
                    if not (isinstance(called, ast.Name) and isinstance(node, ast.Assign | ast.AnnAssign)):
                        continue
                    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                        holder = chain_path(target, self_name)
                        if holder is not None and (
                            len(holder) == 1 or (len(holder) == 2 and holder[0] == SELF)
                        ):
                            self._assigned.setdefault(called.id, []).append((cls, func, holder))
        return self._assigned.get(name, [])


class Repository:
    """The source modules of the repository around a test file, each parsed once (cached)."""

    def __init__(self) -> None:
        self._files: dict[Path, SourceModule | None] = {}
        self._found: dict[tuple[Path, str], SourceModule | None] = {}
        self._dirs: dict[Path, tuple[Path, ...]] = {}

    def search_dirs(self, test_file: Path) -> tuple[Path, ...]:
        """The test file's ancestors up to the repository root (each also with its ``src/``)."""
        start = test_file.parent
        dirs = self._dirs.get(start)
        if dirs is None:
            found: list[Path] = []
            for current in [start, *start.parents][:_MAX_UP]:
                found += [current, current / "src"]
                if any((current / marker).exists() for marker in _MARKERS):
                    break
            dirs = self._dirs[start] = tuple(found)
        return dirs

    def module(self, test_file: Path, dotted: str) -> SourceModule | None:
        key = (test_file.parent, dotted)
        if key not in self._found:
            self._found[key] = self._locate(test_file, dotted)
        return self._found[key]

    def _locate(self, test_file: Path, dotted: str) -> SourceModule | None:
        parts = dotted.split(".")
        if not dotted or not all(p.isidentifier() for p in parts):
            return None
        for base in self.search_dirs(test_file):
            for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
                if candidate.is_file():
                    return self._parse(candidate, dotted)
        return None

    def _parse(self, path: Path, dotted: str) -> SourceModule | None:
        if path not in self._files:
            try:
                tree = ast.parse(path.read_bytes(), filename=str(path))
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                self._files[path] = None
            else:
                self._files[path] = SourceModule(path, dotted, tree)
        return self._files[path]

    def definition(self, test_file: Path, dotted: str, name: str) -> tuple[SourceModule, ast.AST] | None:
        """The class or function ``name`` of module ``dotted``, following re-exports."""
        for _ in range(_MAX_HOPS):
            module = self.module(test_file, dotted)
            if module is None:
                return None
            found = module.classes.get(name) or module.functions.get(name)
            if found is not None:
                return module, found
            if name not in module.imports:
                return None
            dotted, name = module.imports[name]
        return None
