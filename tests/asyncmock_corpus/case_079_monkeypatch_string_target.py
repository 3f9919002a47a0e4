# mypy: ignore-errors
# ruff: noqa
"""monkeypatch.setattr('dotted.path', AsyncMock()) never configured."""

from unittest.mock import AsyncMock

from app import scim


async def test_monkeypatch(monkeypatch) -> None:
    monkeypatch.setattr("app.scim.authz", AsyncMock())  # expect: AM001
    assert await scim.delete_user("u1") == 403
