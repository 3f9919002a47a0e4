# mypy: ignore-errors
# ruff: noqa
"""patch() of a string target that is an async def (asyncio.sleep) auto-creates an AsyncMock."""

from unittest.mock import patch

from app.retry import retry


async def test_retry() -> None:
    with patch("asyncio.sleep") as sleep:  # expect: AM003
        await retry(lambda: None, attempts=3)
        assert sleep.await_count == 2
