# mypy: ignore-errors
# ruff: noqa
"""patcher.start() result configured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_delete() -> None:
    patcher = patch("app.scim.authz.check_permission", new_callable=AsyncMock)
    check = patcher.start()
    check.return_value = False
    try:
        assert await delete_user("u1") == 403
    finally:
        patcher.stop()
