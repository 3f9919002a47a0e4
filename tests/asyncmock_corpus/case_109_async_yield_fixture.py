# mypy: ignore-errors
# ruff: noqa
"""A pytest-asyncio yield fixture; its user configures the mock."""

import pytest_asyncio
from unittest.mock import AsyncMock

from app.security import guard


@pytest_asyncio.fixture
async def authz():
    yield AsyncMock()


async def test_denied(authz) -> None:
    authz.check_permission.return_value = False
    await guard(authz, "bob")
