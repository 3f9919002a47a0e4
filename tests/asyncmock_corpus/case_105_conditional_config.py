# mypy: ignore-errors
# ruff: noqa
"""Configured on both branches of an if."""

import pytest
from unittest.mock import AsyncMock

from app.security import guard


@pytest.mark.parametrize("allowed", [True, False])
async def test_both(allowed: bool) -> None:
    authz = AsyncMock()
    if allowed:
        authz.check_permission.return_value = True
    else:
        authz.check_permission.return_value = False
    assert (await guard(authz, "bob") == "granted") is allowed
