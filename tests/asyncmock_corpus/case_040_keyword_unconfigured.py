# mypy: ignore-errors
# ruff: noqa
"""Passed by keyword and never configured."""

from unittest.mock import AsyncMock

from app.scim import ScimHandler


async def test_keyword() -> None:
    handler = ScimHandler(authz=AsyncMock())  # expect: AM001
    assert await handler.delete_user("u1") == 403
