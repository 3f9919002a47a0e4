# mypy: ignore-errors
# ruff: noqa
"""A fixture consumed by a fixture that never configures it (tests only see the handler)."""

import pytest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


@pytest.fixture
def authz():
    return AsyncMock()  # expect: AM001


@pytest.fixture
def handler(authz):
    return ScimHandler(authz)


async def test_delete(handler) -> None:
    assert await handler.delete_user("u1") == 204
