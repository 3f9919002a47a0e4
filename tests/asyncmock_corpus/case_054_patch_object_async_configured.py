# mypy: ignore-errors
# ruff: noqa
"""patch.object on an async method, configured."""

from unittest.mock import patch


class Authz:
    async def check_permission(self, user: str, role: str) -> bool:
        return False


@patch.object(Authz, "check_permission")
async def test_guard(mock_check) -> None:
    mock_check.return_value = False
    assert not await Authz().check_permission("bob", "admin")
