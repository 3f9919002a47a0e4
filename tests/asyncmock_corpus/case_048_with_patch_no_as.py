# mypy: ignore-errors
# ruff: noqa
"""with patch(new_callable=AsyncMock) without `as`: nothing can configure it."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_delete() -> None:
    with patch("app.scim.authz.check_permission", new_callable=AsyncMock):  # expect: AM002
        assert await delete_user("u1") == 403
