# mypy: ignore-errors
# ruff: noqa
"""A fixture hands out a bare AsyncMock; one test configures it, the other relies on the default."""

import asyncio
from unittest.mock import AsyncMock

import pytest


async def guard(authz, user):
    return "granted" if await authz.check_permission(user) else "denied"  # used


@pytest.fixture
def authz():
    return AsyncMock()  # expect: AM001


def test_denied(authz):
    authz.check_permission.return_value = False
    assert asyncio.run(guard(authz, "bob")) == "denied"


def test_granted(authz):
    assert asyncio.run(guard(authz, "bob")) == "granted"
