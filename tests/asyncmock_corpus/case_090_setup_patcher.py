# mypy: ignore-errors
# ruff: noqa
"""setUp starts a patcher; every test configures the started mock."""

import unittest
from unittest.mock import AsyncMock, patch

from app.scim import delete_user


class TestDelete(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.patcher = patch("app.scim.authz.check_permission", new_callable=AsyncMock)
        self.check = self.patcher.start()
        self.addCleanup(self.patcher.stop)

    async def test_denied(self) -> None:
        self.check.return_value = False
        self.assertEqual(await delete_user("u1"), 403)
