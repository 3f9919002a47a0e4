# mypy: ignore-errors
# ruff: noqa
"""The awaited result is thrown away (a bare await), then only call assertions: nothing to report."""

import asyncio
from unittest.mock import AsyncMock


async def raise_alert(alerts, text):
    await alerts.send_alert(text)
    return len(text)


def test_alert_sent():
    alerts = AsyncMock()
    assert asyncio.run(raise_alert(alerts, "disk full")) == 9
    alerts.send_alert.assert_awaited_once_with("disk full")
