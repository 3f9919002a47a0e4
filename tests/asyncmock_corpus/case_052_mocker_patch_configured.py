# mypy: ignore-errors
# ruff: noqa
"""mocker.patch with return_value."""

from unittest.mock import AsyncMock

from app.scim import delete_user


async def test_delete(mocker) -> None:
    mocker.patch("app.scim.authz.check_permission", new_callable=AsyncMock, return_value=False)
    assert await delete_user("u1") == 403
