# mypy: ignore-errors
# ruff: noqa
"""An unconfigured __aexit__ swallows the exception raised inside `async with`."""

import asyncio
from unittest.mock import AsyncMock, MagicMock


async def transfer(session):
    async with session:  # used
        raise ValueError("boom")
    return "done"


def test_transfer_fails():
    session = MagicMock()
    session.__aexit__ = AsyncMock()  # expect: AM004
    assert asyncio.run(transfer(session)) == "done"
