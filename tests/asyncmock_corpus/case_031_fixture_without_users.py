# mypy: ignore-errors
# ruff: noqa
"""A shared (conftest-style) fixture hands out an unconfigured mock to unknown users."""

import pytest
from unittest.mock import AsyncMock


@pytest.fixture(name="openfga")
def openfga_client():
    return AsyncMock()  # expect: AM001
