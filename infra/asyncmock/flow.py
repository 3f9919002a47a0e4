"""Where a mock goes, and whether the test configures what awaiting it returns.

A *handle* is a place that refers to (part of) a mock inside one scope: a path such as
``("authz",)``, ``("<self>", "authz")`` or ``("svc", "authz")`` (``svc = Service(authz=mock)``),
the mock-relative path of the object found there (``c = mock.check`` gives ``c`` the prefix
``("check",)``), and the position from which the scope's later statements count.

Scanning a handle's scope from that position (until the path is rebound) finds:

- OWN: ``<h>.return_value = ...``, ``<h>.side_effect = ...`` (also ``<h>.return_value.x = ...``),
  ``<h>.configure_mock(return_value=...|side_effect=...)``: the mock's own await is configured.
- CHILD: the same for a child (``<h>.check.return_value = False``, ``<h>.configure_mock(**{...})``)
  or a child replaced by a mock, function or lambda (``<h>.check = AsyncMock(return_value=False)``):
  the mock is used as an object whose awaited calls are configured.
- USED: ``<h>.assert_awaited*()``/``assert_called*()``/``await_count``/...: the mock itself is awaited.
- SAFE: ``<h>.assert_not_awaited()``/``assert_not_called()``: awaiting it fails the test anyway.
- LEAK: the mock (or a child) reaches code that could await it: a call argument (except
  inspection such as ``isinstance``/``str``/``inspect.signature``/``assertIs...``), a call of the
  mock or a child by the test, a patch (``patch(..., new=mock)``, ``monkeypatch.setattr``), the
  ``return_value`` of a patched mock (a patched factory, also through an alias), a place the analysis cannot name (``f().x = mock``, starred unpacking), or a hand-out below
  whose consumers do not all accept it.
- ESCAPED: the mock leaves the scope and every consumer accepts it: a fixture's return/yield
  (every function of the module requesting the fixture), a helper's return (every call site),
  ``self.x`` set outside a test method (every ``test*`` method of the class and its subclasses).
  A consumer accepts it by configuring it, or by leaving it alone when the producer has not
  leaked it yet (a fixture that wires the mock into the app obliges every user to configure it).

Aliases (``a = mock``, ``svc = Service(authz=mock)``, ``for m in mocks``, ``with p as m``,
``p.start()``) are followed inside a scope. A handle is configured when OWN, SAFE or ESCAPED, or
CHILD without USED (the top-level result matters only if the mock itself is awaited), or when
it never LEAKs and is not USED: a mock nothing can await cannot grant anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from infra.asyncmock.bindings import ASYNC_DUNDERS, ENTER, Bindings, Dest, call_name
from infra.asyncmock.forms import path_of
from infra.asyncmock.index import SELF, ModuleIndex, Path, Scope, position
from infra.asyncmock.seen import (
    MOCK_API,
    NOT_AWAITED,
    PATCHER,
    RVSE,
    USED_ATTRIBUTES,
    Evidence,
    Handle,
    Seen,
    assigned,
    never_called,
    relate,
)
from infra.asyncmock.usage import result_used

Returns = list[tuple[Dest, Path]]  # returned/yielded mocks found while scanning a scope
_MAX_PATH = 12
_MAX_DEPTH = 40


class Flow:
    """Whether the mocks of one module get configured (see the module docstring)."""

    def __init__(self, index: ModuleIndex) -> None:
        self.ix = index
        self.bind = Bindings(index)
        self.own_only = False  # AM004: only the mock's own return value counts
        self._active: set[Handle] = set()
        self._active_funcs: set[ast.AST] = set()
        self.evidence = Evidence()
        self.factories: set[tuple[Scope, str]] = set()  # (scope, name) of patched mocks (factories)

    def awaited_unconfigured(self) -> list[tuple[Path, ast.Await]]:
        """Awaits in this module whose used result comes from an unconfigured part of the mock.

        Collected while the last ``satisfied`` call scanned the mock's handles: the test's own
        code (or a helper of the module) awaits the mock or a child and uses the result, and
        no scanned statement configures that path (a ``configure_mock(**...)`` hides everything).
        """
        found = self.evidence
        if found.opaque:
            return []
        return [(path, node) for path, node in found.awaited if path not in found.configured]

    def satisfied(self, groups: list[list[Dest]], *, own_only: bool) -> bool:
        """Every group (OR of destinations) leads to a configured mock."""
        self.own_only = own_only
        self.evidence = Evidence()
        return bool(groups) and all(self.configured(self.follow(group, ())) for group in groups)

    def configured(self, seen: int, *, strict: bool = False) -> bool:
        """Configured, or (unless ``strict``) never reaching anything that could await it."""
        if seen & (Seen.OWN | Seen.SAFE | Seen.ESCAPED):
            return True
        if not strict and not seen & (Seen.LEAK | Seen.USED):
            return True
        return not self.own_only and bool(seen & Seen.CHILD) and not seen & Seen.USED

    def follow(self, dests: list[Dest], mock: Path, sink: Returns | None = None) -> int:
        """What happens to a mock (at mock-relative ``mock``) in each of ``dests``, merged.

        Returned/yielded mocks go to ``sink`` when the caller scans a scope (they are judged
        once the whole scope is known, see ``_hand_out``), else they are judged right here.
        """
        seen = Seen.NONE
        returns: Returns = []
        for dest in dests:
            prefix = (PATCHER, *mock) if dest.patcher else mock
            if dest.leak:
                seen |= Seen.LEAK
            elif dest.returns is not None:
                (returns if sink is None else sink).append((dest, prefix))
            else:
                seen |= self.evaluate(Handle(dest.scope, dest.path, prefix, dest.pos))
                if dest.path[1:] == ("return_value",) and (dest.scope, dest.path[0]) in self.factories:
                    seen |= Seen.LEAK  # what a patched factory returns reaches the code under test
        return seen | self._hand_out(returns, seen)

    def evaluate(self, handle: Handle) -> int:
        # self-references (``s.__aenter__.return_value = s``) would grow paths forever: bound them
        if handle in self._active or len(handle.path) > _MAX_PATH or len(self._active) > _MAX_DEPTH:
            return Seen.NONE
        self._active.add(handle)
        try:
            returns: Returns = []
            seen = self._scan(handle, returns)
            return seen | self._hand_out(returns, seen) | self._escape(handle, seen)
        finally:
            self._active.discard(handle)

    def _scan(self, h: Handle, sink: Returns) -> int:
        seen = Seen.NONE
        for occ in self.ix.by_scope.get(h.scope, ()):
            if h.start is not None and occ.pos <= h.start:
                continue
            related = relate(occ.path, h.path)
            if related is None:
                continue
            extends, rest = related
            if occ.store:
                if (not extends or not rest) and h.start is not None and occ.scope is h.scope:
                    break  # the path is rebound: later statements are about another object
                seen |= self._stored((*h.mock, *rest), occ.node) if extends else Seen.NONE
            elif extends:
                seen |= self._loaded((*h.mock, *rest), occ.node, sink)
            else:
                seen |= self.follow(self.bind.destinations(occ.node, rest), h.mock, sink)
        return seen

    def _stored(self, rel: Path, node: ast.expr) -> int:
        parent = self.ix.parents.get(node)
        seen = assigned(rel, parent.value if isinstance(parent, ast.Assign | ast.AnnAssign) else None)
        if seen:
            configured = next((i for i, part in enumerate(rel) if part in RVSE), len(rel))
            self.evidence.configured.add(rel[:configured])
        return seen

    def _loaded(self, rel: Path, node: ast.expr, sink: Returns) -> int:
        parent = self.ix.parents.get(node)
        if rel and rel[0] == PATCHER:
            return self._patcher_used(rel, node, parent, sink)
        if isinstance(parent, ast.Call) and parent.func is node:
            return self._method_called(rel, parent)
        if isinstance(parent, ast.Call) and call_name(parent) == "setattr" and parent.args[:1] == [node]:
            name = parent.args[1] if len(parent.args) == 3 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                return assigned((*rel, name.value), parent.args[2])
        if rel and rel[-1] in USED_ATTRIBUTES:
            never = never_called(node, parent)
            if never:
                self.evidence.configured.add(rel[:-1])  # asserted never awaited: nothing to configure
            if len(rel) == 1:
                return Seen.SAFE if never else Seen.USED
        return self.follow(self.bind.destinations(node), rel, sink)

    def _method_called(self, rel: Path, call: ast.Call) -> int:
        method, owner = (rel[-1], rel[:-1]) if rel else ("", ())
        if method == "configure_mock":
            self.evidence.opaque = True  # which children it configures is not always spelled out
            if not owner and any(kw.arg in RVSE for kw in call.keywords):
                return Seen.OWN
            return Seen.CHILD if owner or call.keywords else Seen.NONE
        sync_dunder = method.startswith("__") and method not in ASYNC_DUNDERS
        if not (method.startswith("assert_") or method in MOCK_API or sync_dunder):
            awaited = self.ix.parents.get(call)
            if isinstance(awaited, ast.Await) and result_used(awaited, self.ix.parents, self._reads):
                self.evidence.awaited.append((rel, awaited))
            return Seen.LEAK  # the test calls the mock or a child itself (and may await it)
        if method in NOT_AWAITED:
            self.evidence.configured.add(owner)  # asserted never awaited: nothing to configure
        if owner:
            return Seen.NONE
        if method in NOT_AWAITED:
            return Seen.SAFE
        return Seen.USED if method.startswith("assert_") else Seen.NONE

    def _patcher_used(self, rel: Path, node: ast.expr, parent: ast.AST | None, sink: Returns) -> int:
        if rel[1:] in (("start",), ("__enter__",)) and isinstance(parent, ast.Call) and parent.func is node:
            return self.follow(self.bind.destinations(parent), (), sink)
        if rel != (PATCHER,):
            return Seen.NONE
        if isinstance(parent, ast.withitem):
            targets = self.bind.target(parent.optional_vars) if parent.optional_vars else []
            return self.follow(targets, (), sink)
        if isinstance(parent, ast.Call) and call_name(parent) in ENTER and parent.args[:1] == [node]:
            return self.follow(self.bind.destinations(parent), (), sink)
        return self.follow(self.bind.destinations(node), rel, sink)

    def _reads(self, statement: ast.AST, name: str) -> Iterator[ast.expr]:
        """Loads of ``name`` after ``statement`` in its scope (for ``result_used``)."""
        after = position(statement)
        for occ in self.ix.by_scope.get(self.ix.scope_of(statement), ()):
            if not occ.store and occ.path == (name,) and occ.pos > after:
                yield occ.node

    # -- leaving the scope -------------------------------------------------------------------

    def _hand_out(self, returns: Returns, seen: int) -> int:
        """Returned/yielded mocks: ESCAPED when every consumer accepts them, else LEAK.

        Consumers may leave the mock alone only if the producing scope has not already handed
        it to code that could await it (``seen`` has no LEAK/USED); otherwise they must configure it.
        """
        strict = bool(seen & (Seen.LEAK | Seen.USED))
        out = Seen.NONE
        for dest, prefix in returns:
            assert dest.returns is not None
            accepted = self._consumers_configured(dest.returns, dest.path, prefix, strict=strict)
            out |= Seen.ESCAPED if accepted else Seen.LEAK
        return out

    def _escape(self, h: Handle, seen: int) -> int:
        """``self.x`` set in a non-test method is configured if every test method accepts it."""
        info = self.ix.funcs.get(h.scope)
        if not h.path or h.path[0] != SELF or info is None or info.cls is None:
            return Seen.NONE
        if info.node.name.startswith("test"):
            return Seen.NONE
        tests = [
            m.node
            for cls in self.ix.subclasses(info.cls)
            for m in self.ix.methods(cls)
            if m.node.name.startswith("test")
        ]
        strict = bool(seen & (Seen.LEAK | Seen.USED))
        handles = [Handle(t, h.path, h.mock, position(t)) for t in tests]
        if handles and all(self.configured(self.evaluate(c), strict=strict) for c in handles):
            return Seen.ESCAPED
        return Seen.LEAK

    def _consumers_configured(
        self, func: ast.FunctionDef | ast.AsyncFunctionDef, suffix: Path, mock: Path, *, strict: bool
    ) -> bool:
        info = self.ix.funcs[func]
        if func in self._active_funcs:
            return False  # a recursive helper: its own call does not configure anything
        self._active_funcs.add(func)
        try:
            if info.fixture:
                groups = self._fixture_users(info.fixture, func, suffix)
            else:
                groups = self._callers(info.node, suffix)
            return bool(groups) and all(self.configured(self.follow(g, mock), strict=strict) for g in groups)
        finally:
            self._active_funcs.discard(func)

    def _fixture_users(self, name: str, func: ast.AST, suffix: Path) -> list[list[Dest]]:
        groups: list[list[Dest]] = []
        for other in self.ix.funcs.values():
            if other.node is not func and name in other.all_params:
                groups.append([Dest((name, *suffix), other.node, position(other.node))])
        for call in self.ix.calls:
            used = [a.value for a in call.args if isinstance(a, ast.Constant)]
            if call_name(call) == "usefixtures" and name in used:
                groups.append([self.bind.leak])  # active in the test, with no name to configure it
        return groups

    def _callers(self, func: ast.FunctionDef | ast.AsyncFunctionDef, suffix: Path) -> list[list[Dest]]:
        """Each call of a helper (``make()``, ``self.make()``) and where its result goes."""
        cls = self.ix.funcs[func].cls
        wanted = {(func.name,)} if cls is None else {(SELF, func.name), (cls.name, func.name)}
        return [
            self.bind.destinations(call, suffix)
            for call in self.ix.calls
            if path_of(self.ix, call.func) in wanted
        ]
