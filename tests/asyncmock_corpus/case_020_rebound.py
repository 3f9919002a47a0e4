# mypy: ignore-errors
# ruff: noqa
"""A configured mock, then the name is rebound to a bare one."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_rebound() -> None:
    verify = AsyncMock(return_value=True)
    assert await check_token(verify, "t")
    verify.return_value = False
    verify = AsyncMock()  # expect: AM001
    assert await check_token(verify, "t")
