# mypy: ignore-errors
# ruff: noqa
"""A fixture consumed by another fixture that configures it."""

import pytest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


@pytest.fixture
def authz():
    return AsyncMock()


@pytest.fixture
def handler(authz):
    authz.check_permission.return_value = False
    return ScimHandler(authz)


async def test_denied(handler) -> None:
    assert await handler.delete_user("u1") == 403
