# mypy: ignore-errors
# ruff: noqa
"""A bare AsyncMock passed to the constructor of the code under test, which iterates what
`store.list_user_rows` returns: the export is silently empty."""

import asyncio
from unittest.mock import AsyncMock

from docsvc.server import Exporter


def test_export_is_empty_for_a_new_user():
    store = AsyncMock()  # expect: AM001
    exporter = Exporter(store, limit=5)
    assert asyncio.run(exporter.export("alice")) == []
