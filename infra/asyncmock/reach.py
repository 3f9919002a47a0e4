"""Rule AM007: follow an unconfigured AsyncMock from the test into the code under test.

A test module alone cannot say whether an unconfigured mock's awaited result is used: the code
under test decides. When that code is in the same repository (``infra.asyncmock.source``), the
rule follows the mock there and reports only what it can show:

1. where the mock lands: a patched factory's ``return_value`` (``@patch("pkg.mod.make_auth")``,
   ``make_auth.return_value = AsyncMock()``, also through a local name) lands wherever
   ``pkg.mod`` assigns ``make_auth(...)`` (``self.auth = make_auth(...)`` in a method, or a
   local of a module function); a mock passed to a constructor of a source class lands on the
   attribute ``__init__`` assigns that parameter to (``self.auth = auth``); a mock passed to a
   source function lands in its parameter;
2. what the test runs: the methods it calls on the instance made after the mock is in place
   (or the function it calls), awaited (or handed to ``asyncio.run`` and friends) when async,
   and **not** inside ``pytest.raises``/``assertRaises`` (the expected exception may come
   first), unless the test injects that exception itself at a call the code makes after the
   use (``infra.asyncmock.raises``); from there, the methods those call on ``self``, by name,
   a few levels deep;
3. what that code does: ``await <holder>.<child>(...)`` whose result it certainly uses
   (tested, compared, iterated, read from), where ``<child>`` is not configured by the test
   (and the test does not reach into the instance to configure or replace the holder).

Anything else (other packages, dependency injection frameworks, HTTP clients, fixtures, a mock
configured in a way the analysis cannot read) is left to the runtime guard: nothing is said.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import NamedTuple

from infra.asyncmock import raises
from infra.asyncmock.bindings import Dest, call_name
from infra.asyncmock.index import SELF, Function, ModuleIndex, Path, Pos, Scope, position
from infra.asyncmock.source import Holder, Repository, SourceModule

_RUNNERS = frozenset({"run", "run_until_complete", "gather", "wait_for", "create_task", "ensure_future"})
_MAX_CALLS = 4  # depth of ``self.<name>(...)`` calls followed from the test's call


class Reached(NamedTuple):
    """An awaited, used, unconfigured child of the mock in the code under test."""

    child: str
    source: FilePath
    awaited: ast.Await
    entry: ast.Call  # the test's call from which it is reached


class Target(NamedTuple):
    """Where the mock lives in the source: ``holder`` in ``cls``'s methods, or in ``func``."""

    module: SourceModule
    cls: ast.ClassDef | None
    func: Function | None
    holder: Holder


_Found = tuple[Target, Pos, ast.Call | None]
_Entry = tuple[ast.Call, Function, bool]


class MockFacts(NamedTuple):
    """What the test module knows about one mock."""

    call: ast.Call
    dests: list[Dest]
    configured: frozenset[Path]  # mock-relative paths whose awaited result the test configures
    factories: dict[tuple[Scope, str], str]  # (test, parameter) -> patch target string


def _runs(ix: ModuleIndex, call: ast.Call, func: Function) -> bool:
    """The test's call actually runs ``func``'s body (a coroutine must be awaited or run)."""
    if not isinstance(func, ast.AsyncFunctionDef):
        return True
    parent = ix.parents.get(call)
    return isinstance(parent, ast.Await) or (isinstance(parent, ast.Call) and call_name(parent) in _RUNNERS)


class TestModule:
    """The reach rule for the mocks of one test module."""

    def __init__(self, ix: ModuleIndex, path: FilePath, repo: Repository) -> None:
        self.ix, self.path, self.repo = ix, path, repo
        self._imports: dict[str, tuple[str, str]] | None = None
        self._calls: dict[Function | None, list[ast.Call]] | None = None

    @property
    def imports(self) -> dict[str, tuple[str, str]]:
        if self._imports is None:
            self._imports = {
                alias.asname or alias.name: (node.module, alias.name)
                for node in self.ix.parents
                if isinstance(node, ast.ImportFrom) and node.module and not node.level
                for alias in node.names
            }
        return self._imports

    def resolve(self, func: ast.expr) -> tuple[SourceModule, ast.AST] | None:
        """The source class or function a test's call names (``Server``, ``server_mod.Server``)."""
        if isinstance(func, ast.Name) and func.id in self.imports:
            return self.repo.definition(self.path, *self.imports[func.id])
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.imports
        ):
            module, name = self.imports[func.value.id]
            return self.repo.definition(self.path, f"{module}.{name}", func.attr)
        return None

    def reached(self, mock: MockFacts) -> list[Reached]:
        found: list[Reached] = []
        for dest in mock.dests:
            scope = dest.scope
            if dest.leak or dest.returns is not None or dest.pos is None or not isinstance(scope, Function):
                continue
            for target, after, only in self._targets(dest, mock.factories):
                entries = self._entries(target, scope, max(after, position(mock.call)), only)
                found += self._uses(target, entries, mock, scope)
        return found

    def _targets(self, dest: Dest, factories: dict[tuple[Scope, str], str]) -> Iterator[_Found]:
        """Where the mock of ``dest`` lands in the source, from which position of the test on,
        and (for a mock passed to a constructor or function) the one call that hands it over."""
        scope, path, start = dest.scope, dest.path, dest.pos or (0, 0)
        if len(path) == 2 and path[1] == "return_value" and (scope, path[0]) in factories:
            yield from ((t, start, None) for t in self._factory(factories[(scope, path[0])]))
            return
        if len(path) != 1:
            return
        for occ in self.ix.by_scope.get(scope, ()):
            parent = self.ix.parents.get(occ.node)
            if (
                occ.store
                and len(occ.path) == 2
                and occ.path[1] == "return_value"
                and (scope, occ.path[0]) in factories
            ):
                if (
                    isinstance(parent, ast.Assign)
                    and isinstance(parent.value, ast.Name)
                    and parent.value.id == path[0]
                ):
                    yield from ((t, occ.pos, None) for t in self._factory(factories[(scope, occ.path[0])]))
            elif not occ.store and occ.path == path and isinstance(parent, ast.Call | ast.keyword):
                call = self.ix.parents.get(parent) if isinstance(parent, ast.keyword) else parent
                if isinstance(call, ast.Call) and call.func is not occ.node:
                    yield from ((t, occ.pos, call) for t in self._argument(call, occ.node))

    def _factory(self, target: str) -> Iterator[Target]:
        dotted, _, name = target.rpartition(".")
        module = self.repo.module(self.path, dotted)
        if module is None:
            return
        for cls, func, holder in module.assigned_calls(name):
            if cls is not None and holder[0] == SELF:
                yield Target(module, cls, None, holder)
            elif cls is None and len(holder) == 1:
                yield Target(module, None, func, holder)

    def _argument(self, call: ast.Call, value: ast.expr) -> Iterator[Target]:
        """A mock passed to a source class (its ``__init__`` keeps it on ``self``) or function."""
        found = self.resolve(call.func)
        if found is None:
            return
        module, node = found
        cls = node if isinstance(node, ast.ClassDef) else None
        func = module.methods(node).get("__init__") if isinstance(node, ast.ClassDef) else node
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        params = [a.arg for a in (*func.args.posonlyargs, *func.args.args)][1 if cls else 0 :]
        keyword = next((k.arg for k in call.keywords if k.value is value), None)
        index = next((i for i, a in enumerate(call.args) if a is value), None)
        if any(isinstance(a, ast.Starred) for a in call.args):
            return
        param = keyword or (params[index] if index is not None and index < len(params) else None)
        if param is None:
            return
        if cls is None:
            yield Target(module, None, func, (param,))
            return
        for stmt in ast.walk(func):
            if isinstance(stmt, ast.Assign) and _names(stmt.value) == param:
                for t in stmt.targets:
                    if (
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == _first(func)
                    ):
                        yield Target(module, cls, None, (SELF, t.attr))

    def _uses(
        self, target: Target, entries: Iterator[_Entry], mock: MockFacts, scope: Function
    ) -> list[Reached]:
        found: list[Reached] = []
        method = target.cls is not None
        for call, func, is_method in entries:
            expect = raises.expected(self.ix, call)
            if not _runs(self.ix, call, func):
                continue
            reached = self._walk(target, func, is_method)
            raising: list[tuple[Function, Pos]] = []
            if expect is not None:  # only when the test injects the exception it expects
                spelled = {
                    s
                    for p in raises.injected(self.ix, scope, position(call), expect)
                    for s in raises.spellings(self.ix, p, target.module, mock.factories, scope)
                }
                raising = [
                    (f, pos)
                    for f in reached
                    for s, pos in target.module.summary(f, method=method).callees
                    if s in spelled
                ]
                if not raising:
                    continue
            for where in reached:
                for use in target.module.summary(where, method=method).awaits:
                    after = all(f is where and pos > position(use.node) for f, pos in raising)
                    if use.holder == target.holder and (use.child,) not in mock.configured and after:
                        found.append(Reached(use.child, target.module.path, use.node, call))
        return found

    def _walk(self, target: Target, entry: Function, method: bool) -> list[Function]:
        """``entry`` and the methods reached from it through ``self.<name>(...)`` calls."""
        if not method or target.cls is None:
            return [entry]
        methods = target.module.methods(target.cls)
        order, level = [entry], [entry]
        for _ in range(_MAX_CALLS):
            names = {n for f in level for n in target.module.summary(f, method=True).calls}
            level = [methods[n] for n in sorted(names) if n in methods and methods[n] not in order]
            order += level
        return order

    def _entries(
        self, target: Target, scope: Function, after: Pos, only: ast.Call | None
    ) -> Iterator[_Entry]:
        """The test's calls that run code holding the mock: ``(call, function, is a method)``."""
        for call in [only] if only is not None else self._calls_in(scope):
            if only is None and position(call) <= after:
                continue
            found = self.resolve(call.func)
            if found is None or found[0] is not target.module:
                continue
            if target.func is not None and found[1] is target.func:
                yield call, target.func, False
            elif target.cls is not None and found[1] is target.cls:
                yield from self._method_calls(target, scope, call)

    def _method_calls(self, target: Target, scope: Function, ctor: ast.Call) -> Iterator[_Entry]:
        assert target.cls is not None
        methods = target.module.methods(target.cls)
        parent = self.ix.parents.get(ctor)
        if isinstance(parent, ast.Attribute):  # ``Server().handle(...)``
            call = self.ix.parents.get(parent)
            if isinstance(call, ast.Call) and call.func is parent and parent.attr in methods:
                yield call, methods[parent.attr], True
            return
        if not (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
        ):
            return
        name = parent.targets[0].id
        occurrences = [
            o for o in self.ix.by_scope.get(scope, ()) if o.pos > position(ctor) and o.path[:1] == (name,)
        ]
        if any(o.store and (len(o.path) == 1 or o.path[1:2] == target.holder[1:]) for o in occurrences):
            return  # rebound, or the test reaches in and sets the holder itself: not followed
        for occ in occurrences:
            call = self.ix.parents.get(occ.node)
            if (
                len(occ.path) == 2
                and isinstance(call, ast.Call)
                and call.func is occ.node
                and occ.path[1] in methods
            ):
                yield call, methods[occ.path[1]], True

    def _calls_in(self, scope: Function) -> list[ast.Call]:
        if self._calls is None:
            self._calls = {}
            for call in self.ix.calls:
                self._calls.setdefault(self.ix.function_of(call), []).append(call)
        return sorted(self._calls.get(scope, []), key=position)


def _names(value: ast.expr) -> str | None:
    """The parameter a value is: ``auth``, ``auth or default()``."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        value = value.values[0]
    return value.id if isinstance(value, ast.Name) else None


def _first(func: Function) -> str | None:
    positional = [*func.args.posonlyargs, *func.args.args]
    return positional[0].arg if positional else None
