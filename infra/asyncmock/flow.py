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
- ESCAPED: the mock leaves the scope and every consumer configures it: a fixture's return/yield
  (every function of the module requesting the fixture), a helper's return (every call site),
  ``self.x`` set outside a test method (every ``test*`` method of the class and its subclasses).

Aliases (``a = mock``, ``svc = Service(authz=mock)``, ``for m in mocks``, ``with p as m``,
``p.start()``) are followed inside a scope. A handle is configured when OWN, SAFE or ESCAPED, or
CHILD without USED (the top-level result matters only if the mock itself is awaited).
"""

from __future__ import annotations

import ast
import enum
from typing import NamedTuple

from infra.asyncmock.forms import PatchCall, patch_call, patched_attribute, path_of
from infra.asyncmock.index import ANY_INDEX, SELF, ModuleIndex, Path, Pos, Scope, position

RVSE = frozenset({"return_value", "side_effect"})
PATCHER = "<patcher>"
NOT_AWAITED = frozenset({"assert_not_awaited", "assert_not_called"})
USED_ATTRIBUTES = frozenset(
    {"await_count", "await_args", "await_args_list", "call_count", "call_args", "call_args_list", "called"}
)
ENTER = frozenset({"enter_context", "enter_async_context"})
_MAX_PATH = 12
_MAX_DEPTH = 40


class Seen(enum.Flag):
    NONE = 0
    OWN = enum.auto()
    CHILD = enum.auto()
    USED = enum.auto()
    SAFE = enum.auto()
    ESCAPED = enum.auto()


class Dest(NamedTuple):
    """Where a value lands: a path in a scope, or (``returns`` set) out of a function."""

    path: Path
    scope: Scope
    pos: Pos | None  # None: every statement of the scope counts (module and class attributes)
    returns: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    patcher: bool = False  # the value is a patcher: its ``start()`` / ``__enter__`` gives the mock


class Handle(NamedTuple):
    scope: Scope
    path: Path
    mock: Path
    start: Pos | None


def relate(path: Path, handle: Path) -> tuple[bool, Path] | None:
    """``(True, rest)`` if ``path`` extends ``handle``; ``(False, rest)`` if it is a proper prefix."""
    for a, b in zip(path, handle, strict=False):
        if a != b and not (ANY_INDEX in (a, b) and a[0] == "[" and b[0] == "["):
            return None
    if len(path) >= len(handle):
        return True, path[len(handle) :]
    return False, handle[len(path) :]


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _mockish(value: ast.expr | None) -> bool:
    """A value that replaces a child with something callable: a mock, a helper, a function."""
    if isinstance(value, ast.Lambda | ast.Name | ast.Attribute):
        return True
    if isinstance(value, ast.Call):
        name = _call_name(value)
        return name.lower().endswith("mock") or name == "create_autospec"
    return False


def _assigned(rel: Path, value: ast.expr | None) -> Seen:
    """What ``<mock>.<rel> = value`` configures."""
    if not rel or rel[0] == PATCHER:
        return Seen.NONE
    if RVSE.intersection(rel):
        return Seen.OWN if rel[0] in RVSE else Seen.CHILD
    return Seen.CHILD if _mockish(value) else Seen.NONE


def _index_of(elts: list[ast.expr], node: ast.AST) -> str:
    for i, elt in enumerate(elts):
        if isinstance(elt, ast.Starred):
            return ANY_INDEX
        if elt is node:
            return f"[{i}]"
    return ANY_INDEX  # pragma: no cover - node is always one of the elements


def _key_of(node: ast.Dict, value: ast.AST) -> str:
    for key, item in zip(node.keys, node.values, strict=True):
        if item is value and isinstance(key, ast.Constant) and isinstance(key.value, int | str):
            return f"[{key.value!r}]"
    return ANY_INDEX


class Flow:
    """Destinations and configuration of mocks within one module (see the module docstring)."""

    def __init__(self, index: ModuleIndex) -> None:
        self.ix = index
        self.own_only = False  # AM004: only the mock's own return value counts
        self._active: set[Handle] = set()
        self._active_funcs: set[ast.AST] = set()

    # -- where values go ---------------------------------------------------------------------

    def destinations(self, node: ast.AST, suffix: Path = ()) -> list[Dest]:
        """Every place the value of ``node`` is bound to (``[]`` when it is passed away anonymously).

        An argument of a call to a function of this module also lands in that function's
        parameter (a helper may configure it); the call's own result is followed as well.
        """
        extra: list[Dest] = []
        return [*self._bound(node, suffix, extra), *extra]

    def _bound(self, node: ast.AST, suffix: Path, extra: list[Dest]) -> list[Dest]:
        while True:
            parent = self.ix.parents.get(node)
            if isinstance(parent, ast.Assign) and node is parent.value:
                return [d for target in parent.targets for d in self.target(target, suffix)]
            if isinstance(parent, ast.AnnAssign | ast.NamedExpr) and node is parent.value:
                return self.target(parent.target, suffix)
            if isinstance(parent, ast.Tuple | ast.List | ast.Set):
                suffix = (_index_of(parent.elts, node), *suffix)
            elif isinstance(parent, ast.Dict):
                if not any(v is node for v in parent.values):
                    return []
                suffix = (_key_of(parent, node), *suffix)
            elif isinstance(parent, ast.keyword):
                call = self.ix.parents.get(parent)
                if not isinstance(call, ast.Call) or parent.arg is None:
                    return []
                special = self._special_argument(call, node, parent.arg, suffix)
                if special is not None:
                    return special
                extra += self._callee(call, parent.arg, suffix)
                suffix, parent = (parent.arg, *suffix), call
            elif isinstance(parent, ast.Call):
                if node is parent.func:
                    return []
                position_ = next(i for i, a in enumerate(parent.args) if a is node)
                extra += self._callee(parent, position_, suffix)
                return self._special_argument(parent, node, None, suffix) or []
            elif isinstance(parent, ast.Return | ast.Yield | ast.YieldFrom):
                func = self.ix.function_of(parent)
                return [] if func is None else [Dest(suffix, func, None, returns=func)]
            elif isinstance(parent, ast.For | ast.AsyncFor) and node is parent.iter:
                return self.target(parent.target, suffix[1:]) if suffix[:1] and suffix[0][0] == "[" else []
            elif not (
                isinstance(parent, ast.Await | ast.BoolOp)
                or (isinstance(parent, ast.IfExp) and node is not parent.test)
            ):
                return []
            node = parent

    def target(self, target: ast.expr, suffix: Path = ()) -> list[Dest]:
        """Destinations for assigning to ``target`` (tuples unpack an index from ``suffix``)."""
        if isinstance(target, ast.Tuple | ast.List):
            head = suffix[0] if suffix else ANY_INDEX
            if head == ANY_INDEX or not head[1:-1].isdigit() or int(head[1:-1]) >= len(target.elts):
                return []
            elts = target.elts[: int(head[1:-1]) + 1]
            if any(isinstance(e, ast.Starred) for e in elts):
                return []
            return self.target(elts[-1], suffix[1:])
        occ = self.ix.chains.get(target)
        if occ is None:
            return []
        if isinstance(occ.scope, ast.ClassDef):
            cls = occ.scope
            return [
                Dest((SELF, *occ.path, *suffix), cls, None),
                Dest((cls.name, *occ.path, *suffix), self.ix.tree, None),
            ]
        pos = None if isinstance(occ.scope, ast.Module) else occ.pos
        return [Dest((*occ.path, *suffix), occ.scope, pos)]

    def _special_argument(
        self, call: ast.Call, node: ast.AST, keyword: str | None, suffix: Path
    ) -> list[Dest] | None:
        """Arguments whose destination is known: ``patch(new=...)``, ``setattr``, ``configure_mock``."""
        patch = patch_call(call, self.ix.names)
        name = _call_name(call)
        if patch is not None:
            return self.patch_results(patch, suffix) if node is patch.new else None
        if name == "setattr" and len(call.args) == 3 and node is call.args[2]:
            obj, attr = path_of(self.ix, call.args[0]), call.args[1]
            if obj is None or not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                return []
            return [self._here(call, (*obj, attr.value, *suffix))]
        if name == "configure_mock" and keyword is not None and isinstance(call.func, ast.Attribute):
            obj = path_of(self.ix, call.func.value)
            return [] if obj is None else [self._here(call, (*obj, keyword, *suffix))]
        return None

    def _callee(self, call: ast.Call, argument: str | int, suffix: Path) -> list[Dest]:
        """The parameter of a function defined in this module that receives ``argument``."""
        path = path_of(self.ix, call.func)
        if path is None or len(path) > 2 or (len(path) == 2 and path[0] != SELF):
            return []
        infos = [
            i
            for i in self.ix.funcs.values()
            if i.node.name == path[-1] and (i.cls is None) == (len(path) == 1)
        ]
        if len(infos) != 1:
            return []
        info = infos[0]
        if isinstance(argument, int):
            starred = any(isinstance(a, ast.Starred) for a in call.args[: argument + 1])
            name = info.params[argument] if argument < len(info.params) and not starred else None
        else:
            name = argument if argument in info.all_params else None
        return [] if name is None else [Dest((name, *suffix), info.node, position(info.node))]

    def _here(self, node: ast.AST, path: Path) -> Dest:
        scope = self.ix.scope_of(node)
        return Dest(path, scope, None if isinstance(scope, ast.Module | ast.ClassDef) else position(node))

    def patch_results(self, patch: PatchCall, suffix: Path) -> list[Dest]:
        """Where the mock made (or given as ``new``) by a patch call goes."""
        call, dests = patch.node, []
        attribute = patched_attribute(patch)
        obj = None if attribute is None else path_of(self.ix, attribute[0])
        if attribute is not None and obj is not None:
            dests.append(self._here(call, (*obj, attribute[1], *suffix)))
        parent = self.ix.parents.get(call)
        grand = self.ix.parents.get(parent) if parent is not None else None
        if isinstance(parent, ast.withitem):
            dests += [] if parent.optional_vars is None else self.target(parent.optional_vars, suffix)
        elif isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            pass  # a decorator: see decorator_groups
        elif patch.mocker:
            dests += self.destinations(call, suffix)
        elif isinstance(parent, ast.Attribute) and parent.attr in ("start", "__enter__"):
            dests += self.destinations(grand, suffix) if isinstance(grand, ast.Call) else []
        elif isinstance(parent, ast.Call) and _call_name(parent) in ENTER and parent.args[:1] == [call]:
            dests += self.destinations(parent, suffix)
        else:
            dests += [d._replace(patcher=True) for d in self.destinations(call, suffix)]
        return dests

    def decorator_groups(self, patch: PatchCall) -> list[list[Dest]] | None:
        """For a ``@patch`` decorator: per decorated test, the injected parameter; else None."""
        owner = self.ix.parents.get(patch.node)
        if not isinstance(owner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return None
        extra = self.patch_results(patch, ())
        offset = self._injected_index(owner, patch.node)
        if isinstance(owner, ast.ClassDef):
            # a class decorator patches each test* method, outside the method's own decorators
            tests = [m.node for m in self.ix.methods(owner) if m.node.name.startswith("test")]
            return [self._parameter(t, len(self._injecting(t)), offset) + extra for t in tests] or [[]]
        return [self._parameter(owner, 0, offset) + extra]

    def _injecting(self, owner: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[ast.expr]:
        """Patch decorators that pass a mock argument, innermost first."""
        found: list[ast.expr] = []
        for deco in reversed(owner.decorator_list):
            patch = patch_call(deco, self.ix.names) if isinstance(deco, ast.Call) else None
            if patch is not None and not patch.mocker and patch.new is None:
                found.append(deco)
        return found

    def _injected_index(
        self, owner: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, call: ast.AST
    ) -> int | None:
        """Which injected argument a decorator supplies (None: it passes none, e.g. ``new=``)."""
        injecting = self._injecting(owner)
        return next((i for i, deco in enumerate(injecting) if deco is call), None)

    def _parameter(
        self, func: ast.FunctionDef | ast.AsyncFunctionDef, before: int, offset: int | None
    ) -> list[Dest]:
        params = self.ix.funcs[func].params
        if offset is None or before + offset >= len(params):
            return []
        return [Dest((params[before + offset],), func, position(func))]

    # -- what happens to them ----------------------------------------------------------------

    def satisfied(self, groups: list[list[Dest]], *, own_only: bool) -> bool:
        """Every group (OR of destinations) leads to a configured mock."""
        self.own_only = own_only
        return bool(groups) and all(self.configured(self.follow(group, ())) for group in groups)

    def configured(self, seen: Seen) -> bool:
        if seen & (Seen.OWN | Seen.SAFE | Seen.ESCAPED):
            return True
        return not self.own_only and bool(seen & Seen.CHILD) and not seen & Seen.USED

    def follow(self, dests: list[Dest], mock: Path) -> Seen:
        seen = Seen.NONE
        for dest in dests:
            prefix = (PATCHER, *mock) if dest.patcher else mock
            if dest.returns is not None:
                if self._consumers_configured(dest.returns, dest.path, prefix):
                    seen |= Seen.ESCAPED
            else:
                seen |= self.evaluate(Handle(dest.scope, dest.path, prefix, dest.pos))
        return seen

    def evaluate(self, handle: Handle) -> Seen:
        # self-references (``s.__aenter__.return_value = s``) would grow paths forever: bound them
        if handle in self._active or len(handle.path) > _MAX_PATH or len(self._active) > _MAX_DEPTH:
            return Seen.NONE
        self._active.add(handle)
        try:
            return self._scan(handle) | self._escape(handle)
        finally:
            self._active.discard(handle)

    def _scan(self, h: Handle) -> Seen:
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
                seen |= self._loaded((*h.mock, *rest), occ.node)
            else:
                seen |= self.follow(self.destinations(occ.node, rest), h.mock)
        return seen

    def _stored(self, rel: Path, node: ast.expr) -> Seen:
        parent = self.ix.parents.get(node)
        return _assigned(rel, parent.value if isinstance(parent, ast.Assign | ast.AnnAssign) else None)

    def _loaded(self, rel: Path, node: ast.expr) -> Seen:
        parent = self.ix.parents.get(node)
        if rel and rel[0] == PATCHER:
            return self._patcher_used(rel, node, parent)
        if isinstance(parent, ast.Call) and parent.func is node:
            return self._method_called(rel, parent)
        if isinstance(parent, ast.Call) and _call_name(parent) == "setattr" and parent.args[:1] == [node]:
            name = parent.args[1] if len(parent.args) == 3 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                return _assigned((*rel, name.value), parent.args[2])
        if len(rel) == 1 and rel[0] in USED_ATTRIBUTES:
            return Seen.USED
        return self.follow(self.destinations(node), rel)

    def _method_called(self, rel: Path, call: ast.Call) -> Seen:
        if not rel:
            return Seen.NONE
        method, owner = rel[-1], rel[:-1]
        if method == "configure_mock":
            if not owner and any(kw.arg in RVSE for kw in call.keywords):
                return Seen.OWN
            return Seen.CHILD if owner or call.keywords else Seen.NONE
        if owner:
            return Seen.NONE
        if method in NOT_AWAITED:
            return Seen.SAFE
        return Seen.USED if method.startswith("assert_") else Seen.NONE

    def _patcher_used(self, rel: Path, node: ast.expr, parent: ast.AST | None) -> Seen:
        if rel[1:] in (("start",), ("__enter__",)) and isinstance(parent, ast.Call) and parent.func is node:
            return self.follow(self.destinations(parent), ())
        if rel != (PATCHER,):
            return Seen.NONE
        if isinstance(parent, ast.withitem):
            return self.follow(self.target(parent.optional_vars) if parent.optional_vars else [], ())
        if isinstance(parent, ast.Call) and _call_name(parent) in ENTER and parent.args[:1] == [node]:
            return self.follow(self.destinations(parent), ())
        return self.follow(self.destinations(node), rel)

    # -- leaving the scope -------------------------------------------------------------------

    def _escape(self, h: Handle) -> Seen:
        """``self.x`` set in a non-test method is configured if every test method configures it."""
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
        handles = [Handle(t, h.path, h.mock, position(t)) for t in tests]
        if handles and all(self.configured(self.evaluate(c)) for c in handles):
            return Seen.ESCAPED
        return Seen.NONE

    def _consumers_configured(
        self, func: ast.FunctionDef | ast.AsyncFunctionDef, suffix: Path, mock: Path
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
            return bool(groups) and all(self.configured(self.follow(g, mock)) for g in groups)
        finally:
            self._active_funcs.discard(func)

    def _fixture_users(self, name: str, func: ast.AST, suffix: Path) -> list[list[Dest]]:
        groups: list[list[Dest]] = []
        for other in self.ix.funcs.values():
            if other.node is not func and name in other.all_params:
                groups.append([Dest((name, *suffix), other.node, position(other.node))])
        for call in self.ix.calls:
            used = [a.value for a in call.args if isinstance(a, ast.Constant)]
            if _call_name(call) == "usefixtures" and name in used:
                groups.append([])  # requested without a name to configure it through
        return groups

    def _callers(self, func: ast.FunctionDef | ast.AsyncFunctionDef, suffix: Path) -> list[list[Dest]]:
        """Each call of a helper (``make()``, ``self.make()``) and where its result goes."""
        cls = self.ix.funcs[func].cls
        wanted = {(func.name,)} if cls is None else {(SELF, func.name), (cls.name, func.name)}
        return [
            self.destinations(call, suffix) for call in self.ix.calls if path_of(self.ix, call.func) in wanted
        ]
