# mypy: ignore-errors
# ruff: noqa
"""A fictional document service: the code under test of the reach cases (re-exported here)."""

from docsvc.server import DocumentServer, Exporter

__all__ = ["DocumentServer", "Exporter"]
