# mypy: ignore-errors
# ruff: noqa
"""`import unittest.mock as um`."""

import unittest.mock as um

from app.security import guard


async def test_module_alias() -> None:
    authz = um.AsyncMock(name="authz")  # expect: AM001
    await guard(authz, "bob")
