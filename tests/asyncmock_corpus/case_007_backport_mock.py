# mypy: ignore-errors
# ruff: noqa
"""The `mock` backport package."""

from mock import AsyncMock

from app.security import guard


async def test_backport() -> None:
    authz = AsyncMock()  # expect: AM001
    await guard(authz, "bob")
