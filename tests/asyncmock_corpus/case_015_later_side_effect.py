# mypy: ignore-errors
# ruff: noqa
"""A later side_effect assignment."""

import pytest
from unittest.mock import AsyncMock

from app.security import check_token


async def test_later_side_effect() -> None:
    verify = AsyncMock()
    verify.side_effect = TimeoutError
    with pytest.raises(TimeoutError):
        await check_token(verify, "t")
