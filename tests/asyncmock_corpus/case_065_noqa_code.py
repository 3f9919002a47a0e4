# mypy: ignore-errors
# ruff: noqa
# ruff: noqa: RUF102  (AM codes are not ruff codes; `lint.external` is not configured)
"""Suppressed with `# noqa: AM001`."""

from unittest.mock import AsyncMock

from app.events import publish


async def test_publish() -> None:
    bus = AsyncMock()  # noqa: AM001 - the bus result is ignored by publish()
    await publish(bus, "evt")
