# mypy: ignore-errors
# ruff: noqa
"""A patched factory returns a bare AsyncMock; the code awaits `authorize` on it and uses the result."""

from unittest.mock import AsyncMock, patch

from app.server import Server


@patch("app.server.create_auth_middleware")
async def test_editor_can_edit(mock_create_auth):
    mock_create_auth.return_value = AsyncMock()  # expect: AM001
    server = Server()
    assert await server.edit_conversation("conv-1", user="eve") == "edited"
