"""prek as the host: the Rust re-implementation of pre-commit (``prek``, 0.5 and later).

Its ``run`` takes pre-commit's flags with one rename (``--stage`` for ``--hook-stage``) and
prints the same status lines, with two differences the parser follows:

* a skipped hook gets its status line but no ``- hook id:`` line, even with ``-v``;
* a hook's own output is indented by two spaces, so a status line is one that starts at column 0.

Hooks run by ``priority`` (a prek key), then in config order: the order of the verdicts is not
always the config's, which is why :func:`infra.hosts.match` pairs verdicts with hooks by id and name.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.hosts import base
from infra.hosts.base import Verdict
from infra.results import Status

_STARTS = re.compile(r"\bprek\b[^\n]*\bhook-impl\b", re.IGNORECASE)  # exec "$PREK" hook-impl ...


class Prek:
    name = "prek"

    def program(self) -> list[str]:
        """``prek`` next to our Python (the same environment), else on PATH."""
        here = str(Path(sys.executable).parent)
        return [shutil.which("prek", path=here) or shutil.which("prek") or "prek"]

    def validate_argv(self, config: Path) -> list[str]:
        return [*self.program(), "validate-config", str(config)]

    def run_argv(
        self, config: Path | None, files: Sequence[str] | None, refs: tuple[str, str] | None = None
    ) -> list[str]:
        # --no-hide-status: a config's `hide_status` must not hide a verdict from us
        stage = ("--stage", base.PRE_PUSH, "--no-hide-status")
        return [*self.program(), *base.run_args(config, files, refs, *stage)]

    def install_argv(self, config: str | None = None) -> list[str]:
        return [*self.program(), *base.install_args(config)]

    def parse_verdicts(self, output: str) -> list[Verdict]:
        lines = output.splitlines()
        out = []
        for n, line in enumerate(lines):
            status = base.STATUS.match(line.rstrip())
            if status is None or line[:1].isspace():
                continue
            hook = base.HOOK_ID.match(lines[n + 1]) if n + 1 < len(lines) else None
            hook_id = hook.group("id") if hook else None
            out.append(Verdict(status.group("name"), hook_id, Status(status.group("status").lower())))
        return out

    def owns(self, script: str) -> bool:
        return _STARTS.search(script) is not None

    def error_summary(self, output: str) -> str:
        return base.last_line(output, "caused by:")


HOST = Prek()
