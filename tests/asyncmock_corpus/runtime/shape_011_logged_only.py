# mypy: ignore-errors
# ruff: noqa
"""The result is only written to a log line: formatting for a log decides nothing, not reported."""

import asyncio
import logging
from unittest.mock import AsyncMock

log = logging.getLogger(__name__)


async def refresh(cache):
    result = await cache.refresh()
    log.warning("refreshed: %s", result)
    return "ok"


def test_refresh_logs():
    cache = AsyncMock()
    assert asyncio.run(refresh(cache)) == "ok"
