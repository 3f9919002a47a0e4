# mypy: ignore-errors
# ruff: noqa
"""unittest.mock.AsyncMock() via `import unittest.mock`."""

import unittest.mock

from app.security import guard


async def test_full_prefix() -> None:
    authz = unittest.mock.AsyncMock()  # expect: AM001
    await guard(authz, "bob")
