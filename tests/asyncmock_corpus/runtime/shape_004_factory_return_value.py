# mypy: ignore-errors
# ruff: noqa
"""A patched factory returns a bare AsyncMock: the editor check awaits it and passes (the seed bug)."""

import asyncio
from unittest.mock import AsyncMock, MagicMock


class Documents:
    def __init__(self, make_auth):
        self.auth = make_auth()

    async def edit(self, user, doc):
        can_edit = await self.auth.authorize(user, "editor", doc)
        if not can_edit:  # used
            raise PermissionError(user)
        return f"{doc} edited"


def test_editor_can_edit():
    make_auth = MagicMock()
    make_auth.return_value = AsyncMock()  # expect: AM005
    assert asyncio.run(Documents(make_auth).edit("eve", "d1")) == "d1 edited"
