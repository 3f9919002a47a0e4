# mypy: ignore-errors
# ruff: noqa
"""A patched factory's bare AsyncMock is awaited by the code under test, which throws the
result away (`await self.auth.audit(...)` as a statement): nothing is used."""

import asyncio
from unittest.mock import AsyncMock, patch

from docsvc.server import DocumentServer


@patch("docsvc.server.make_auth")
def test_touch_audits(make_auth):
    make_auth.return_value = auth = AsyncMock()
    assert asyncio.run(DocumentServer().touch("eve", "d1")) == "d1"
    auth.audit.assert_awaited_once_with("eve", "d1")
