# mypy: ignore-errors
# ruff: noqa
"""A bare AsyncMock passed to a function of the code under test, which adds to the awaited
count: arithmetic on a mock."""

import asyncio
from unittest.mock import AsyncMock

from docsvc.server import count_rows


def test_count_rows():
    store = AsyncMock()  # expect: AM001
    assert asyncio.run(count_rows(store, "alice")) is not None
