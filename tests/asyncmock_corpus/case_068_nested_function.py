# mypy: ignore-errors
# ruff: noqa
"""A mock created in a nested coroutine and never configured."""

from unittest.mock import AsyncMock

from app.security import guard


def test_nested() -> None:
    import asyncio

    async def scenario() -> str:
        authz = AsyncMock()  # expect: AM001
        return await guard(authz, "bob")

    assert asyncio.run(scenario()) == "granted"
