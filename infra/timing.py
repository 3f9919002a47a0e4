"""The noise-robust timing regression gate (pure: records in, verdicts out).

Per session, compare like with like: only runs of the same session definition on the same
machine fingerprint as the session's latest run. Baseline = median wall time of the last
``window`` successful runs before the ``recent`` candidate runs; spread = 1.4826·MAD, floored at
``spread_floor`` of the baseline; candidate = median of the last ``recent`` successful runs.
A regression needs significance (z), a minimum effect (ratio) AND an absolute floor (delta);
the median of several recent runs makes one slow run a warning, never a failure.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import NamedTuple

from infra.ledger import SessionRecord

MAD_TO_SIGMA = 1.4826  # makes the MAD estimate the standard deviation of normal noise


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"  # only the latest run is slow: a single excursion
    INSUFFICIENT = "insufficient"  # too little comparable history: warn only
    SKIPPED = "skipped"  # the latest run did not succeed: its time means nothing
    REGRESSION = "regression"


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    window: int = 20
    recent: int = 3
    min_history: int = 5
    min_z: float = 4.0
    min_ratio: float = 1.2
    min_delta: float = 2.0  # seconds
    spread_floor: float = 0.05  # fraction of the baseline

    def __post_init__(self) -> None:
        if min(self.window, self.recent, self.min_history) < 1:
            raise ValueError("window, recent and min_history must be at least 1")
        if self.min_history > self.window:
            raise ValueError("min_history cannot exceed window")
        if min(self.min_z, self.min_ratio, self.min_delta, self.spread_floor) < 0:
            raise ValueError("thresholds cannot be negative")


class Verdict(NamedTuple):
    session: str
    status: Status
    baseline: float | None  # wall seconds
    candidate: float | None
    ratio: float | None
    z: float | None
    n_history: int  # comparable successful runs before the candidate runs
    message: str
    cpu_baseline: float | None = None  # user+sys seconds, same runs as the wall figures
    cpu_candidate: float | None = None


class _Score(NamedTuple):
    ratio: float
    z: float
    delta: float


SERIES_FIELDS = ("definition_hash", "machine")  # what must match the latest run to compare


def same_series(latest: SessionRecord, record: SessionRecord) -> bool:
    """Whether ``record`` is a comparable successful run for the session's ``latest`` run."""
    return (
        record.status == "success"
        and record.definition_hash == latest.definition_hash
        and record.machine == latest.machine
    )


def check(records: Sequence[SessionRecord], thresholds: Thresholds | None = None) -> list[Verdict]:
    """One verdict per session name, sorted by name; ``records`` oldest first (ledger order)."""
    limits = thresholds or Thresholds()
    by_session: dict[str, list[SessionRecord]] = {}
    for record in records:
        by_session.setdefault(record.session, []).append(record)
    return [_verdict(name, runs, limits) for name, runs in sorted(by_session.items())]


def _verdict(name: str, runs: list[SessionRecord], limits: Thresholds) -> Verdict:
    latest = runs[-1]
    if latest.status != "success":
        return Verdict(name, Status.SKIPPED, None, None, None, None, 0, f"latest run {latest.status}")
    series = [run for run in runs if same_series(latest, run)]
    history, recent = series[: -limits.recent][-limits.window :], series[-limits.recent :]
    if len(history) < limits.min_history:
        need = limits.min_history + limits.recent
        message = f"{len(series)} comparable runs on this machine and definition; gating needs {need}"
        return Verdict(name, Status.INSUFFICIENT, None, None, None, None, len(history), message)
    walls = [run.wall_s for run in history]
    baseline = median(walls)
    spread = max(
        MAD_TO_SIGMA * median(abs(wall - baseline) for wall in walls), limits.spread_floor * baseline
    )
    candidate = median(run.wall_s for run in recent)
    score = _score(baseline, spread, candidate)
    if _slow(score, limits):
        status = Status.REGRESSION
        message = f"{score.ratio:.2f}x slower over the last {len(recent)} runs (+{score.delta:.1f} s)"
    elif _slow(latest_score := _score(baseline, spread, latest.wall_s), limits):
        status = Status.WARN
        message = f"latest run {latest_score.ratio:.2f}x slower; not yet persistent"
    else:
        status, message = Status.OK, ""
    cpu = _cpu_medians(history, recent)
    return Verdict(name, status, baseline, candidate, score.ratio, score.z, len(history), message, *cpu)


def _score(baseline: float, spread: float, value: float) -> _Score:
    delta = value - baseline
    if baseline <= 0:  # a session that took no time: any time at all is infinitely slower
        return _Score(math.inf if value > 0 else 1.0, math.inf if delta > 0 else 0.0, delta)
    z = delta / spread if spread > 0 else math.inf if delta > 0 else 0.0  # spread 0: identical history
    return _Score(value / baseline, z, delta)


def _slow(score: _Score, limits: Thresholds) -> bool:
    return score.z > limits.min_z and score.ratio > limits.min_ratio and score.delta > limits.min_delta


def _cpu_medians(
    history: list[SessionRecord], recent: list[SessionRecord]
) -> tuple[float | None, float | None]:
    def cpu(runs: list[SessionRecord]) -> float | None:
        values = [run.cpu_s for run in runs if run.cpu_s is not None]
        return median(values) if values else None

    return cpu(history), cpu(recent)


def worst(verdicts: Sequence[Verdict]) -> Status:
    """The status that decides the exit code: REGRESSION if any, else OK (warnings never fail)."""
    return Status.REGRESSION if any(v.status is Status.REGRESSION for v in verdicts) else Status.OK


def markdown(verdicts: Sequence[Verdict]) -> str:
    """A Markdown table for ``$GITHUB_STEP_SUMMARY``."""
    lines = [
        "### Session timing",
        "",
        "| session | status | baseline s | candidate s | ratio | z | history | cpu s (base → cand) | note |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for v in verdicts:
        cells = [f"`{_escape(v.session)}`", _badge(v.status), *row_numbers(v), _escape(v.message)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")  # a pipe ends a table cell, even inside a code span


def _badge(status: Status) -> str:
    return f"**{status.value}**" if status is Status.REGRESSION else status.value


def row_numbers(verdict: Verdict) -> list[str]:
    """Baseline, candidate, ratio, z, history and cpu, formatted for a table row."""
    return [
        _fmt(verdict.baseline, "{:.1f}"),
        _fmt(verdict.candidate, "{:.1f}"),
        _fmt(verdict.ratio, "{:.2f}"),
        _fmt(verdict.z, "{:.1f}"),
        str(verdict.n_history),
        f"{_fmt(verdict.cpu_baseline, '{:.1f}')} → {_fmt(verdict.cpu_candidate, '{:.1f}')}",
    ]


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else spec.format(value)
