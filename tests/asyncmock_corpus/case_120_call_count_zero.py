# mypy: ignore-errors
# ruff: noqa
"""The test asserts `call_count == 0`: the mock is never awaited, so its result cannot matter."""

import pytest
from unittest.mock import AsyncMock

from app.api import handle


async def test_bad_token_rejected():
    authz = AsyncMock()
    with pytest.raises(PermissionError):
        await handle(authz, token="bad")
    assert authz.call_count == 0
