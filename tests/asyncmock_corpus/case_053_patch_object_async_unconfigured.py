# mypy: ignore-errors
# ruff: noqa
"""patch.object on an async method of a class in this module."""

from unittest.mock import patch


class Authz:
    async def check_permission(self, user: str, role: str) -> bool:
        return False


@patch.object(Authz, "check_permission")  # expect: AM003
async def test_guard(mock_check) -> None:
    assert await Authz().check_permission("bob", "admin")
