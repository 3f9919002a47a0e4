# mypy: ignore-errors
# ruff: noqa
"""A fixture hands out a bare mock it has not wired anywhere; one test ignores it, the other configures it."""

import pytest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


@pytest.fixture
def authz():
    return AsyncMock()


def test_no_authz_needed(authz) -> None:
    assert ScimHandler.__name__ == "ScimHandler"


async def test_denied(authz) -> None:
    authz.check_permission.return_value = False
    assert await ScimHandler(authz=authz).delete_user("u1") == 403
