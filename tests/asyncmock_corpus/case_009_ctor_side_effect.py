# mypy: ignore-errors
# ruff: noqa
"""side_effect= in the constructor."""

import pytest
from unittest.mock import AsyncMock

from app.security import check_token


async def test_verifier_error() -> None:
    verify = AsyncMock(side_effect=PermissionError("denied"))
    with pytest.raises(PermissionError):
        await check_token(verify, "t")
