"""AsyncMock safety: a precise checker for unconfigured AsyncMocks and a comment-keeping fixer.

Public API: ``check_paths(paths) -> list[Finding]``, ``check_source(source, path)``, ``Finding``
(``path, line, col, code, message``), ``RULES`` (code -> one-line description). The fixer lives in
``infra.asyncmock.fixer`` (it imports libcst, so it is not loaded here).
"""

from __future__ import annotations

from infra.asyncmock.checker import CANDIDATES, RULES, Finding, check_paths, check_source

__all__ = ["CANDIDATES", "RULES", "Finding", "check_paths", "check_source"]
