# mypy: ignore-errors
# ruff: noqa
"""An async session whose __aenter__ and execute are configured."""

from unittest.mock import AsyncMock, MagicMock

from app.db import count_users


async def test_session() -> None:
    session = AsyncMock()
    session.__aenter__.return_value = session
    session.execute.return_value = MagicMock(scalar=MagicMock(return_value=3))
    assert await count_users(lambda: session) == 3
