# mypy: ignore-errors
# ruff: noqa
"""Tuple unpacking: the first is configured later, the second never."""

from unittest.mock import AsyncMock

from app.security import check_both


async def test_pair() -> None:
    first, second = AsyncMock(), AsyncMock()  # expect: AM001
    first.return_value = False
    assert not await check_both(first, second)
