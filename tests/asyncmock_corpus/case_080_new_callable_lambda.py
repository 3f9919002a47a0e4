# mypy: ignore-errors
# ruff: noqa
"""new_callable=lambda: AsyncMock(...) configured and unconfigured."""

from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_lambdas() -> None:
    with patch("app.scim.authz.check_permission", new_callable=lambda: AsyncMock(return_value=False)):
        assert await delete_user("u1") == 403
    with patch("app.scim.authz.check_permission", new_callable=lambda: AsyncMock()):  # expect: AM002
        assert await delete_user("u1") == 403
