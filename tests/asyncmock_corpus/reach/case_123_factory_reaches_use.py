# mypy: ignore-errors
# ruff: noqa
"""A patched factory returns a bare AsyncMock; the test's call reaches, two methods down in the
code under test, `can_edit = await self.auth.authorize(...)`, `if not can_edit:` (the seed bug)."""

import asyncio
from unittest.mock import AsyncMock, patch

from docsvc import DocumentServer


@patch("docsvc.server.make_auth")
def test_editor_can_edit(make_auth):
    make_auth.return_value = AsyncMock()  # expect: AM001
    server = DocumentServer()
    assert asyncio.run(server.edit("eve", "d1", "new text")) == "d1 edited"
