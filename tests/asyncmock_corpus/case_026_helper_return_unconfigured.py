# mypy: ignore-errors
# ruff: noqa
"""A helper returns a bare AsyncMock; its caller never configures it."""

from unittest.mock import AsyncMock

from app.security import guard


def make_authz():
    return AsyncMock()  # expect: AM001


async def test_uses_helper() -> None:
    authz = make_authz()
    await guard(authz, "bob")
