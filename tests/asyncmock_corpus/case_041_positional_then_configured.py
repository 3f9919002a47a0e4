# mypy: ignore-errors
# ruff: noqa
"""Passed positionally, then configured through the object (the analysis cannot map the position)."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_positional() -> None:
    handler = ScimHandler(AsyncMock())
    handler.authz.check_permission.return_value = False
    assert await handler.delete_user("u1") == 403
