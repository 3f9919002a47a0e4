# mypy: ignore-errors
# ruff: noqa
"""A patched factory returns a bare AsyncMock, but the test's calls never await it: one is
synchronous, the other lists titles without asking the authorization."""

import asyncio
from unittest.mock import AsyncMock, patch

from docsvc.server import DocumentServer


@patch("docsvc.server.make_auth")
def test_server_describes_itself(make_auth):
    make_auth.return_value = AsyncMock()
    server = DocumentServer()
    assert server.describe() == "documents"
    assert asyncio.run(server.list_titles()) == ["d1", "d2"]
