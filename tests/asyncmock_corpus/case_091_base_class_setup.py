# mypy: ignore-errors
# ruff: noqa
"""Base class setUp; tests in a subclass configure the mock."""

import unittest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


class ScimBase(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.authz = AsyncMock()
        self.handler = ScimHandler(self.authz)


class TestDelete(ScimBase):
    async def test_denied(self) -> None:
        self.authz.check_permission.return_value = False
        self.assertEqual(await self.handler.delete_user("u1"), 403)
