"""infra: one parallel, incremental ``nox -t prepush`` instead of dozens of pre-push hooks."""

from __future__ import annotations

__version__ = "0.1.0"
