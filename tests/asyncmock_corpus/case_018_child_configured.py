# mypy: ignore-errors
# ruff: noqa
"""The awaited child is configured: the mock is used as an object."""

from unittest.mock import AsyncMock

import pytest

from app.security import guard


async def test_child_configured() -> None:
    authz = AsyncMock()
    authz.check_permission.return_value = False
    with pytest.raises(PermissionError):
        await guard(authz, "bob")
