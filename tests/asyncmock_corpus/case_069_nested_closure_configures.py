# mypy: ignore-errors
# ruff: noqa
"""A nested function configures the enclosing test's mock."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_closure() -> None:
    authz = AsyncMock()

    def arrange(allowed: bool) -> None:
        authz.check_permission.return_value = allowed

    arrange(False)
    await guard(authz, "bob")
