# mypy: ignore-errors
# ruff: noqa
"""ExitStack.enter_context(patch(...)) configured."""

import contextlib
from unittest.mock import AsyncMock, patch

from app.scim import delete_user


async def test_stack() -> None:
    with contextlib.ExitStack() as stack:
        check = stack.enter_context(patch("app.scim.authz.check_permission", new_callable=AsyncMock))
        check.return_value = False
        assert await delete_user("u1") == 403
