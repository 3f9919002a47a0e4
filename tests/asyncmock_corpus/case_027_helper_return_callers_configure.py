# mypy: ignore-errors
# ruff: noqa
"""A helper returns a bare AsyncMock; every caller configures it."""

from unittest.mock import AsyncMock

from app.security import guard


def make_authz():
    return AsyncMock()


async def test_denied() -> None:
    authz = make_authz()
    authz.check_permission.return_value = False
    await guard(authz, "bob")


async def test_allowed() -> None:
    authz = make_authz()
    authz.check_permission.return_value = True
    assert await guard(authz, "root") == "granted"
