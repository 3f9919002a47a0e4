# mypy: ignore-errors
# ruff: noqa
"""The test awaits the mock itself and asserts on the result: always true."""

import asyncio
from unittest.mock import AsyncMock


def test_client_returns_token():
    client = AsyncMock()  # expect: AM001

    async def run():
        token = await client.get_token()
        assert token  # used

    asyncio.run(run())
