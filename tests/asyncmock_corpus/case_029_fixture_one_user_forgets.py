# mypy: ignore-errors
# ruff: noqa
"""A fixture returns a bare AsyncMock; one test never configures it (the reference bug)."""

import pytest
from unittest.mock import AsyncMock

from app.security import guard


@pytest.fixture
def authz():
    mock = AsyncMock()  # expect: AM001
    return mock


async def test_denied(authz) -> None:
    authz.check_permission.return_value = False
    with pytest.raises(PermissionError):
        await guard(authz, "bob")


async def test_scim_delete_requires_admin(authz) -> None:
    assert await guard(authz, "bob") == "granted"
