# mypy: ignore-errors
# ruff: noqa
"""A module-level mock configured at module level."""

from unittest.mock import AsyncMock

from app.security import guard

AUTHZ = AsyncMock()
AUTHZ.check_permission.return_value = False


async def test_denied() -> None:
    await guard(AUTHZ, "bob")
