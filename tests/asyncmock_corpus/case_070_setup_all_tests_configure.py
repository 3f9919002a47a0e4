# mypy: ignore-errors
# ruff: noqa
"""unittest setUp creates the mock; every test configures it."""

import unittest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


class TestScim(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.authz = AsyncMock()
        self.handler = ScimHandler(self.authz)

    async def test_denied(self) -> None:
        self.authz.check_permission.return_value = False
        self.assertEqual(await self.handler.delete_user("u1"), 403)

    async def test_allowed(self) -> None:
        self.authz.check_permission.return_value = True
        self.assertEqual(await self.handler.delete_user("u1"), 204)
