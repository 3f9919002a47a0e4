# mypy: ignore-errors
# ruff: noqa
"""A lambda factory of configured AsyncMocks."""

from unittest.mock import AsyncMock

from app.pool import ConnectionPool


async def test_pool() -> None:
    pool = ConnectionPool(factory=lambda: AsyncMock(return_value=None))
    async with pool.acquire() as conn:
        await conn()
