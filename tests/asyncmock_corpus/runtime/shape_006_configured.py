# mypy: ignore-errors
# ruff: noqa
"""Configured results (constructor, later assignment, side_effect, child) are never reported."""

import asyncio
from unittest.mock import AsyncMock


async def allowed(authz):
    return bool(await authz.check()) and bool(await authz())


def test_configured_forms():
    authz = AsyncMock(return_value=True)
    authz.check.return_value = True
    assert asyncio.run(allowed(authz))
    other = AsyncMock(side_effect=[True])
    other.check = AsyncMock(return_value=False)
    assert not asyncio.run(allowed(other))
