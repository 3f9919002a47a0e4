# mypy: ignore-errors
# ruff: noqa
"""patch.object on an instance of a module class."""

from unittest.mock import patch


class Authz:
    async def check_permission(self, user: str, role: str) -> bool:
        return False


async def test_instance() -> None:
    authz = Authz()
    with patch.object(authz, "check_permission"):  # expect: AM003
        assert await authz.check_permission("bob", "admin")
