# mypy: ignore-errors
# ruff: noqa
# ruff: noqa: RUF102  (AM codes are not ruff codes; `lint.external` is not configured)
"""A noqa for another code does not suppress AM001."""

from unittest.mock import AsyncMock

from app.events import publish


async def test_publish() -> None:
    bus = AsyncMock()  # noqa: AM004  # expect: AM001
    await publish(bus, "evt")
