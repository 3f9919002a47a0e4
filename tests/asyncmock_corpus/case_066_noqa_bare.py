# mypy: ignore-errors
# ruff: noqa
"""Suppressed with a bare `# noqa`."""

from unittest.mock import AsyncMock

from app.events import publish


async def test_publish() -> None:
    bus = AsyncMock()  # noqa
    await publish(bus, "evt")
