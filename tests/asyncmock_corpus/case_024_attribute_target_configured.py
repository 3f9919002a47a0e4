# mypy: ignore-errors
# ruff: noqa
"""Attribute target configured through the same attribute path."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_attribute_configured() -> None:
    handler = ScimHandler()
    handler.authz = AsyncMock()
    handler.authz.check_permission.return_value = False
    assert await handler.delete_user("u1") == 403
