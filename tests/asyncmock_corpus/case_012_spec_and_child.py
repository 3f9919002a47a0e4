# mypy: ignore-errors
# ruff: noqa
"""A spec'd mock whose awaited child is configured."""

from unittest.mock import AsyncMock

from app.authz import Authz
from app.security import guard


async def test_spec_child() -> None:
    authz = AsyncMock(spec=Authz)
    authz.check_permission.return_value = False
    await guard(authz, "bob")
