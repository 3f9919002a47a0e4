# mypy: ignore-errors
# ruff: noqa
"""with patch(...) as m: m configured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_delete() -> None:
    with patch("app.scim.authz.check_permission", new_callable=AsyncMock) as check:
        check.return_value = False
        assert await delete_user("u1") == 403
