# mypy: ignore-errors
# ruff: noqa
"""A loop configures every mock of a list."""

from unittest.mock import AsyncMock

from app.pipeline import run_checks


async def test_loop() -> None:
    checks = [AsyncMock(), AsyncMock(), AsyncMock()]
    for check in checks:
        check.return_value = False
    assert not await run_checks(checks)
