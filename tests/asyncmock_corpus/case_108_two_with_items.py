# mypy: ignore-errors
# ruff: noqa
"""Two patches in one with: only the second is unconfigured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_two() -> None:
    with (
        patch("app.scim.authz.check_permission", new_callable=AsyncMock) as check,
        patch("app.scim.audit.record", new_callable=AsyncMock) as record,  # expect: AM002
    ):
        check.return_value = False
        assert await delete_user("u1") == 403
        record.assert_awaited_once()
