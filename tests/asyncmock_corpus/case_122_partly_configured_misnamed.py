# mypy: ignore-errors
# ruff: noqa
"""`.list` is configured, the code awaits `.list_user_conversations` and iterates it (a misnamed method)."""

from unittest.mock import AsyncMock

from app.conversations import ConversationService


async def test_lists_conversations():
    store = AsyncMock()  # expect: AM001
    store.list.return_value = [{"id": "c1"}]
    service = ConversationService(store)
    assert await service.list_for("alice") == []
