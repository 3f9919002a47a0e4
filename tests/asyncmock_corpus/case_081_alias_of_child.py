# mypy: ignore-errors
# ruff: noqa
"""A child taken into a local name and configured there."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_alias() -> None:
    authz = AsyncMock()
    check = authz.check_permission
    check.return_value = False
    await guard(authz, "bob")
