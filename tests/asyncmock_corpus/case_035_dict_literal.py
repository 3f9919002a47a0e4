# mypy: ignore-errors
# ruff: noqa
"""A mock inside a dict literal handed to the code under test."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_deps() -> None:
    handler = ScimHandler.from_deps({"authz": AsyncMock(), "db": None})  # expect: AM001
    assert await handler.delete_user("u1") == 403
