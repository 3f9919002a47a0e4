# mypy: ignore-errors
# ruff: noqa
"""An unconfigured permission check awaited by the code under test grants access."""

import asyncio
from unittest.mock import AsyncMock


async def delete_user(authz, user):
    if not await authz.check_permission(user, "admin"):  # used
        raise PermissionError(user)
    return "deleted"


def test_admin_only():
    authz = AsyncMock()  # expect: AM001
    assert asyncio.run(delete_user(authz, "bob")) == "deleted"
