# mypy: ignore-errors
# ruff: noqa
"""MagicMock(__aexit__=AsyncMock()) as a keyword argument."""

from unittest.mock import AsyncMock, MagicMock

from app.db import transfer


async def test_keyword() -> None:
    session = MagicMock(__aenter__=AsyncMock(return_value=None), __aexit__=AsyncMock())  # expect: AM004
    await transfer(session, amount=1)
