# mypy: ignore-errors
# ruff: noqa
"""The infra.testing helpers are configured by construction."""

from unittest.mock import patch

from infra.testing import configured_async_mock, deny_async_mock, raising_async_mock, strict_async_mock

from app.security import guard


async def test_helpers() -> None:
    await guard(deny_async_mock(), "bob")
    await guard(configured_async_mock(return_value=False), "bob")
    await guard(raising_async_mock(PermissionError), "bob")
    await guard(strict_async_mock(), "bob")
    with patch("app.scim.authz.check_permission", new_callable=deny_async_mock):
        pass
