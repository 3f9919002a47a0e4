"""What a session run produced: one verdict per original hook, and the session's totals.

Each session writes its result as JSON to ``.infra/runs/<run id>/<session>.json`` so that
``infra summary`` (and ``infra demo``) can show one table over parallel sessions. Writing it is
best effort (``infra.state``): a result that cannot be stored costs the summary, not the verdict.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from infra import output, state


class Status(Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, kw_only=True)
class HookResult:
    key: str
    id: str
    status: Status
    reason: str  # why skipped / why failed / how it ran
    wall_s: float = 0.0
    failed_tests: tuple[str, ...] = ()
    tool_missing: str | None = None  # the tool an entry needed and did not find
    modified: tuple[str, ...] = ()  # the files it left modified (it failed for them)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["failed_tests"] = list(self.failed_tests)
        data["modified"] = list(self.modified)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HookResult:
        return cls(
            **{
                **data,
                "status": Status(data["status"]),
                "failed_tests": tuple(data["failed_tests"]),
                "modified": tuple(data.get("modified", ())),
            }
        )


@dataclass(frozen=True, kw_only=True)
class SelectionCounts:
    selected: int | None = None  # tests the invocation(s) chose to run
    deselected: int | None = None  # tests left out by testmon
    failed: int | None = None
    mode: str = "full"  # full | testmon | testmon+full | none
    why: str = ""
    workers: int = 0  # pytest-xdist workers (0: no xdist)
    longest_s: float = 0.0  # the longest indivisible step: one test, or one hook process

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class SessionResult:
    session: str
    run_id: str
    hooks: tuple[HookResult, ...]
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    changes: str
    tests: SelectionCounts = field(default_factory=SelectionCounts)
    timed_out: bool = False

    @property
    def status(self) -> Status:
        if self.timed_out or any(h.status is Status.FAILED for h in self.hooks):
            return Status.FAILED
        if all(h.status is Status.SKIPPED for h in self.hooks):
            return Status.SKIPPED
        return Status.PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "run_id": self.run_id,
            "status": self.status.value,
            "hooks": [h.to_dict() for h in self.hooks],
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "peak_rss_mb": self.peak_rss_mb,
            "changes": self.changes,
            "tests": self.tests.to_dict(),
            "timed_out": self.timed_out,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionResult:
        return cls(
            session=data["session"],
            run_id=data["run_id"],
            hooks=tuple(HookResult.from_dict(h) for h in data["hooks"]),
            wall_s=data["wall_s"],
            cpu_s=data["cpu_s"],
            peak_rss_mb=data["peak_rss_mb"],
            changes=data["changes"],
            tests=SelectionCounts(**data["tests"]),
            timed_out=data["timed_out"],
        )


def runs_dir(root: Path) -> Path:
    return state.runs_dir(root)


def state_dir(root: Path) -> Path:
    """The state directory (``state.directory``: a throwaway temp directory when not writable)."""
    return state.directory(root)


def write(root: Path, result: SessionResult) -> Path | None:
    """Store ``result`` for the summary; None (after one warning line) when it cannot be stored."""
    problem = state.unwritable(root.resolve())
    if problem is not None:
        state.warn_once("session results", f"{state.root_dir(root)}: {problem}", root)
        return None
    path = state.result_path(root, result.run_id, result.session)
    with state.best_effort("session results", root):
        path.parent.mkdir(parents=True, exist_ok=True)
        state.write_atomic(path, json.dumps(result.to_dict(), indent=1))
        return path
    return None


def latest_run(root: Path) -> str | None:
    base = runs_dir(root)
    if not base.is_dir():
        return None
    dirs = sorted((d for d in base.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime)
    return state.name_of(dirs[-1].name) if dirs else None  # the run id its directory encodes


def read_run(root: Path, run_id: str) -> list[SessionResult]:
    directory = state.run_dir(root, run_id)
    out = []
    for path in sorted(directory.glob("*.json")):
        try:
            out.append(SessionResult.from_dict(json.loads(path.read_text())))
        except (ValueError, KeyError, TypeError):
            output.warn(f"{path}: unreadable session result, left out of the summary")
    return out


_MARK = {Status.PASSED: "Passed", Status.FAILED: "Failed", Status.SKIPPED: "Skipped"}


def hook_line(hook: HookResult, width: int = 60) -> str:
    """pre-commit's look: ``hook-id..........Passed``, with the reason after it."""
    status = _MARK[hook.status]
    dots = "." * max(3, width - len(hook.key) - len(status))
    extra = f"  ({hook.reason})" if hook.reason else ""
    return f"{hook.key}{dots}{status}{extra}"


def render_session(result: SessionResult) -> list[str]:
    lines = [f"session {result.session}: {result.status.value} in {result.wall_s:.1f}s ({result.changes})"]
    if result.tests.selected is not None:
        t = result.tests
        xdist = f", xdist -n {t.workers}" if t.workers else ""
        lines.append(
            f"  tests: {t.selected} selected, {t.deselected or 0} deselected, mode {t.mode} ({t.why}){xdist}"
        )
    lines += [f"  {hook_line(h)}" for h in result.hooks]
    for h in result.hooks:
        for test in h.failed_tests:
            lines.append(f"  FAILED {test}  <- hook {h.key}")
    return lines


def render_summary(
    results: Sequence[SessionResult], *, interrupted: bool = False, unfinished: Sequence[str] = ()
) -> list[str]:
    """Counts over every hook, each failure, and (when stopped early) which hooks did not finish."""
    hooks = [h for r in results for h in r.hooks]
    counts = {s: sum(h.status is s for h in hooks) for s in Status}
    lines = [
        f"{len(hooks)} hooks in {len(results)} sessions: "
        + ", ".join(f"{counts[s]} {s.value}" for s in Status)
    ]
    for h in hooks:
        if h.status is Status.FAILED:
            lines.append(f"  FAILED {h.key}: {h.reason}")
    missing = sorted({h.tool_missing for h in hooks if h.tool_missing})
    if missing:
        lines.append(
            f"  note: tools not installed here: {', '.join(missing)} (hooks kept pre-commit's verdict)"
        )
    if interrupted and not hooks and not unfinished:
        return ["run interrupted before any hook ran"]
    if interrupted:
        lines.insert(0, "run interrupted: these counts cover only the sessions that finished")
    if unfinished:
        lines.append(f"  did not finish ({len(unfinished)}): {', '.join(unfinished)}")
    return lines
