"""Fail-closed ``AsyncMock`` helpers for tests (stdlib only; importing this never loads the runner).

Awaiting a bare ``AsyncMock()`` (or any of its children) returns a new, truthy mock, so
``if await authz.check_permission(user, "admin"):`` passes when nobody configured it. These
helpers make every await that a test did not configure explicitly either deny or fail:

- ``deny_async_mock()``: awaiting the mock, or any child attribute at any depth, returns ``False``.
- ``configured_async_mock(return_value=...)``: like ``AsyncMock(return_value=...)``, but refuses
  to be built without ``return_value``/``side_effect``/``wraps``, and its children deny.
- ``raising_async_mock(exc)``: awaiting the mock or any child raises ``exc``.
- ``strict_async_mock()``: awaiting the mock or any child whose result was not configured raises
  ``UnconfiguredAwaitError`` naming the mock.

A test can still configure any child the usual way (``m.check.return_value = True``); only the
defaults change. ``async with`` on any of them enters a fresh mock of the same kind. Extra keyword
arguments (``spec=``, ``name=``, ...) are passed to ``AsyncMock``; with a ``spec``, synchronous
methods of the spec stay ``MagicMock`` (awaiting those raises ``TypeError``: fail closed too).
``infra asyncmock check`` treats all four as configured.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import DEFAULT, AsyncMock

__all__ = [
    "UnconfiguredAwaitError",
    "configured_async_mock",
    "deny_async_mock",
    "raising_async_mock",
    "strict_async_mock",
]


def _configures(kwargs: dict[str, Any]) -> bool:
    """Whether ``AsyncMock(**kwargs)`` has its awaited result configured (children pass ``wraps=None``)."""
    return "return_value" in kwargs or any(kwargs.get(key) is not None for key in ("side_effect", "wraps"))


class UnconfiguredAwaitError(AssertionError):
    """A strict mock was awaited before the test configured what the await returns."""


class _FailClosedAsyncMock(AsyncMock):
    """An ``AsyncMock`` whose non-magic children are built like itself (``_child_defaults``)."""

    def _child_defaults(self) -> dict[str, Any]:
        return {}

    def _get_child_mock(self, /, **kw: Any) -> Any:
        child = super()._get_child_mock(**kw)
        name = str(kw.get("_new_name", ""))
        if name == "__aenter__":
            child.return_value = type(self)(**self._child_defaults())
        elif isinstance(child, AsyncMock) and not (name.startswith("__") and name.endswith("__")):
            child = type(self)(**kw, **self._child_defaults())
        return child


class _DenyAsyncMock(_FailClosedAsyncMock):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not _configures(kwargs):
            kwargs["return_value"] = False
        super().__init__(*args, **kwargs)


class _RaisingAsyncMock(_FailClosedAsyncMock):
    def __init__(self, *args: Any, exc: BaseException | type[BaseException], **kwargs: Any) -> None:
        kwargs.setdefault("side_effect", exc)
        super().__init__(*args, **kwargs)
        self.__dict__["_infra_exc"] = exc

    def _child_defaults(self) -> dict[str, Any]:
        return {"exc": self.__dict__["_infra_exc"]}


class _StrictAsyncMock(_FailClosedAsyncMock):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not _configures(kwargs):
            self.side_effect = _refuse_unconfigured(self)


def _refuse_unconfigured(mock: AsyncMock) -> Any:
    """A ``side_effect`` that defers to ``return_value`` once set and raises until then."""

    def effect(*_args: Any, **_kwargs: Any) -> Any:
        if mock._mock_return_value is DEFAULT:
            raise UnconfiguredAwaitError(
                f"{mock!r} was awaited but its return_value/side_effect was never configured"
            )
        return DEFAULT

    return effect


def deny_async_mock(*args: Any, **kwargs: Any) -> AsyncMock:
    """An ``AsyncMock`` whose awaited calls, and those of every child at any depth, return False."""
    return _DenyAsyncMock(*args, **kwargs)


def configured_async_mock(
    *args: Any,
    return_value: Any = DEFAULT,
    side_effect: Any = None,
    wraps: Any = None,
    **kwargs: Any,
) -> AsyncMock:
    """An ``AsyncMock`` with its awaited result configured explicitly; its children deny.

    Raises ``TypeError`` when none of ``return_value``/``side_effect``/``wraps`` is given, so a
    call site can never silently fall back to a truthy default.
    """
    given = {
        key: value
        for key, value, unset in (
            ("return_value", return_value, DEFAULT),
            ("side_effect", side_effect, None),
            ("wraps", wraps, None),
        )
        if value is not unset
    }
    if not given:
        raise TypeError("configured_async_mock() needs return_value=, side_effect= or wraps=")
    return _DenyAsyncMock(*args, **given, **kwargs)


def raising_async_mock(
    exc: BaseException | type[BaseException] = PermissionError, *args: Any, **kwargs: Any
) -> AsyncMock:
    """An ``AsyncMock`` whose awaited calls, and those of every child, raise ``exc``."""
    return _RaisingAsyncMock(*args, exc=exc, **kwargs)


def strict_async_mock(*args: Any, **kwargs: Any) -> AsyncMock:
    """An ``AsyncMock`` whose awaits (its own and every child's) raise until configured."""
    return _StrictAsyncMock(*args, **kwargs)
