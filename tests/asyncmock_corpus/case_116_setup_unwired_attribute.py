# mypy: ignore-errors
# ruff: noqa
"""setUp keeps a bare mock no test uses or wires anywhere."""

import unittest
from unittest.mock import AsyncMock

from app.scim import ScimHandler


class TestHealth(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.authz = AsyncMock()
        self.handler = ScimHandler(authz=None)

    async def test_health(self) -> None:
        self.assertEqual(await self.handler.health(), "ok")
