# mypy: ignore-errors
# ruff: noqa
"""__aexit__ = AsyncMock() swallows exceptions raised in the block."""

import pytest
from unittest.mock import AsyncMock, MagicMock

from app.db import transfer


async def test_rollback() -> None:
    session = MagicMock()
    session.__aenter__ = AsyncMock(return_value=session)
    session.__aexit__ = AsyncMock()  # expect: AM004
    with pytest.raises(ValueError):
        await transfer(session, amount=-1)
