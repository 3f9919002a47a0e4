# mypy: ignore-errors
# ruff: noqa
"""A conditional expression that may produce a bare AsyncMock."""

from unittest.mock import AsyncMock

from app.security import guard, real_authz


async def test_ifexp(fake: bool = True) -> None:
    authz = AsyncMock() if fake else real_authz()  # expect: AM001
    await guard(authz, "bob")
