# mypy: ignore-errors
# ruff: noqa
"""A leftover AsyncMock that nothing uses."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_token() -> None:
    spare = AsyncMock()
    assert await check_token(lambda token: token == "t", "t")
