# mypy: ignore-errors
# ruff: noqa
"""A notifier only asserted awaited: its awaited result is still unconfigured."""

from unittest.mock import AsyncMock

from app.events import publish


async def test_publish() -> None:
    send = AsyncMock()  # expect: AM001
    await publish(send, "evt")
    send.assert_awaited_once_with("evt")
