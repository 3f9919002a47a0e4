# mypy: ignore-errors
# ruff: noqa
"""`.list_rows` is configured, the code under test awaits `.list_user_rows` and iterates it (a
misnamed method, reached through the constructor's keyword)."""

import asyncio
from unittest.mock import AsyncMock

from docsvc.server import Exporter


def test_export_lists_rows():
    store = AsyncMock()  # expect: AM001
    store.list_rows.return_value = [{"id": "r1"}]
    exporter = Exporter(store=store)
    assert asyncio.run(exporter.export("alice")) == []
