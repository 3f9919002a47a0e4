# mypy: ignore-errors
# ruff: noqa
"""AsyncMocks built in a comprehension and never configured."""

from unittest.mock import AsyncMock

from app.pipeline import run_checks


async def test_many() -> None:
    checks = [AsyncMock() for _ in range(3)]  # expect: AM001
    assert await run_checks(checks)
