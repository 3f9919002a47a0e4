# mypy: ignore-errors
# ruff: noqa
"""Annotated assignment of a bare AsyncMock."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_annotated() -> None:
    authz: AsyncMock = AsyncMock()  # expect: AM001
    await guard(authz, "bob")
