"""Inside ``pytest.raises``: did the code get past the awaited use before the expected exception?

A test that expects an exception may stop before the mock is awaited (invalid input rejected
first), so rule AM007 does not follow such a call, with one exception that the test itself
spells out: it sets a mock's ``side_effect`` to the expected exception (same class name; with
a generic ``Exception``/``BaseException`` also a ``match=`` pattern that the injected message
satisfies), so the exception comes from the code's call of that mock. When every such call in
the code the test reaches comes after the awaited use, in the same function, the test (which
passes only when that exception is raised) ran past the use. ``infra.asyncmock.reach`` finds
those calls in the source; this module reads the test's side.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from infra.asyncmock.bindings import call_name
from infra.asyncmock.index import ModuleIndex, Path, Pos, Scope
from infra.asyncmock.source import Holder, SourceModule

_RAISES = frozenset({"raises", "assertRaises", "assertRaisesRegex"})
_GENERIC = frozenset({"Exception", "BaseException"})


class Expected:
    """What a ``pytest.raises``/``assertRaises`` around a call expects."""

    def __init__(self, names: frozenset[str], pattern: str | None) -> None:
        self.names, self.pattern = names, pattern

    def injected_by(self, value: ast.expr) -> bool:
        """``value`` (``Exc("message")`` or ``Exc``) is an exception this context expects."""
        call = value if isinstance(value, ast.Call) else None
        name = _last_name(call.func if call is not None else value)
        if name not in self.names:
            return False
        if name not in _GENERIC:
            return True
        message = call.args[0] if call is not None and call.args else None
        if self.pattern is None or not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
            return False
        try:
            return re.search(self.pattern, message.value) is not None
        except re.error:
            return False


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def expected(ix: ModuleIndex, node: ast.AST) -> Expected | None:
    """The expectation of the innermost ``with pytest.raises(...)`` around ``node`` (None: none)."""
    current = ix.parents.get(node)
    while current is not None and not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
        for item in current.items if isinstance(current, ast.With | ast.AsyncWith) else ():
            raises = item.context_expr
            if isinstance(raises, ast.Call) and call_name(raises) in _RAISES:
                return _expectation(raises)
        current = ix.parents.get(current)
    return None


def _expectation(raises: ast.Call) -> Expected:
    first = raises.args[0] if raises.args else None
    classes = first.elts if isinstance(first, ast.Tuple) else [first] if first is not None else []
    pattern = raises.args[1] if call_name(raises) == "assertRaisesRegex" and len(raises.args) > 1 else None
    for keyword in raises.keywords:
        if keyword.arg in ("match", "expected_regex"):
            pattern = keyword.value
    text = pattern.value if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str) else None
    return Expected(frozenset(_last_name(c) for c in classes) - {""}, text)


def injected(ix: ModuleIndex, scope: Scope, before: Pos, expect: Expected) -> Iterator[Path]:
    """Test-side paths of mocks whose ``side_effect`` the test sets, before ``before``, to an
    exception ``expect`` expects (``graph.ainvoke.side_effect = Exception("boom")`` ->
    ``("graph", "ainvoke")``)."""
    for occ in ix.by_scope.get(scope, ()):
        if occ.store and occ.pos < before and len(occ.path) >= 2 and occ.path[-1] == "side_effect":
            parent = ix.parents.get(occ.node)
            if isinstance(parent, ast.Assign) and expect.injected_by(parent.value):
                yield occ.path[:-1]


def spellings(
    ix: ModuleIndex, path: Path, module: SourceModule, factories: dict[tuple[Scope, str], str], scope: Scope
) -> set[Holder]:
    """How ``module`` spells a call of the test's mock at ``path``: a function the test patches
    (``name(...)``), or a child of what a patched factory returns (``name().run(...)``, or the
    holder the module assigns ``name(...)`` to); also through ``factory.return_value = mock``."""
    head, rest = path[0], path[1:]
    if (scope, head) not in factories:
        for occ in ix.by_scope.get(scope, ()):
            parent = ix.parents.get(occ.node)
            value = parent.value if isinstance(parent, ast.Assign) else None
            if (
                occ.store
                and occ.path[1:] == ("return_value",)
                and isinstance(value, ast.Name)
                and value.id == head
            ):
                head, rest = occ.path[0], ("return_value", *rest)
    dotted, _, name = factories.get((scope, head), "").rpartition(".")
    if dotted != module.dotted or not name:
        return set()
    if not rest:
        return {(name,)}
    if rest[0] != "return_value":
        return set()
    children = rest[1:]
    return {(f"{name}()", *children)} | {(*holder, *children) for _, _, holder in module.assigned_calls(name)}
