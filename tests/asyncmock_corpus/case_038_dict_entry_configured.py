# mypy: ignore-errors
# ruff: noqa
"""A dict entry configured through its key."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_deps() -> None:
    deps = {"authz": AsyncMock(), "db": None}
    deps["authz"].check_permission.return_value = False
    handler = ScimHandler.from_deps(deps)
    assert await handler.delete_user("u1") == 403
