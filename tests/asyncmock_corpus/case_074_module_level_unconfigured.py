# mypy: ignore-errors
# ruff: noqa
"""A module-level mock nobody configures."""

from unittest.mock import AsyncMock

from app.security import guard

AUTHZ = AsyncMock()  # expect: AM001


async def test_denied() -> None:
    await guard(AUTHZ, "bob")
