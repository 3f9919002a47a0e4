# mypy: ignore-errors
# ruff: noqa
"""configure_mock with dotted child keys."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_configure_children() -> None:
    authz = AsyncMock()
    authz.configure_mock(**{"check_permission.return_value": False})
    await guard(authz, "bob")
