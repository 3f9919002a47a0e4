# mypy: ignore-errors
# ruff: noqa
"""A later return_value assignment in the same test."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_later() -> None:
    verify = AsyncMock()
    verify.return_value = False
    assert not await check_token(verify, "t")
