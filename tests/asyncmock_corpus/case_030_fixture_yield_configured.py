# mypy: ignore-errors
# ruff: noqa
"""A yield fixture that configures its mock."""

import pytest
from unittest.mock import AsyncMock


@pytest.fixture
def authz():
    mock = AsyncMock()
    mock.check_permission.return_value = False
    yield mock
    mock.reset_mock()


async def test_uses(authz) -> None:
    assert authz is not None
