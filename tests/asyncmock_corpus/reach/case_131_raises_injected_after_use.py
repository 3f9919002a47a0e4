# mypy: ignore-errors
# ruff: noqa
"""The test expects an exception, and injects it itself: the storage upload fails. The code
checks the (unconfigured, truthy) authorization first, so the test passes past the bypass."""

import asyncio
from unittest.mock import AsyncMock, patch

import pytest

from docsvc.server import DocumentServer


@patch("docsvc.server.make_storage")
@patch("docsvc.server.make_auth")
def test_upload_failure_propagates(make_auth, make_storage):
    make_auth.return_value = AsyncMock()  # expect: AM001
    make_storage.return_value.upload.side_effect = OSError("disk full")
    server = DocumentServer()
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(server.publish("eve", "d1"))
