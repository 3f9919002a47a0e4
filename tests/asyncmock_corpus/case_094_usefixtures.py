# mypy: ignore-errors
# ruff: noqa
"""A fixture requested through usefixtures cannot be configured by the test."""

import pytest
from unittest.mock import AsyncMock, patch


@pytest.fixture
def patched_authz():
    with patch("app.scim.authz.check_permission", new_callable=AsyncMock) as check:  # expect: AM002
        yield check


@pytest.mark.usefixtures("patched_authz")
async def test_delete() -> None:
    from app.scim import delete_user

    assert await delete_user("u1") == 204
