"""Whether an expression's value is certainly *used*: tested, compared, iterated, read from.

An unconfigured AsyncMock's awaited result is a truthy mock; it does harm only where code looks
at it. Both the test module's own code (rule AM005) and the code under test (rule AM007) are
judged by the same question, so it lives here, over any parent map: the checker's
``ModuleIndex`` for a test module, a per-function map for a source module.

Handing the value on (a call argument, ``return``) is not certain: the receiver decides, which
is what the runtime guard sees. A name assigned from the value counts when some later read of
the name in the same scope is certainly used.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping

# parents that certainly use a value: arithmetic, comparison, ``not``, ``and``/``or``, reading an
# attribute or an item, formatting
_USING = (ast.BinOp, ast.Compare, ast.UnaryOp, ast.BoolOp, ast.Attribute, ast.Subscript, ast.FormattedValue)
_USING_CALLS = frozenset({"len", "bool", "str", "int", "float", "list", "tuple", "dict", "set", "sorted"})
_MAX_DEPTH = 12

# later loads of a name assigned by a statement: ``reads(statement, name)``
Reads = Callable[[ast.AST, str], Iterable[ast.expr]]


def _tested(parent: ast.AST | None, node: ast.AST) -> bool:
    """``node`` is the test of an ``if``/``while``/``assert``/``x if c else y``, a loop's iterable
    or a ``with`` item."""
    if isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert):
        return parent.test is node
    if isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension):
        return parent.iter is node
    return isinstance(parent, ast.withitem) and parent.context_expr is node


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def result_used(node: ast.expr, parents: Mapping[ast.AST, ast.AST], reads: Reads, depth: int = 0) -> bool:
    """The value of ``node`` is certainly used (see the module docstring)."""
    parent = parents.get(node)
    if isinstance(parent, _USING) or _tested(parent, node):
        return True
    if isinstance(parent, ast.Call) and node in parent.args:
        return _called_name(parent) in _USING_CALLS
    if isinstance(parent, ast.Assign | ast.NamedExpr) and parent.value is node and depth < _MAX_DEPTH:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        return any(
            result_used(read, parents, reads, depth + 1) for name in names for read in reads(parent, name)
        )
    return False
