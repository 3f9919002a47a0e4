# mypy: ignore-errors
# ruff: noqa
"""Children configured, but the mock itself is awaited (asserted) and its result is unconfigured."""

from unittest.mock import AsyncMock

from app.client import fetch_profile


async def test_own_result_used() -> None:
    client = AsyncMock()  # expect: AM001
    client.close.return_value = None
    profile = await fetch_profile(client, "bob")
    client.assert_awaited_once_with("/users/bob")
    assert profile
