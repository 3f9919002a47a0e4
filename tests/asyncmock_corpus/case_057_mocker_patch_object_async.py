# mypy: ignore-errors
# ruff: noqa
"""mocker.patch.object on an async method."""


class Authz:
    async def check_permission(self, user: str, role: str) -> bool:
        return False


async def test_mocker(mocker) -> None:
    check = mocker.patch.object(Authz, "check_permission")  # expect: AM003
    assert await Authz().check_permission("bob", "admin")
    check.assert_awaited_once()
