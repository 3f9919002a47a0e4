# mypy: ignore-errors
# ruff: noqa
"""The code returns (403) before it reaches the mock: never awaited, nothing to report."""

import asyncio
from unittest.mock import AsyncMock


async def endpoint(token, store):
    if token != "valid":
        return 403
    return await store.fetch()


def test_rejects_bad_token():
    store = AsyncMock()
    assert asyncio.run(endpoint("bad", store)) == 403
    store.fetch.assert_not_awaited()


def test_never_called_by_count():
    store = AsyncMock()
    assert asyncio.run(endpoint("bad", store)) == 403
    assert store.fetch.call_count == 0
