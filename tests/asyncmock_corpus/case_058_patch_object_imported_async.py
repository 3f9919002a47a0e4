# mypy: ignore-errors
# ruff: noqa
"""patch.object on an async method of an imported class (asyncio.StreamWriter.drain is async)."""

import asyncio
from unittest.mock import patch

from app.net import send_frame


async def test_send(writer) -> None:
    with patch.object(asyncio.StreamWriter, "drain") as drain:  # expect: AM003
        await send_frame(writer, b"x")
        drain.assert_awaited()
