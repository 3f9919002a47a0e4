# mypy: ignore-errors
# ruff: noqa
"""patch(new_callable=AsyncMock): the patched coroutine's result is compared by the code."""

import asyncio
import sys
from unittest.mock import AsyncMock, patch


async def fetch_quota(user):
    return 0


async def over_quota(user):
    return await fetch_quota(user) != 0  # used


def test_over_quota():
    with patch.object(sys.modules[__name__], "fetch_quota", new_callable=AsyncMock):  # expect: AM002
        assert asyncio.run(over_quota("u"))
