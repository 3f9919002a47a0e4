# mypy: ignore-errors
# ruff: noqa
"""Mocks in a list literal: one configured, one not."""

from unittest.mock import AsyncMock

from app.pipeline import run_checks


async def test_checks() -> None:
    checks = [
        AsyncMock(return_value=False),
        AsyncMock(),  # expect: AM001
    ]
    assert not await run_checks(checks)
