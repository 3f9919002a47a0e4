# mypy: ignore-errors
# ruff: noqa
"""configure_mock(return_value=...)."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_configure() -> None:
    verify = AsyncMock()
    verify.configure_mock(return_value=False)
    assert not await check_token(verify, "t")
