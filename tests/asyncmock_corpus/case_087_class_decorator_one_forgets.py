# mypy: ignore-errors
# ruff: noqa
"""A class-level @patch; one test method never configures it."""

import unittest
from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.authz.check_permission", new_callable=AsyncMock)  # expect: AM002
class TestDelete(unittest.IsolatedAsyncioTestCase):
    async def test_denied(self, check) -> None:
        check.return_value = False
        self.assertEqual(await delete_user("u1"), 403)

    async def test_other(self, check) -> None:
        self.assertEqual(await delete_user("u2"), 204)
