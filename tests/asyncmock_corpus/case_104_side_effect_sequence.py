# mypy: ignore-errors
# ruff: noqa
"""side_effect set to a sequence of results."""

from unittest.mock import AsyncMock

from app.retry import retry


async def test_sequence() -> None:
    call = AsyncMock()
    call.side_effect = [ConnectionError(), "ok"]
    assert await retry(call, attempts=2) == "ok"
