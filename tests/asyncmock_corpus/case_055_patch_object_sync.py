# mypy: ignore-errors
# ruff: noqa
"""patch.object on a sync method makes a MagicMock: awaiting it fails loudly."""

from unittest.mock import patch


class Authz:
    def is_admin(self, user: str) -> bool:
        return False


def test_sync() -> None:
    with patch.object(Authz, "is_admin") as is_admin:
        Authz().is_admin("bob")
        is_admin.assert_called_once()
