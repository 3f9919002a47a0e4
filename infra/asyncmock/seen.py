"""What scanning a mock's handle finds: the words ``infra.asyncmock.flow`` is written in.

A ``Handle`` (where a mock lives in a scope), ``relate`` (whether a path reaches it), the ``Seen``
flags and the ``Evidence`` a scan collects, and how one statement about the mock is judged on its
own (``assigned``, ``never_called``). Nothing here walks a scope or follows a mock: kept apart
from ``flow.py`` so that module holds only the traversal (see its docstring for the rules).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from infra.asyncmock.bindings import call_name
from infra.asyncmock.index import ANY_INDEX, Path, Pos, Scope

RVSE = frozenset({"return_value", "side_effect"})
PATCHER = "<patcher>"
NOT_AWAITED = frozenset({"assert_not_awaited", "assert_not_called"})
MOCK_API = frozenset({"reset_mock", "attach_mock", "mock_add_spec"})
USED_ATTRIBUTES = frozenset(
    {"await_count", "await_args", "await_args_list", "call_count", "call_args", "call_args_list", "called"}
)


class Seen:
    """What a scan found, as bit flags (plain ints: ``enum.Flag`` arithmetic is slow in this loop)."""

    NONE = 0
    OWN = 1
    CHILD = 2
    USED = 4
    SAFE = 8
    ESCAPED = 16
    LEAK = 32


class Evidence:
    """What one mock's scan saw beyond the flags: awaits whose result is used, configured paths."""

    def __init__(self) -> None:
        self.awaited: list[tuple[Path, ast.Await]] = []  # mock-relative path of the awaited callable
        self.configured: set[Path] = set()  # mock-relative paths whose awaited result is configured
        self.opaque = False


def never_called(node: ast.expr, parent: ast.AST | None) -> bool:
    """``m.call_count == 0`` / ``m.await_count == 0`` / ``not m.called`` / ``m.called is False``."""
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return True
    if not (isinstance(parent, ast.Compare) and parent.left is node and len(parent.ops) == 1):
        return False
    value = parent.comparators[0]
    if not isinstance(value, ast.Constant) or value.value not in (0, False):
        return False
    return isinstance(parent.ops[0], ast.Eq | ast.Is)


class Handle(NamedTuple):
    """A place in ``scope`` (from ``start`` on) where the object at ``mock`` within the mock lives."""

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


def _mockish(value: ast.expr | None) -> bool:
    """A value that replaces a child with something callable: a mock, a helper, a function."""
    if isinstance(value, ast.Lambda | ast.Name | ast.Attribute):
        return True
    if isinstance(value, ast.Call):
        name = call_name(value)
        return name.lower().endswith("mock") or name == "create_autospec"
    return False


def assigned(rel: Path, value: ast.expr | None) -> int:
    """What ``<mock>.<rel> = value`` configures."""
    if not rel or rel[0] == PATCHER:
        return Seen.NONE
    if RVSE.intersection(rel):
        return Seen.OWN if rel[0] in RVSE else Seen.CHILD
    return Seen.CHILD if _mockish(value) else Seen.NONE
