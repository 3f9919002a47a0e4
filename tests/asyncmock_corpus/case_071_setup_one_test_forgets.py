# mypy: ignore-errors
# ruff: noqa
"""unittest setUp creates the mock; one test relies on the truthy default."""

import unittest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


class TestScim(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.authz = AsyncMock()  # expect: AM001
        self.handler = ScimHandler(self.authz)

    async def test_denied(self) -> None:
        self.authz.check_permission.return_value = False
        self.assertEqual(await self.handler.delete_user("u1"), 403)

    async def test_list_users(self) -> None:
        self.assertEqual(await self.handler.list_users(), [])
