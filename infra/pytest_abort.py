"""What a merged pytest run that pytest aborted says about each hook in it.

pre-commit runs every pytest hook in a process of its own, so a hook naming a test that no
longer exists (a renamed test, a deleted file) fails alone, and its neighbours run. Merged
(``infra.pytest_group``), one such target aborts the whole process before any test runs. These
read the aborted run for what pre-commit would have seen of each hook: which hooks named a
target pytest could not find, and which had every target in a file that failed to collect
(their verdict is known without running them again). ``infra.pytest_group`` fails those and
runs the others again, together or one by one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from infra import attribution

if TYPE_CHECKING:
    from infra.plan import Member

_NOT_FOUND = re.compile(r"^ERROR: (?:(?:file or directory )?not found: |found no collectors for )(.+)$", re.M)


def aborted(report: attribution.PytestReport | None) -> bool:
    """pytest stopped before running tests (usage or internal error, interrupt, no report)."""
    return report is None or (report.exitstatus in (2, 3, 4) and not report.tests)


def not_found(output: str, cwd: Path, written: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The hooks whose targets pytest reported as not found (a renamed test, a deleted file)."""
    gone = {m.strip() for m in _NOT_FOUND.findall(output)}
    hits: dict[str, list[str]] = {}
    for key, targets in written.items():
        for t in targets:
            file, sep, rest = t.partition("::")
            if t in gone or f"{cwd / file}{sep}{rest}" in gone:
                hits.setdefault(key, []).append(t)
    return hits


def broken(
    members: Sequence[Member], targets: Mapping[str, Sequence[str]], report: attribution.PytestReport | None
) -> list[Member]:
    """Members each of whose targets lies in a file or directory that failed to collect."""
    if report is None:
        return []
    return [
        m
        for m in members
        if targets[m.hook.key]
        and all(
            any(attribution.collect_error_hits(t, e) for e in report.collect_errors)
            for t in targets[m.hook.key]
        )
    ]
