# mypy: ignore-errors
# ruff: noqa
"""wraps= delegates to a real coroutine function."""

from unittest.mock import AsyncMock

from app.security import check_token, real_verify


async def test_wraps_real() -> None:
    verify = AsyncMock(wraps=real_verify)
    await check_token(verify, "t")
    verify.assert_awaited_once()
