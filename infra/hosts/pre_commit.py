"""pre-commit as the host: ``python -m pre_commit``, from the environment infra runs in."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.hosts import base
from infra.hosts.base import Verdict
from infra.results import Status

# pre-commit's wrapper runs ``"$INSTALL_PYTHON" -mpre_commit "${ARGS[@]}"`` (ARGS starting with
# hook-impl), else ``pre-commit "${ARGS[@]}"``; ``infra init``'s runs ``python -m pre_commit hook-impl``.
_STARTS = re.compile(r"-m ?pre_commit\b|\bexec pre-commit\b")


class PreCommit:
    name = "pre-commit"

    def program(self) -> list[str]:
        return [sys.executable, "-m", "pre_commit"]

    def validate_argv(self, config: Path) -> list[str]:
        return [*self.program(), "validate-config", str(config)]

    def run_argv(
        self, config: Path | None, files: Sequence[str] | None, refs: tuple[str, str] | None = None
    ) -> list[str]:
        return [*self.program(), *base.run_args(config, files, refs, "--hook-stage", base.PRE_PUSH)]

    def install_argv(self, config: str | None = None) -> list[str]:
        return [*self.program(), *base.install_args(config)]

    def parse_verdicts(self, output: str) -> list[Verdict]:
        """A status line counts only when the next line is its ``- hook id:`` line.

        ``--verbose`` prints one under every hook, skipped ones too; a hook's own output is not
        indented, so this pairing is what keeps a printed ``x....Passed`` from being a verdict.
        """
        out = []
        for line, following in itertools.pairwise(output.splitlines()):
            status, hook = base.STATUS.match(line.strip()), base.HOOK_ID.match(following.strip())
            if status and hook:
                out.append(
                    Verdict(status.group("name"), hook.group("id"), Status(status.group("status").lower()))
                )
        return out

    def owns(self, script: str) -> bool:
        return "hook-impl" in script and _STARTS.search(script) is not None

    def error_summary(self, output: str) -> str:
        return base.last_line(output, "=====>")


HOST = PreCommit()
