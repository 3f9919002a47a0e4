# mypy: ignore-errors
# ruff: noqa
"""@patch(new_callable=AsyncMock); the injected mock is configured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.authz.check_permission", new_callable=AsyncMock)
async def test_delete(mock_check) -> None:
    mock_check.return_value = False
    assert await delete_user("u1") == 403
