# mypy: ignore-errors
# ruff: noqa
"""Shaping the awaited result's attributes configures it."""

from unittest.mock import AsyncMock

from app.client import fetch_status


async def test_status() -> None:
    get = AsyncMock()
    get.return_value.status = 404
    assert await fetch_status(get) == 404
