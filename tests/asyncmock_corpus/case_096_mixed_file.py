# mypy: ignore-errors
# ruff: noqa
"""A realistic file: several tests, one real bug among configured mocks."""

from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from app.scim import ScimHandler


@pytest.fixture
def db():
    session = MagicMock()
    session.execute = AsyncMock(return_value=MagicMock(scalar=MagicMock(return_value=0)))
    return session


async def test_count(db) -> None:
    handler = ScimHandler(db=db)
    assert await handler.count() == 0


async def test_delete_denied(db) -> None:
    authz = AsyncMock()
    authz.check_permission.return_value = False
    handler = ScimHandler(db=db, authz=authz)
    assert await handler.delete_user("u1") == 403


async def test_delete_as_admin(db) -> None:
    authz = AsyncMock()  # expect: AM001
    handler = ScimHandler(db=db, authz=authz)
    assert await handler.delete_user("u1") == 204


async def test_audit(db) -> None:
    with patch("app.scim.audit.record", new_callable=AsyncMock) as record:
        record.return_value = None
        handler = ScimHandler(db=db, authz=AsyncMock(side_effect=PermissionError))
        with pytest.raises(PermissionError):
            await handler.delete_user("u1")
