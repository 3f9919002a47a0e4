# mypy: ignore-errors
# ruff: noqa
"""The code awaits `send_alert` as a bare statement (result thrown away): nothing is used."""

from unittest.mock import AsyncMock

from app.alerts import AlertManager


async def test_alert_is_sent():
    notifier = AsyncMock()
    manager = AlertManager(notifier=notifier)
    await manager.raise_alert("disk full")
    notifier.send_alert.assert_awaited_once()
