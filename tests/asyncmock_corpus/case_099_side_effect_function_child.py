# mypy: ignore-errors
# ruff: noqa
"""A child's side_effect set to a fake coroutine."""

from unittest.mock import AsyncMock

from app.security import guard


async def test_fake() -> None:
    async def fake_check(user: str, role: str) -> bool:
        return user == "root"

    authz = AsyncMock()
    authz.check_permission.side_effect = fake_check
    await guard(authz, "bob")
