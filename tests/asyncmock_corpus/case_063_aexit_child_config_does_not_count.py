# mypy: ignore-errors
# ruff: noqa
"""__aexit__ mock whose child is configured still returns a truthy mock itself."""

from unittest.mock import AsyncMock, MagicMock

from app.db import transfer


async def test_rollback() -> None:
    session = MagicMock()
    session.__aexit__ = AsyncMock()  # expect: AM004
    session.__aexit__.close.return_value = None
    await transfer(session, amount=1)
