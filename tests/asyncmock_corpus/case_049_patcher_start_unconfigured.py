# mypy: ignore-errors
# ruff: noqa
"""patcher.start() result never configured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_delete() -> None:
    patcher = patch("app.scim.authz.check_permission", new_callable=AsyncMock)  # expect: AM002
    check = patcher.start()
    try:
        assert await delete_user("u1") == 403
        check.assert_awaited()
    finally:
        patcher.stop()
