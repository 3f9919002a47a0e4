# mypy: ignore-errors
# ruff: noqa
"""A patched factory returns a bare AsyncMock, but the test only builds the object: never awaited."""

from unittest.mock import AsyncMock, patch

from app.server import Server


@patch("app.server.create_auth_middleware")
def test_server_builds(mock_create_auth):
    mock_create_auth.return_value = AsyncMock()
    assert Server() is not None
