# mypy: ignore-errors
# ruff: noqa
"""AsyncMock imported under an alias."""

from unittest.mock import AsyncMock as AM

from app.security import guard


async def test_alias() -> None:
    authz = AM()  # expect: AM001
    await guard(authz, "bob")
