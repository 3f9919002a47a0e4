# mypy: ignore-errors
# ruff: noqa
"""mock.AsyncMock() via `from unittest import mock`."""

from unittest import mock

from app.security import guard


async def test_prefixed() -> None:
    authz = mock.AsyncMock()  # expect: AM001
    await guard(authz, "bob")
