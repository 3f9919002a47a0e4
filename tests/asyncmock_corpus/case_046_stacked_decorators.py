# mypy: ignore-errors
# ruff: noqa
"""Stacked patches: the bottom one maps to the first parameter."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.audit.record", new_callable=AsyncMock)  # expect: AM002
@patch("app.scim.authz.check_permission", new_callable=AsyncMock)
async def test_delete(mock_check, mock_record) -> None:
    mock_check.return_value = False
    assert await delete_user("u1") == 403
    mock_record.assert_awaited()
