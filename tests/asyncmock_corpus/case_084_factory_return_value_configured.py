# mypy: ignore-errors
# ruff: noqa
"""MagicMock(return_value=AsyncMock()) configured through factory.return_value."""

from unittest.mock import AsyncMock, MagicMock

from app.scim import ScimHandler


async def test_factory() -> None:
    make_client = MagicMock(return_value=AsyncMock())
    make_client.return_value.check_permission.return_value = False
    handler = ScimHandler(client_factory=make_client)
    assert await handler.delete_user("u1") == 403
