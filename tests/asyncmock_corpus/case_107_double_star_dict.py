# mypy: ignore-errors
# ruff: noqa
"""A bare AsyncMock inside a **{...} argument."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_star() -> None:
    handler = ScimHandler(**{"authz": AsyncMock()})  # expect: AM001
    assert await handler.delete_user("u1") == 403
