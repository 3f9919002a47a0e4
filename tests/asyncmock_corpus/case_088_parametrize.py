# mypy: ignore-errors
# ruff: noqa
"""An AsyncMock inside pytest.mark.parametrize values."""

import pytest
from unittest.mock import AsyncMock

from app.security import guard


@pytest.mark.parametrize("authz", [AsyncMock(return_value=False), AsyncMock()])  # expect: AM001
async def test_param(authz) -> None:
    await guard(authz, "bob")
