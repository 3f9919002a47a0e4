# mypy: ignore-errors
# ruff: noqa
"""A fixture wires the bare mock into the app; a test that ignores it still runs against it."""

import pytest
from unittest.mock import AsyncMock

from app.main import app, get_authz


@pytest.fixture
def authz():
    mock = AsyncMock()  # expect: AM001
    app.dependency_overrides[get_authz] = lambda: mock
    yield mock
    app.dependency_overrides.clear()


async def test_denied(authz, client) -> None:
    authz.check_permission.return_value = False
    assert (await client.delete("/scim/v2/Users/u1")).status_code == 403


async def test_list_users(authz, client) -> None:
    assert (await client.get("/scim/v2/Users")).status_code == 200
