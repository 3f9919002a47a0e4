# mypy: ignore-errors
# ruff: noqa
"""The result is only handed on; the test compares call arguments (unittest.mock compares): nothing."""

import asyncio
from unittest.mock import AsyncMock


async def enrich_and_save(enricher, repo, item):
    await repo.save(await enricher.enrich(item))


def test_saves_enriched():
    enricher, repo = AsyncMock(), AsyncMock()
    asyncio.run(enrich_and_save(enricher, repo, 1))
    repo.save.assert_awaited_once_with(enricher.enrich.return_value)
