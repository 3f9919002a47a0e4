# mypy: ignore-errors
# ruff: noqa
"""An async helper returns the mock; the awaiting caller configures it."""

from unittest.mock import AsyncMock

from app.security import guard


async def build_authz():
    return AsyncMock()


async def test_async_helper() -> None:
    authz = await build_authz()
    authz.check_permission.return_value = False
    await guard(authz, "bob")
