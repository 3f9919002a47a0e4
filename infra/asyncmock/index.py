"""One pass over a module's AST: parents, import aliases, attribute chains, functions, classes.

An *attribute chain* is a maximal ``Name``/``Attribute``/``Subscript`` expression such as
``self.authz.check.return_value`` or ``mocks[0]``; its *path* is the tuple of its parts
(``("<self>", "authz", "check", "return_value")``, ``("mocks", "[0]")``), with the first
parameter of a method spelled ``<self>`` so that ``self.x`` matches across methods, and a
non-constant subscript spelled ``[*]`` (it matches any index).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

Pos = tuple[int, int]
Path = tuple[str, ...]
Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module
Function = ast.FunctionDef | ast.AsyncFunctionDef

SELF = "<self>"
ANY_INDEX = "[*]"
MOCK_MODULES = frozenset({"unittest.mock", "mock", "asynctest"})


class Occurrence(NamedTuple):
    """One attribute chain in the source: where, what, and whether it is assigned to."""

    pos: Pos
    path: Path
    node: ast.expr
    store: bool
    scope: Scope  # the innermost function, class body or module around it


@dataclass
class FuncInfo:
    """What the analysis needs to know about one ``def``."""

    node: Function
    cls: ast.ClassDef | None
    params: tuple[str, ...]  # positional parameters, without ``self``/``cls`` of a method
    all_params: frozenset[str]
    fixture: str | None  # the pytest fixture name, when decorated with ``@...fixture``


@dataclass
class Names:
    """Local names bound to ``AsyncMock``, to ``patch`` and to the mock module itself."""

    asyncmock: set[str] = field(default_factory=lambda: {"AsyncMock"})
    patch: set[str] = field(default_factory=lambda: {"patch"})
    mock_modules: set[str] = field(default_factory=lambda: {"mock", "unittest"})
    foreign: set[str] = field(default_factory=set)

    def add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MOCK_MODULES:
                    self.mock_modules.add(alias.asname or alias.name.split(".")[0])
            return
        for alias in node.names:
            local = alias.asname or alias.name
            if node.module in MOCK_MODULES:
                {"AsyncMock": self.asyncmock, "patch": self.patch}.get(alias.name, set()).add(local)
            elif node.module == "unittest" and alias.name == "mock":
                self.mock_modules.add(local)
            else:
                self.foreign.add(local)

    def finish(self) -> None:
        """Drop defaults shadowed by an import from some other module (``from x import AsyncMock``)."""
        self.asyncmock -= self.foreign
        self.patch -= self.foreign


def _position(node: ast.AST) -> Pos:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that can hold child nodes (``ctx`` Load/Store left out)."""
    fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in ("ctx", "type_comment"))
    return fields


def _component(sub: ast.Subscript) -> str:
    index = sub.slice
    if isinstance(index, ast.Constant) and isinstance(index.value, int | str):
        return f"[{index.value!r}]"
    return ANY_INDEX


def chain_path(node: ast.expr, self_name: str | None) -> Path | None:
    """The path of an attribute chain, or None when it does not start at a plain name."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            parts.append(_component(node))
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(SELF if node.id == self_name else node.id)
            return tuple(reversed(parts))
        else:
            return None


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def fixture_name(func: Function) -> str | None:
    """The name a pytest fixture is requested by (``@pytest.fixture(name=...)`` or the def)."""
    for deco in func.decorator_list:
        if not _decorator_name(deco).endswith("fixture"):
            continue
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if (
                    kw.arg == "name"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    return kw.value.value
        return func.name
    return None


def _self_name(func: Function) -> str | None:
    """The name of a method's ``self``/``cls`` parameter (None for a static method)."""
    if any(_decorator_name(d) == "staticmethod" for d in func.decorator_list):
        return None
    positional = [*func.args.posonlyargs, *func.args.args]
    return positional[0].arg if positional else None


class ModuleIndex:
    """Everything the checker looks up, built in one iterative walk of the tree."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.names = Names()
        self.parents: dict[ast.AST, ast.AST] = {}
        self.chains: dict[ast.AST, Occurrence] = {}
        self.by_scope: dict[ast.AST, list[Occurrence]] = {tree: []}
        self.funcs: dict[ast.AST, FuncInfo] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.calls: list[ast.Call] = []
        self._walk()
        self.names.finish()
        for occurrences in self.by_scope.values():
            occurrences.sort(key=lambda occ: occ.pos)

    def _walk(self) -> None:
        parents, calls = self.parents, self.calls
        stack: list[tuple[ast.AST, ast.AST | None, tuple[Scope, ...], str | None]] = [
            (self.tree, None, (self.tree,), None)
        ]
        while stack:
            node, parent, scopes, self_name = stack.pop()
            if isinstance(node, ast.Call):
                calls.append(node)
            elif isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
                if not (isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is node):
                    self._add_chain(node, scopes, self_name)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self_name = _self_name(node) if isinstance(parent, ast.ClassDef) else self_name
                self._add_function(node, parent)
                scopes = (*scopes, node)
                self.by_scope[node] = []
            elif isinstance(node, ast.ClassDef):
                self.classes.setdefault(node.name, node)
                scopes = (*scopes, node)
                self.by_scope[node] = []
            elif isinstance(node, ast.Import | ast.ImportFrom):
                self.names.add_import(node)
            for name in _FIELDS.get(type(node)) or _fields(type(node)):  # ast.iter_child_nodes, inlined
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for child in value:
                        if isinstance(child, ast.AST):
                            parents[child] = node
                            stack.append((child, node, scopes, self_name))
                elif isinstance(value, ast.AST):
                    parents[value] = node
                    stack.append((value, node, scopes, self_name))

    def _add_function(self, node: Function, parent: ast.AST | None) -> None:
        cls = parent if isinstance(parent, ast.ClassDef) else None
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        if cls is not None and _self_name(node) is not None:
            positional = positional[1:]
        every = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        self.funcs[node] = FuncInfo(node, cls, tuple(positional), frozenset(every), fixture_name(node))

    def _add_chain(self, node: ast.expr, scopes: tuple[Scope, ...], self_name: str | None) -> None:
        path = chain_path(node, self_name)
        if path is None:
            return
        store = isinstance(getattr(node, "ctx", None), ast.Store)
        occ = Occurrence(_position(node), path, node, store, scopes[-1])
        self.chains[node] = occ
        for scope in scopes:
            self.by_scope[scope].append(occ)

    def scope_of(self, node: ast.AST) -> Scope:
        """The innermost function, class body or module that contains ``node``."""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                return current
            current = self.parents.get(current)
        return self.tree

    def function_of(self, node: ast.AST) -> Function | None:
        """The innermost ``def`` that contains ``node`` (class bodies are skipped)."""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
                return current
            current = self.parents.get(current)
        return None

    def subclasses(self, cls: ast.ClassDef) -> Iterator[ast.ClassDef]:
        """``cls`` and every class of the module that inherits from it (by name), transitively."""
        seen = {cls.name}
        order = [cls]
        for current in order:
            yield current
            for other in self.classes.values():
                bases = {b.id for b in other.bases if isinstance(b, ast.Name)}
                if other.name not in seen and bases & {current.name}:
                    seen.add(other.name)
                    order.append(other)

    def methods(self, cls: ast.ClassDef) -> list[FuncInfo]:
        return [self.funcs[s] for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]


def position(node: ast.AST) -> Pos:
    """``(lineno, col_offset)`` of a node; ``(0, 0)`` for nodes without one."""
    return _position(node)
