"""Recognise the syntactic forms: ``AsyncMock`` references, ``patch`` calls, async patch targets."""

from __future__ import annotations

import ast
from typing import NamedTuple

from infra.asyncmock.index import ModuleIndex, Names, chain_path

CONFIGURING = frozenset({"return_value", "side_effect", "wraps"})
# AsyncMock(spec, side_effect, return_value, wraps, ...): two positional arguments configure it.
_CONFIGURING_POSITIONAL = 2


def is_asyncmock_ref(node: ast.expr, names: Names) -> bool:
    """``AsyncMock`` under any alias, or ``<anything>.AsyncMock`` (``mock.``, ``mocker.``, ...)."""
    if isinstance(node, ast.Name):
        return node.id in names.asyncmock
    return isinstance(node, ast.Attribute) and node.attr == "AsyncMock"


def configures(call: ast.Call, *, positional: int | None) -> bool:
    """Whether a call's arguments configure the awaited result (``**kwargs`` counts: unknowable)."""
    if any(kw.arg is None or kw.arg in CONFIGURING for kw in call.keywords):
        return True
    if positional is None:
        return False
    return len(call.args) >= positional or any(isinstance(a, ast.Starred) for a in call.args)


def is_asyncmock_ctor(node: ast.AST, names: Names) -> bool:
    return isinstance(node, ast.Call) and is_asyncmock_ref(node.func, names)


def ctor_configured(call: ast.Call) -> bool:
    return configures(call, positional=_CONFIGURING_POSITIONAL)


class PatchCall(NamedTuple):
    """A ``patch``/``patch.object`` call (``mocker`` style returns the mock instead of a patcher)."""

    node: ast.Call
    is_object: bool
    mocker: bool
    new: ast.expr | None
    new_callable: ast.expr | None
    configured: bool
    autospec: bool


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _argument(call: ast.Call, name: str, index: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def patch_call(call: ast.Call, names: Names) -> PatchCall | None:
    """Classify ``call`` as a patch call, or None."""
    func, is_object = call.func, False
    if isinstance(func, ast.Attribute) and func.attr == "object":
        func, is_object = func.value, True
    if isinstance(func, ast.Name):
        if func.id not in names.patch:
            return None
        mocker = False
    elif isinstance(func, ast.Attribute) and func.attr == "patch":
        mocker = _root_name(func.value) not in names.mock_modules
    else:
        return None
    offset = 1 if is_object else 0
    autospec = _argument(call, "autospec", 5 + offset)
    return PatchCall(
        node=call,
        is_object=is_object,
        mocker=mocker,
        new=_argument(call, "new", 1 + offset),
        new_callable=_argument(call, "new_callable", 6 + offset),
        configured=configures(call, positional=None),
        autospec=autospec is not None
        and not (isinstance(autospec, ast.Constant) and autospec.value in (None, False)),
    )


def lambda_ctor(node: ast.expr, names: Names) -> ast.Call | None:
    """The ``AsyncMock(...)`` in ``lambda: AsyncMock(...)`` (a ``new_callable`` factory), or None."""
    if isinstance(node, ast.Lambda) and is_asyncmock_ctor(node.body, names):
        return node.body  # type: ignore[return-value]
    return None


def creates_asyncmock(patch: PatchCall, names: Names) -> bool:
    """``new_callable=AsyncMock`` (or ``lambda: AsyncMock()``) without a configured result."""
    factory = patch.new_callable
    if factory is None or patch.configured:
        return False
    if is_asyncmock_ref(factory, names):
        return True
    ctor = lambda_ctor(factory, names)
    return ctor is not None and not ctor_configured(ctor)


def patched_attribute(patch: PatchCall) -> tuple[ast.expr, str] | None:
    """``(target, "attr")`` of ``patch.object(target, "attr", ...)``, or None."""
    if not patch.is_object:
        return None
    attr = _argument(patch.node, "attribute", 1)
    target = _argument(patch.node, "target", 0)
    if target is None or not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
        return None
    return target, attr.value


def _async_methods(index: ModuleIndex, cls: ast.ClassDef, seen: set[str]) -> set[str]:
    """``async def`` names of a module class, including those inherited from module classes."""
    seen.add(cls.name)
    found = {s.name for s in cls.body if isinstance(s, ast.AsyncFunctionDef)}
    sync = {s.name for s in cls.body if isinstance(s, ast.FunctionDef)}
    for base in cls.bases:
        parent = index.classes.get(base.id) if isinstance(base, ast.Name) else None
        if parent is not None and parent.name not in seen:
            found |= _async_methods(index, parent, seen) - sync
    return found


def _instance_class(index: ModuleIndex, target: ast.expr) -> ast.ClassDef | None:
    """The module class that ``target`` names, or that the chain ``target`` is assigned from."""
    if isinstance(target, ast.Name) and target.id in index.classes:
        return index.classes[target.id]
    occ = index.chains.get(target)
    if occ is None:
        return None
    for other in index.by_scope[index.tree]:
        parent = index.parents.get(other.node)
        if not (other.store and other.path == occ.path and isinstance(parent, ast.Assign)):
            continue
        value = parent.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in index.classes
        ):
            return index.classes[value.func.id]
    return None


def patches_async_def(patch: PatchCall, index: ModuleIndex) -> bool:
    """``patch.object`` with no ``new``/``new_callable`` on an ``async def`` visible in this module.

    Visible means: a method of a class defined in this module (or inherited from one), patched
    on the class itself or on a name/attribute assigned from ``ThatClass(...)`` somewhere in the
    module. Classes imported from other modules and string targets are not resolved (the
    analysis never imports code): that is the documented limit of rule AM003.
    """
    if patch.new is not None or patch.new_callable is not None or patch.configured:
        return False
    resolved = patched_attribute(patch)
    if resolved is None:
        return False
    cls = _instance_class(index, resolved[0])
    return cls is not None and resolved[1] in _async_methods(index, cls, set())


def path_of(index: ModuleIndex, node: ast.expr) -> tuple[str, ...] | None:
    """The normalised path of an attribute chain expression (None for anything else)."""
    occ = index.chains.get(node)
    if occ is not None:
        return occ.path
    return chain_path(node, None) if isinstance(node, ast.Name) else None


def aexit_target(index: ModuleIndex, call: ast.Call) -> bool:
    """``x.__aexit__ = AsyncMock()``, ``Mock(__aexit__=AsyncMock())``, ``setattr(x, "__aexit__", ...)``."""
    parent = index.parents.get(call)
    if isinstance(parent, ast.keyword):
        return parent.arg == "__aexit__"
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return any(isinstance(t, ast.Attribute) and t.attr == "__aexit__" for t in targets)
    if isinstance(parent, ast.Call) and len(parent.args) == 3 and parent.args[2] is call:
        name = parent.args[1]
        return isinstance(name, ast.Constant) and name.value == "__aexit__"
    return False
