# mypy: ignore-errors
# ruff: noqa
"""A helper in the module configures the mock it is given."""

from unittest.mock import AsyncMock

from app.security import guard


def deny_everything(authz) -> None:
    authz.check_permission.return_value = False


async def test_helper() -> None:
    authz = AsyncMock()
    deny_everything(authz)
    await guard(authz, "bob")
