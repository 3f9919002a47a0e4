# mypy: ignore-errors
# ruff: noqa
"""A bare AsyncMock assigned to an attribute target."""

from unittest.mock import AsyncMock, MagicMock

from app.security import guard


async def test_attribute_target() -> None:
    authz = MagicMock()
    authz.check_permission = AsyncMock()  # expect: AM001
    await guard(authz, "bob")
