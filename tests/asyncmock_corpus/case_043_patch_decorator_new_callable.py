# mypy: ignore-errors
# ruff: noqa
"""@patch(new_callable=AsyncMock) and the injected mock is never configured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.authz.check_permission", new_callable=AsyncMock)  # expect: AM002
async def test_delete(mock_check) -> None:
    assert await delete_user("u1") == 403
    mock_check.assert_awaited_once()
