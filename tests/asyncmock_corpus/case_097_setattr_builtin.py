# mypy: ignore-errors
# ruff: noqa
"""setattr(obj, 'name', AsyncMock()) then configured via obj.name."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_setattr() -> None:
    handler = ScimHandler()
    setattr(handler, "authz", AsyncMock())
    handler.authz.check_permission.return_value = False
    assert await handler.delete_user("u1") == 403
