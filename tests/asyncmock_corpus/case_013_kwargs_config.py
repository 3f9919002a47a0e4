# mypy: ignore-errors
# ruff: noqa
"""**kwargs in the constructor configure it."""

from unittest.mock import AsyncMock

from app.security import check_token

DENY = {"return_value": False}


async def test_kwargs() -> None:
    verify = AsyncMock(**DENY)
    assert not await check_token(verify, "t")
