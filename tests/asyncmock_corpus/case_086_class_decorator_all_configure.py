# mypy: ignore-errors
# ruff: noqa
"""A class-level @patch; every test method configures its mock."""

import unittest
from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.authz.check_permission", new_callable=AsyncMock)
class TestDelete(unittest.IsolatedAsyncioTestCase):
    async def test_denied(self, check) -> None:
        check.return_value = False
        self.assertEqual(await delete_user("u1"), 403)

    async def test_allowed(self, check) -> None:
        check.return_value = True
        self.assertEqual(await delete_user("u1"), 204)
