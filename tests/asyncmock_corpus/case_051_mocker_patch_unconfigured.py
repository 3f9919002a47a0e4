# mypy: ignore-errors
# ruff: noqa
"""mocker.patch(new_callable=mocker.AsyncMock) never configured."""

from app.scim import delete_user


async def test_delete(mocker) -> None:
    check = mocker.patch("app.scim.authz.check_permission", new_callable=mocker.AsyncMock)  # expect: AM002
    assert await delete_user("u1") == 403
    check.assert_awaited_once()
