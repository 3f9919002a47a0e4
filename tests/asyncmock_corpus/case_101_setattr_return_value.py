# mypy: ignore-errors
# ruff: noqa
"""setattr(mock, 'return_value', ...) configures it."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_setattr() -> None:
    verify = AsyncMock()
    setattr(verify, "return_value", False)
    assert not await check_token(verify, "t")
