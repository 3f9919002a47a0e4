# mypy: ignore-errors
# ruff: noqa
"""patch(..., new_callable=AsyncMock, return_value=False)."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.authz.check_permission", new_callable=AsyncMock, return_value=False)
async def test_delete(mock_check) -> None:
    assert await delete_user("u1") == 403
