"""How the AsyncMock guard arms an awaited result (the mechanism under ``infra.asyncmock_guard``).

Kept apart so the plugin reads as pytest hooks only. ``install`` patches ``unittest.mock``: every
root mock records where it was made (raw frame data), and every await of an unconfigured
``AsyncMock`` arms its result, the same mock with the same behaviour whose first use of each kind
records a ``Finding`` for the running test. No pytest import: this loads into every pytest process.
"""

from __future__ import annotations

import re
import sys
import sysconfig
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from infra.asyncmock_finding import Finding

_ARMED = "_infra_guard_armed"
_SITE = "_infra_guard_site"
_ASSIGNED = re.compile(
    r"(?:async\s+)?(?:with\b.*\bas\s+)?([A-Za-z_][\w.]*(?:\[[^\]]*\])*)\s*(?::[^=]*)?=[^=]"
)
_MOCK_FILE = mock.__file__
_THIS_FILE = __file__
_STDLIB = sysconfig.get_paths()["stdlib"]
_SKIPPED_FILES = (_MOCK_FILE, _THIS_FILE)
_SKIPPED_PARTS = ("/pytest_mock/", "/_pytest/", "/pluggy/", "/contextlib.py")
# formatting a value for a log line changes nothing the code decides
_LOGGING_PARTS = ("/logging/", "/structlog/", "/loguru/")

# dunder -> what using the value that way is called in a finding
_USES: dict[str, str] = {
    "__bool__": "truth value",
    "__len__": "len()",
    "__iter__": "iteration",
    "__aiter__": "async iteration",
    "__contains__": "`in`",
    "__getitem__": "indexing",
    "__str__": "str()/formatting",
    "__int__": "int()",
    "__float__": "float()",
    "__index__": "index",
    "__enter__": "with",
    "__aenter__": "async with",
    "__call__": "call",
    **{f"__{op}__": "comparison" for op in ("eq", "ne", "lt", "le", "gt", "ge")},
    **{
        f"__{p}{op}__": "arithmetic"
        for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor")
        for p in ("", "r")
    },
}


class State:
    """Per-process state: the running test, its findings, and the originals to restore."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.test = ""
        self.pending: list[Finding] = []
        self.seen: set[Finding] = set()
        self.collected: list[Finding] = []
        self.originals: list[tuple[type, str, Any]] = []


_state: State | None = None


def active() -> State | None:
    """The state of the installed guard, ``None`` when it is not installed."""
    return _state


# -- where a mock was made ------------------------------------------------------------------


_SKIPPED_CACHE: dict[str, bool] = {}


def _skipped(filename: str) -> bool:
    known = _SKIPPED_CACHE.get(filename)
    if known is None:
        known = filename in _SKIPPED_FILES or any(part in filename for part in _SKIPPED_PARTS)
        _SKIPPED_CACHE[filename] = known
    return known


def _patch_name(patcher: Any) -> str:
    target = getattr(patcher, "target", None)
    owner = getattr(target, "__name__", None) or type(target).__name__
    return f"{owner}.{getattr(patcher, 'attribute', '?')}"


def _creation_site() -> tuple[str, int, str]:
    """``(file, line, creator)`` of a root mock being built (called from its ``__init__``);
    nothing is formatted here: this runs for every root mock, reports are rare."""
    frame: types.FrameType | None = sys._getframe(2)
    creator = "AsyncMock()"
    while frame is not None and _skipped(frame.f_code.co_filename):
        code = frame.f_code
        if code.co_filename == _MOCK_FILE:
            if code.co_name == "__enter__" and "self" in code.co_varnames:
                creator = f"patch({_patch_name(frame.f_locals.get('self'))})"
            elif code.co_name == "patched" and "func" in code.co_freevars:
                func = frame.f_locals.get("func")
                inner = getattr(func, "__code__", None)
                if inner is not None:
                    return inner.co_filename, inner.co_firstlineno, f"@{creator} on {func.__name__}"  # type: ignore[union-attr]
        frame = frame.f_back
    if frame is None:
        return "?", 0, creator
    return frame.f_code.co_filename, frame.f_lineno or 0, creator


def _where(filename: str, line: int | None) -> str:
    path = Path(filename)
    if _state is not None and path.is_absolute() and path.is_relative_to(_state.root):
        filename = path.relative_to(_state.root).as_posix()
    return f"{filename}:{line or 0}"


# -- arming the auto-created result ---------------------------------------------------------


def _made(m: Any) -> tuple[str, str, str]:
    """Where the nearest mock built by the test (``m`` or a parent) was made, how, and ``m``'s name.

    The name starts at that mock, spelled as the creating line spells it when the line assigns
    it (``authz = AsyncMock()`` gives ``authz.check``), else by its mock name.
    """
    parts: list[str] = []
    while m is not None:
        site: tuple[str, int, str] | None = m.__dict__.get(_SITE)
        if site is not None:
            where = _where(site[0], site[1])
            return where, site[2], _spelled(where, m) + "".join(reversed(parts))
        name = m.__dict__.get("_mock_new_name") or m.__dict__.get("_mock_name") or "?"
        parts.append(name if name == "()" else f".{name}")
        m = m.__dict__.get("_mock_new_parent") or m.__dict__.get("_mock_parent")
    return "?", "AsyncMock()", "mock" + "".join(reversed(parts))


def _spelled(site: str, m: Any) -> str:
    path, _, line = site.rpartition(":")
    if _state is not None and line.isdigit():
        full = path if Path(path).is_absolute() else str(_state.root / path)
        match = _ASSIGNED.match(_source_line(full, int(line)))
        if match:
            return match.group(1)
    return str(m.__dict__.get("_mock_name") or "mock")


def _unconfigured(m: Any) -> bool:
    """No ``side_effect``, ``wraps`` or ``return_value`` (of its own or its autospec delegate)."""
    if m.side_effect is not None or m._mock_wraps is not None:
        return False
    delegate = m._mock_delegate
    if delegate is None:
        return m._mock_return_value is mock.DEFAULT
    # autospec: the result lives on the delegate, made eagerly as a child named "()"
    value = getattr(delegate, "return_value", None)
    return isinstance(value, mock.NonCallableMock) and value.__dict__.get("_mock_new_name") == "()"


def _report_use(result: Any, use: str) -> None:
    state = _state
    if state is None or not state.test:
        return
    frame: types.FrameType | None = sys._getframe(2)
    if frame is None or _skipped(frame.f_code.co_filename):
        return  # unittest.mock comparing call arguments, pytest's own machinery
    user = frame
    while user.f_back is not None and _library(user.f_code.co_filename):
        if any(part in user.f_code.co_filename for part in _LOGGING_PARTS):
            return
        user = user.f_back  # json, pydantic, a web framework...: name the project's line
    if _library(user.f_code.co_filename):
        user = frame
    created, creator, name = _made(result.__dict__[_ARMED])
    finding = Finding(
        state.test,
        name,
        created,
        creator,
        use,
        _where(user.f_code.co_filename, user.f_lineno),
        _source_line(user.f_code.co_filename, user.f_lineno),
    )
    if finding not in state.seen:
        state.seen.add(finding)
        state.pending.append(finding)


def _library(filename: str) -> bool:
    return filename.startswith(_STDLIB) or "site-packages" in filename or filename.startswith("<")


def _source_line(filename: str, line: int | None) -> str:
    import linecache

    return linecache.getline(filename, line or 0).strip()


def _dunder_hook(name: str, use: str) -> Callable[..., Any]:
    saved = f"_infra_orig{name}"

    def hook(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        _report_use(self, use)
        cls = type(self)
        original = cls.__dict__.get(saved)
        if original is None:
            return getattr(super(cls, self), name)(*args, **kwargs)
        bound = original.__get__(self, cls) if hasattr(original, "__get__") else original
        value = bound(*args, **kwargs)
        installed = cls.__dict__.get(name)
        if installed is not hook:  # mock put the child it made for this magic method in place
            setattr(cls, saved, installed)
            setattr(cls, name, hook)
        return value

    hook.__name__ = name
    return hook


_HOOKS = {name: _dunder_hook(name, use) for name, use in _USES.items()}


def _getattr_hook(self: Any, name: str) -> Any:
    if not name.startswith("_"):
        _report_use(self, f".{name}")
    return mock.NonCallableMock.__getattr__(self, name)


def _arm(result: Any, awaited: Any) -> None:
    """Make ``result`` report its first uses; it stays the same object with the same behaviour."""
    if not isinstance(result, mock.NonCallableMock) or _ARMED in result.__dict__:
        return
    result.__dict__[_ARMED] = awaited
    cls = type(result)  # every mock instance has a class of its own
    for name, hook in _HOOKS.items():
        current = cls.__dict__.get(name)
        if current is None and not hasattr(cls, name):
            continue
        setattr(cls, f"_infra_orig{name}", current)
        setattr(cls, name, hook)
    cls.__getattr__ = _getattr_hook  # type: ignore[method-assign]


def install(root: Path) -> State:
    """Patch ``unittest.mock`` so root mocks record their creation site and awaits arm results."""
    global _state
    state = _state = State(root)
    async_mixin: Any = mock.AsyncMockMixin
    base: Any = mock.NonCallableMock
    execute = async_mixin._execute_mock_call
    init = base.__init__

    async def guarded_execute(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        fresh = _unconfigured(self)
        result = await execute(self, *args, **kwargs)
        if fresh:
            _arm(result, self)
        return result

    code_mock = async_mixin.__init__.__code__  # builds a NonCallableMock for ``__code__``: not ours

    def guarded_init(self: Any, /, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        d = self.__dict__
        if (
            d.get("_mock_new_parent") is None
            and d.get("_mock_parent") is None
            and sys._getframe(1).f_code is not code_mock
        ):
            d[_SITE] = _creation_site()

    state.originals = [(async_mixin, "_execute_mock_call", execute), (base, "__init__", init)]
    async_mixin._execute_mock_call = guarded_execute
    base.__init__ = guarded_init
    return state


def uninstall() -> None:
    """Restore ``unittest.mock`` and forget the state; nothing when the guard is not installed."""
    global _state
    if _state is not None:
        for owner, name, original in _state.originals:
            setattr(owner, name, original)
        _state.originals = []
        _state = None
