# mypy: ignore-errors
# ruff: noqa
"""self.attr = AsyncMock() inside a test method, never configured."""

import unittest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


class TestScim(unittest.IsolatedAsyncioTestCase):
    async def test_delete(self) -> None:
        self.authz = AsyncMock()  # expect: AM001
        handler = ScimHandler(authz=self.authz)
        self.assertEqual(await handler.delete_user("u1"), 403)
