# mypy: ignore-errors
# ruff: noqa
"""spec does not configure anything: awaited calls are still truthy mocks."""

from unittest.mock import AsyncMock

from app.authz import Authz
from app.security import guard


async def test_spec_only() -> None:
    authz = AsyncMock(Authz)  # expect: AM001
    await guard(authz, "bob")
    authz2 = AsyncMock(spec_set=Authz)  # expect: AM001
    await guard(authz2, "eve")
