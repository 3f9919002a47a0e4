# mypy: ignore-errors
# ruff: noqa
"""One method configured (a misnamed one); the code awaits another and iterates its result."""

import asyncio
from unittest.mock import AsyncMock


async def conversations(store, user):
    found = await store.list_user_conversations(user)
    return [c for c in found]  # used


def test_lists_conversations():
    store = AsyncMock()  # expect: AM001
    store.list.return_value = [{"id": 1}]
    assert asyncio.run(conversations(store, "u")) == []
