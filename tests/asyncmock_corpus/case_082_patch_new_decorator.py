# mypy: ignore-errors
# ruff: noqa
"""@patch(target, new=AsyncMock()) injects nothing: the mock is unreachable."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


@patch("app.scim.authz.check_permission", new=AsyncMock())  # expect: AM001
async def test_delete() -> None:
    assert await delete_user("u1") == 403
