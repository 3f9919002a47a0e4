# mypy: ignore-errors
# ruff: noqa
"""A fixture returns a bare AsyncMock; every test configures it."""

import pytest
from unittest.mock import AsyncMock

from app.security import guard


@pytest.fixture
def authz():
    return AsyncMock()


async def test_denied(authz) -> None:
    authz.check_permission.return_value = False
    with pytest.raises(PermissionError):
        await guard(authz, "bob")


async def test_allowed(authz) -> None:
    authz.check_permission.return_value = True
    assert await guard(authz, "root") == "granted"
