# mypy: ignore-errors
# ruff: noqa
"""Bare AsyncMock handed to an authorization guard: the await is truthy."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_admin_denied() -> None:
    authz = AsyncMock()  # expect: AM001
    assert await guard(authz, "bob") == "granted"
