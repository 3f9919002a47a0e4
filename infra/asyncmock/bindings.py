"""Where a value goes: the places (paths in scopes) an expression's value gets bound to.

``destinations(node)`` walks up from an expression: an assignment binds it to its target(s)
(unpacking tuples), a list/tuple/dict literal or a keyword argument adds a path component
(``svc = Service(authz=mock)`` binds the mock to ``svc.authz``), ``await``/``x or y``/``a if c
else b`` pass it through, ``for x in mocks`` binds each element to ``x``, and ``return``/``yield``
hand it to the function's consumers. A positional argument is anonymous, except for a function
of the same module (its parameter), ``setattr(obj, "name", value)``, ``patch(..., new=value)``
and ``configure_mock(child=value)``. Patch calls have their own outlets (``with ... as m``,
``start()``, ``enter_context``, the parameter a ``@patch`` decorator injects).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from infra.asyncmock.forms import PatchCall, patch_call, patched_attribute, path_of
from infra.asyncmock.index import ANY_INDEX, SELF, ModuleIndex, Path, Pos, Scope, position

ENTER = frozenset({"enter_context", "enter_async_context"})
# calls that look at a value without awaiting it (or anything on it)
INERT_CALLS = frozenset(
    {
        *("isinstance", "issubclass", "callable", "hasattr", "id", "hash", "repr", "str", "bool"),
        *("int", "float", "complex", "len", "list", "tuple", "dir", "vars", "type", "print", "format"),
        *("iscoroutinefunction", "iscoroutine", "isawaitable", "isfunction", "ismethod", "signature"),
        *("isgeneratorfunction", "isgenerator", "isasyncgenfunction", "isasyncgen", "isclass"),
        *("round", "trunc", "floor", "ceil", "oct", "hex", "abs", "iter"),
        *("subTest", "assertIs", "assertIsNot", "assertIsNone", "assertIsNotNone", "assertIsInstance"),
        *("assertNotIsInstance", "assertTrue", "assertFalse", "assertEqual", "assertNotEqual"),
        *("assertIn", "assertNotIn"),
    }
)
ASYNC_DUNDERS = frozenset({"__aenter__", "__aexit__", "__anext__", "__aiter__", "__await__", "__call__"})
# expressions and statements that use a value without letting anything await it
_INERT_PARENTS = (
    *(ast.Expr, ast.Compare, ast.FormattedValue, ast.Assert, ast.UnaryOp, ast.If, ast.While, ast.Delete),
)


class Dest(NamedTuple):
    """Where a value lands: a path in a scope, or (``returns`` set) out of a function."""

    path: Path
    scope: Scope
    pos: Pos | None  # None: every statement of the scope counts (module and class attributes)
    returns: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    patcher: bool = False  # the value is a patcher: its ``start()`` / ``__enter__`` gives the mock
    leak: bool = False  # the value reaches code we cannot see (a call argument, a patch target, ...)


def call_name(call: ast.Call) -> str:
    """The last name of a call's function: ``monkeypatch.setattr(...)`` -> ``setattr``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def inert_call(call: ast.Call) -> bool:
    """A call that only inspects its arguments: ``isinstance(m, ...)``, ``str(m)``, ``object.__hash__(m)``."""
    name = call_name(call)
    return name in INERT_CALLS or (name.startswith("__") and name not in ASYNC_DUNDERS)


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


class Bindings:
    """Destinations of values within one module."""

    def __init__(self, index: ModuleIndex) -> None:
        self.ix = index
        self.leak = Dest((), index.tree, None, leak=True)

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
                    return []  # a dict key is hashed, never awaited
                suffix = (_key_of(parent, node), *suffix)
            elif isinstance(parent, ast.keyword):
                call = self.ix.parents.get(parent)
                if not isinstance(call, ast.Call) or parent.arg is None:
                    return [self.leak]
                if inert_call(call):
                    return []
                special = self._special_argument(call, node, parent.arg, suffix)
                if special is not None:
                    return special
                extra += [*self._callee(call, parent.arg, suffix), self.leak]
                suffix, parent = (parent.arg, *suffix), call
            elif isinstance(parent, ast.Call):
                return self._argument(parent, node, suffix, extra)
            elif isinstance(parent, ast.Return | ast.Yield | ast.YieldFrom):
                func = self.ix.function_of(parent)
                return [self.leak] if func is None else [Dest(suffix, func, None, returns=func)]
            elif isinstance(parent, ast.For) and node is parent.iter:
                return self.target(parent.target, suffix[1:]) if suffix[:1] and suffix[0][0] == "[" else []
            elif (isinstance(parent, ast.IfExp) and node is parent.test) or isinstance(
                parent, _INERT_PARENTS
            ):
                return []
            elif not isinstance(parent, ast.Await | ast.BoolOp | ast.IfExp):
                return [self.leak]  # anything else may reach code that awaits it
            node = parent

    def _argument(self, call: ast.Call, node: ast.AST, suffix: Path, extra: list[Dest]) -> list[Dest]:
        """A positional argument (or the called function itself) of ``call``."""
        if node is call.func:
            return [self.leak]
        if inert_call(call):
            return []
        index = next((i for i, a in enumerate(call.args) if a is node), None)
        if index is None:
            return [self.leak]  # pragma: no cover - a value under a Call is its func or an argument
        extra += self._callee(call, index, suffix)
        special = self._special_argument(call, node, None, suffix)
        return [self.leak] if special is None else special

    def target(self, target: ast.expr, suffix: Path = ()) -> list[Dest]:
        """Destinations for assigning to ``target`` (tuples unpack an index from ``suffix``)."""
        if isinstance(target, ast.Tuple | ast.List):
            head = suffix[0] if suffix else ANY_INDEX
            if head == ANY_INDEX or not head[1:-1].isdigit() or int(head[1:-1]) >= len(target.elts):
                return [self.leak]  # bound somewhere we cannot name
            elts = target.elts[: int(head[1:-1]) + 1]
            if any(isinstance(e, ast.Starred) for e in elts):
                return [self.leak]
            return self.target(elts[-1], suffix[1:])
        occ = self.ix.chains.get(target)
        if occ is None:
            return [self.leak]  # ``f().x = value``, ``type(cm).__aexit__ = value``
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
        name = call_name(call)
        if patch is not None:
            return [*self.patch_results(patch, suffix), self.leak] if node is patch.new else None
        if name == "setattr" and len(call.args) == 3 and node is call.args[2]:
            obj, attr = path_of(self.ix, call.args[0]), call.args[1]
            if obj is None or not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                return [self.leak]
            return [self._here(call, (*obj, attr.value, *suffix)), self.leak]
        if name == "configure_mock" and keyword is not None and isinstance(call.func, ast.Attribute):
            obj = path_of(self.ix, call.func.value)
            return [self.leak] if obj is None else [self._here(call, (*obj, keyword, *suffix))]
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
        elif isinstance(parent, ast.Call) and call_name(parent) in ENTER and parent.args[:1] == [call]:
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
