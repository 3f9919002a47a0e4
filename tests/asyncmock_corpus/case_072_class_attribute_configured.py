# mypy: ignore-errors
# ruff: noqa
"""A class attribute mock configured by the only test."""

from unittest.mock import AsyncMock

from app.security import guard


class TestGuard:
    authz = AsyncMock()

    async def test_denied(self) -> None:
        self.authz.check_permission.return_value = False
        await guard(self.authz, "bob")
