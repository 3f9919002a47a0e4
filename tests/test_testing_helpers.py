"""infra.testing: fail-closed AsyncMock helpers against a small authorization guard."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest

from infra.testing import (
    UnconfiguredAwaitError,
    configured_async_mock,
    deny_async_mock,
    raising_async_mock,
    strict_async_mock,
)


async def guard(authz: Any, user: str) -> str:
    if await authz.check_permission(user, "admin"):
        return "granted"
    raise PermissionError(user)


async def deep_guard(authz: Any, user: str) -> str:
    if await authz.openfga.client.check_permission(user, "admin"):
        return "granted"
    raise PermissionError(user)


def run_guard(authz: Any, check: Any = guard) -> str:
    result: str = asyncio.run(check(authz, "bob"))
    return result


class Authz:
    async def check_permission(self, user: str, role: str) -> bool:
        return False

    def cached(self, user: str) -> bool:
        return False


def test_bare_asyncmock_grants_access() -> None:
    """The bug: awaiting a bare AsyncMock's child is truthy, so the guard grants access."""
    assert run_guard(AsyncMock()) == "granted"
    assert run_guard(AsyncMock(), deep_guard) == "granted"


def test_naive_top_level_deny_still_grants() -> None:
    """return_value=False on the top-level mock alone leaves its children truthy (REFERENCE §5)."""
    assert run_guard(AsyncMock(return_value=False)) == "granted"


@pytest.mark.parametrize("check", [guard, deep_guard], ids=["child", "grandchild"])
def test_deny_mock_denies_itself_and_children_at_depth(check: Any) -> None:
    """deny_async_mock: the mock and every child at any depth await to False."""
    authz = deny_async_mock()
    with pytest.raises(PermissionError):
        run_guard(authz, check)
    assert asyncio.run(authz()) is False
    assert asyncio.run(authz.a.b.c.d()) is False


def test_deny_mock_can_still_be_configured_per_test() -> None:
    """A test opts in explicitly: configuring a child overrides the deny default."""
    authz = deny_async_mock()
    authz.check_permission.return_value = True
    assert run_guard(authz) == "granted"
    authz.check_permission.assert_awaited_once_with("bob", "admin")


def test_deny_mock_with_spec_keeps_sync_methods_sync() -> None:
    """With a spec, async methods deny and sync methods stay MagicMock (awaiting them fails)."""
    authz = deny_async_mock(spec=Authz)
    with pytest.raises(PermissionError):
        run_guard(authz)
    assert isinstance(authz.cached, MagicMock) and not isinstance(authz.cached, AsyncMock)
    with pytest.raises(AttributeError):
        authz.not_in_spec  # noqa: B018 - the attribute access is what is tested


def test_deny_mock_async_with_enters_a_deny_mock_and_keeps_exceptions() -> None:
    """`async with deny_mock as inner` gives a deny mock, and exceptions inside propagate."""

    async def scenario(mock: Any) -> object:
        async with mock as inner:
            return await inner.check_permission("bob", "admin")

    async def failing(mock: Any) -> None:
        async with mock:
            raise ValueError("boom")

    assert asyncio.run(scenario(deny_async_mock())) is False
    with pytest.raises(ValueError, match="boom"):
        asyncio.run(failing(deny_async_mock()))


def test_configured_mock_needs_a_result_and_denies_children() -> None:
    """configured_async_mock refuses to exist unconfigured; its own await is configured, children deny."""
    with pytest.raises(TypeError, match="return_value=, side_effect= or wraps="):
        configured_async_mock()
    session = configured_async_mock(return_value="row")
    assert asyncio.run(session()) == "row"
    with pytest.raises(PermissionError):
        run_guard(session)
    assert asyncio.run(configured_async_mock(return_value=None)()) is None
    assert asyncio.run(configured_async_mock(side_effect=[1, 2])()) == 1

    async def real(x: int) -> int:
        return x * 2

    assert asyncio.run(configured_async_mock(wraps=real)(4)) == 8


@pytest.mark.parametrize(
    ("exc", "expected"), [(PermissionError, PermissionError), (ValueError("nope"), ValueError)]
)
def test_raising_mock_raises_for_itself_and_children(
    exc: BaseException | type[BaseException], expected: type
) -> None:
    """raising_async_mock: awaiting it or any child raises the given exception."""
    authz = raising_async_mock(exc)
    with pytest.raises(expected):
        run_guard(authz)
    with pytest.raises(expected):
        asyncio.run(authz())
    with pytest.raises(expected):
        asyncio.run(authz.deep.er.call())


def test_raising_mock_defaults_to_permission_error() -> None:
    """With no argument the raising mock raises PermissionError."""
    with pytest.raises(PermissionError):
        run_guard(raising_async_mock())


def test_strict_mock_raises_until_configured() -> None:
    """strict_async_mock: unconfigured awaits raise UnconfiguredAwaitError naming the mock."""
    authz = strict_async_mock(name="authz")
    with pytest.raises(UnconfiguredAwaitError, match=r"authz\.check_permission"):
        run_guard(authz)
    with pytest.raises(UnconfiguredAwaitError):
        asyncio.run(authz())
    authz.check_permission.return_value = False
    with pytest.raises(PermissionError):
        run_guard(authz)
    authz.check_permission.return_value = True
    assert run_guard(authz) == "granted"
    assert asyncio.run(strict_async_mock(return_value=3)()) == 3


def test_strict_mock_async_with_enters_a_strict_mock() -> None:
    """The context value of a strict mock is strict too."""

    async def scenario(mock: Any) -> object:
        async with mock as inner:
            return await inner.fetch()

    with pytest.raises(UnconfiguredAwaitError):
        asyncio.run(scenario(strict_async_mock()))


def test_helpers_import_without_the_runner() -> None:
    """Importing infra.testing loads no other infra module (tests can use it cheaply)."""
    code = "import sys, infra.testing; print(sorted(m for m in sys.modules if m.startswith('infra')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['infra', 'infra.testing']"
