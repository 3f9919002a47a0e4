"""What one consolidated pytest process says, hook by hook: its report, verdicts and charges.

Pure reading of what ``infra.pytest_report`` wrote (and of the process's result): each hook's
verdict (``infra.attribution``), and the modified files charged to each hook of the process
with the evidence for it (``infra.claims``). ``infra.pytest_group`` runs the process; this
module only judges it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from infra import attribution, claims, reads, restore, run, selection
from infra.plan import Member
from infra.results import HookResult, Status


def read_report(path: Path) -> attribution.PytestReport | None:
    """The plugin's report, with every process's outside-test records (xdist workers too)."""
    try:
        data = json.loads(path.read_text())
        sides = [json.loads(side.read_text()) for side in path.parent.glob(f"{path.name}.outside-*")]
        readers: dict[str, set[str]] = {}
        for side in sides:
            for p, modules in side["readers"].items():
                readers.setdefault(p, set()).update(modules)
        return attribution.PytestReport(
            data["exitstatus"],
            data["tests"],
            data["collect_errors"],
            data["deselected"],
            data["durations"],
            data["reads"],
            sorted({r for side in sides for r in side["outside"]}),
            writes=data.get("writes", {}),
            outside_writes=sorted({w for side in sides for w in side["outside_writes"]}),
            readers={p: sorted(m) for p, m in readers.items()},
            rootdir=next((side["rootdir"] for side in sides), "."),
            cpu_s=float(data.get("cpu_s", 0.0)),
            collected=data.get("collected"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def failed(member: Member, reason: str, result: run.Result) -> HookResult:
    return HookResult(
        key=member.hook.key, id=member.hook.id, status=Status.FAILED, reason=reason, wall_s=result.wall_s
    )


def modifiers(
    report: attribution.PytestReport | None,
    members: Sequence[Member],
    targets: Mapping[str, Sequence[str]],
    paths: Sequence[str],
) -> dict[str, dict[str, int]]:
    """Hook key -> the modified files charged to it, each with its evidence (``infra.claims``):
    the hooks whose tests wrote the file; when no test of theirs did, every hook of the process
    if something in it wrote or could have written it; else it was another session's doing."""
    blamed: dict[str, dict[str, int]] = {}
    for path in paths:
        writers = [tid for tid, ws in (report.writes if report else {}).items() if path in ws]
        level = evidence(report, path, bool(writers))
        if level is None:
            continue
        owners = [
            m.hook.key
            for m in members
            if any(attribution.owns(t, w) for t in targets[m.hook.key] for w in writers)
        ]
        for key in owners or [m.hook.key for m in members]:
            blamed.setdefault(key, {})[path] = level
    return blamed


def evidence(report: attribution.PytestReport | None, path: str, written: bool) -> int | None:
    """How strongly this process is shown to have written ``path`` (None: not at all).

    Python-level writes are recorded, by tests and outside them (``RECORDED``). Unrecorded, a
    process it started may have (``TIMED``: as opaque as any hook process), or C code behind a
    file a test or start-up opened, SQLite say (``UNSEEN``: weaker than a process that was
    running at the time, so a direct hook beside it keeps that charge).
    """
    if report is None:
        return claims.TIMED
    if written or path in report.outside_writes:
        return claims.RECORDED
    if any(restore.SUBPROCESS in r for r in report.reads.values()):
        return claims.TIMED
    if {path, path + reads.LATE}.intersection(report.outside) or any(
        path in r for r in report.reads.values()
    ):
        return claims.UNSEEN
    return None


def verdict(
    m: Member,
    targets: Sequence[str],
    report: attribution.PytestReport | None,
    result: run.Result,
    decision: selection.Decision,
) -> HookResult:
    if result.timed_out:
        return failed(m, "timed out", result)
    if report is None or (report.exitstatus in (2, 3, 4) and not report.tests):
        return failed(m, f"pytest exited {result.returncode} without results", result)
    v = attribution.verdict(targets, report, narrowed=decision.narrowed(m.hook.key))
    return HookResult(
        key=m.hook.key,
        id=m.hook.id,
        status=Status.FAILED if v.failed else Status.PASSED,
        reason=v.reason,
        wall_s=result.wall_s,
        failed_tests=v.failed_tests,
    )
