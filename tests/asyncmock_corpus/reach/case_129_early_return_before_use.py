# mypy: ignore-errors
# ruff: noqa
"""The configured `.get` returns None, so the code under test returns early: the unconfigured
`.details` it would await and use next is never awaited."""

import asyncio
from unittest.mock import AsyncMock

from docsvc.server import Exporter


def test_missing_key_finds_nothing():
    store = AsyncMock()
    store.get.return_value = None
    assert asyncio.run(Exporter(store).find("k1")) is None
