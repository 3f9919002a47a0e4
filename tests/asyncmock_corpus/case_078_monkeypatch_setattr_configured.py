# mypy: ignore-errors
# ruff: noqa
"""monkeypatch.setattr(obj, name, AsyncMock()) then configured via obj.name."""

from unittest.mock import AsyncMock

from app import scim


async def test_monkeypatch(monkeypatch) -> None:
    monkeypatch.setattr(scim, "authz", AsyncMock())
    scim.authz.check_permission.return_value = False
    assert await scim.delete_user("u1") == 403
