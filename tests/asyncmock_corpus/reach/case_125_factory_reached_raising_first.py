# mypy: ignore-errors
# ruff: noqa
"""A patched factory returns a bare AsyncMock; the test calls the method that would await it,
but expects the input check to raise first: the mock is never awaited."""

import asyncio
from unittest.mock import AsyncMock, patch

import pytest

from docsvc.server import DocumentServer


@patch("docsvc.server.make_auth")
def test_empty_text_is_rejected(make_auth):
    make_auth.return_value = AsyncMock()
    server = DocumentServer()
    with pytest.raises(ValueError, match="empty text"):
        asyncio.run(server.edit("eve", "d1", ""))
