"""The one error type users see: a one-line message naming the file and the fix."""

from __future__ import annotations

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_FAILED = 1  # the checked thing failed: a hook, a finding, a regression, a stale report
EXIT_USAGE = 2  # the user's input is wrong: bad config, bad flag, corrupt data file
EXIT_UNEXPECTED = 3  # a bug in infra: traceback printed
EXIT_INTERRUPTED = 130


class FatalError(RuntimeError):
    """Something the user can fix. ``str(err)`` is the whole message: one line, path first."""

    exit_code = EXIT_USAGE


class ConfigError(FatalError):
    """A ``.pre-commit-config.yaml`` or ``[tool.infra]`` table that cannot be used."""


class LedgerError(FatalError):
    """A timing ledger that cannot be read or written safely."""
