# mypy: ignore-errors
# ruff: noqa
"""The test awaits the bare mock itself and trusts the truthy result."""

from unittest.mock import AsyncMock


async def test_direct_await() -> None:
    check = AsyncMock()  # expect: AM001
    allowed = await check("bob", "admin")
    assert allowed
