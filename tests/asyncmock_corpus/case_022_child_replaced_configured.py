# mypy: ignore-errors
# ruff: noqa
"""A child replaced by a configured AsyncMock."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_child_replaced() -> None:
    authz = AsyncMock()
    authz.check_permission = AsyncMock(return_value=False)
    await guard(authz, "bob")
