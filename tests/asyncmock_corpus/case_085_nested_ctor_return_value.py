# mypy: ignore-errors
# ruff: noqa
"""AsyncMock(return_value=AsyncMock()): the inner session is never configured."""

from unittest.mock import AsyncMock

from app.db import count_users


async def test_count() -> None:
    connect = AsyncMock(return_value=AsyncMock())  # expect: AM001
    assert await count_users(connect) == 0
