# mypy: ignore-errors
# ruff: noqa
"""Configuration in another test does not count."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_unconfigured() -> None:
    verify = AsyncMock()  # expect: AM001
    await check_token(verify, "t")


async def test_configured() -> None:
    verify = AsyncMock()
    verify.return_value = True
    await check_token(verify, "t")
