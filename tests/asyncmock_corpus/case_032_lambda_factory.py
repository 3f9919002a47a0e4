# mypy: ignore-errors
# ruff: noqa
"""A lambda factory of bare AsyncMocks: nothing can configure them."""

from unittest.mock import AsyncMock

from app.pool import ConnectionPool


async def test_pool() -> None:
    pool = ConnectionPool(factory=lambda: AsyncMock())  # expect: AM001
    async with pool.acquire() as conn:
        assert await conn.ping()
