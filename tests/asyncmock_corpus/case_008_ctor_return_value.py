# mypy: ignore-errors
# ruff: noqa
"""return_value= in the constructor configures the mock."""

from unittest.mock import AsyncMock

from app.security import check_token


async def test_token_rejected() -> None:
    verify = AsyncMock(return_value=False)
    assert not await check_token(verify, "t")
