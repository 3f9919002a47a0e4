# mypy: ignore-errors
# ruff: noqa
"""pytest-mock's mocker.AsyncMock()."""

from app.security import guard


async def test_mocker(mocker) -> None:
    authz = mocker.AsyncMock()  # expect: AM001
    await guard(authz, "bob")
