# mypy: ignore-errors
# ruff: noqa
"""AsyncMocks only inspected (never awaited) cannot grant anything (CPython's own tests do this)."""

import inspect
import unittest
from unittest import mock


class TestIntrospection(unittest.TestCase):
    def test_is_coroutine_function(self) -> None:
        self.assertTrue(inspect.iscoroutinefunction(mock.AsyncMock()))

    def test_signature(self) -> None:
        for m in (mock.Mock(), mock.AsyncMock()):
            with self.subTest(mock=m):
                self.assertEqual(str(inspect.signature(m)), "(*args, **kwargs)")

    def test_defaults(self) -> None:
        m = mock.AsyncMock()
        self.assertEqual(int(m), 1)
        self.assertEqual(len(m), 0)
        self.assertNotIn(object(), m)
