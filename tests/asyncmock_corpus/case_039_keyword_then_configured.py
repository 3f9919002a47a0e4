# mypy: ignore-errors
# ruff: noqa
"""Passed by keyword, configured through the resulting object."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_keyword() -> None:
    handler = ScimHandler(authz=AsyncMock())
    handler.authz.check_permission.return_value = False
    assert await handler.delete_user("u1") == 403
