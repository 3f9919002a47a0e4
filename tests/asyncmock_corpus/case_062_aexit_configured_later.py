# mypy: ignore-errors
# ruff: noqa
"""__aexit__ configured by a later assignment."""

from unittest.mock import AsyncMock, MagicMock

from app.db import transfer


async def test_rollback() -> None:
    session = MagicMock()
    session.__aexit__ = AsyncMock()
    session.__aexit__.return_value = None
    await transfer(session, amount=1)
