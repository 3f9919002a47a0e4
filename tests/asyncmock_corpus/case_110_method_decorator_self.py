# mypy: ignore-errors
# ruff: noqa
"""A @patch on a test method: the mock comes after self."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


class TestDelete:
    @patch("app.scim.authz.check_permission", new_callable=AsyncMock)
    async def test_denied(self, check) -> None:
        check.return_value = False
        assert await delete_user("u1") == 403

    @patch("app.scim.authz.check_permission", new_callable=AsyncMock)  # expect: AM002
    async def test_forgot(self, check) -> None:
        assert await delete_user("u1") == 204
