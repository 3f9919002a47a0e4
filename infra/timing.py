"""The noise-robust timing regression gate (pure: records in, verdicts out).

Which runs are compared (REFERENCE §6)
    Per session, only successful runs of the same session definition on the same machine
    fingerprint as the session's latest run. The last ``recent`` (5) of them hold the candidate
    windows, the ``window`` (40) before them the history. Fewer than ``min_history`` (20)
    history runs: INSUFFICIENT, a warning that never fails (the spread of a few runs is too
    rough to keep false alarms under 1%).

The statistic, in log space (run-time noise is multiplicative: log-normal jitter, +x% spikes)
    y = ln(wall), with wall clamped to [1 ms, 1e9 s].
    baseline  m = median of the history's y.
    spread    s = 1.4826·MAD of the history's y: a robust per-run sigma (a spike moves neither).
    candidate c = mean of the fastest k - ceil(k/4) of the recent y (k = 3: the fastest two),
              minus b_k·s. Interference on a shared runner only ever adds time, so dropping the
              slowest recent run makes one spike harmless while keeping 85% of the efficiency
              of a plain mean (the median of 3 keeps 74%); b_k, the mean of that trimmed mean
              under standard normal noise (-0.423 for k = 3), removes the bias of trimming
              from above.
    z         = (c - m) / (max(s, spread_floor) · sqrt(v_k/k + (pi/2)/n)): the shift in standard
              errors of the comparison, not in per-run spreads (z > 4 in spreads needed a
              x1.6 shift at 15% noise). v_k = k·Var(trimmed mean)/sigma² (1.170 for k = 3) and
              pi/2 (the median's asymptotic n·Var/sigma²; 1.47 at n = 20, so a little conservative)
              are the estimators' variance constants. ``CANDIDATE_CONSTANTS`` holds (b_k, v_k):
              exact for k <= 2, from expected normal order statistics (b_k) and a
              2e7-draw simulation (v_k) beyond; ``tests/test_timing.py`` re-derives both.
    ratio     = e^(c - m);  delta = e^c - e^m seconds.

Decision: each candidate window (``windows``: the last 3 runs, then the last 5) is scored
against the same history; REGRESSION if one passes z > min_z AND ratio > min_ratio AND
delta > min_delta (significance, an effect worth failing for, and an absolute floor so short
sessions never fail on noise). The 3-run window fails a doubling on its third run; the 5-run
window has the power for x1.5 (its trimmed mean drops two runs, so it only sees a change that
lasted). Otherwise WARN if the latest run alone (k = 1: b = 0, v = 1) passes all three: a single
excursion never fails. Otherwise OK.

Quality of the defaults (z > 3.1, ratio > 1.2, delta > 2 s, 40 runs of history), from the seeded
study ``benchmarks/bench_gate.py`` (``benchmarks/gate-results.md``, 5,000 trials a point; 15%
log-normal jitter, +60% spikes in 2% / 5% of runs): one check false-alarms in 0.3% / 0.8% of
unchanged series; a persistent x1.5 is caught within 3 / 4 / 5 runs in 83 / 90 / 98% (2% spikes)
and 80 / 89 / 97% (5%); x2 within 3 runs in 100%. Why these settings (issue 15): at 1% false
alarms no gate catches 95% of x1.5 with 3 runs against 20 (issue 5's study), and the history
length is what moves the power most (the same gate against 20 runs: 93% within 5 runs).
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
MIN_WALL, MAX_WALL = 1e-3, 1e9  # seconds: wall times are clamped here before taking logs
MEDIAN_VARIANCE = math.pi / 2  # n·Var(median of n draws)/sigma², normal noise, large n
# k -> (b_k, v_k): mean and k·variance of the mean of the fastest k - ceil(k/4) of k N(0, 1) draws
CANDIDATE_CONSTANTS: dict[int, tuple[float, float]] = {
    1: (0.0, 1.0),
    2: (-0.5642, 1.3634),  # the minimum of two: -1/sqrt(pi), 2(1 - 1/pi)
    3: (-0.4231, 1.1696),
    4: (-0.3431, 1.1071),
    5: (-0.5527, 1.2261),
    6: (-0.4772, 1.1674),
    7: (-0.4219, 1.1311),
    8: (-0.3793, 1.1077),
    9: (-0.4982, 1.1684),
    10: (-0.4565, 1.1433),
}
MAX_RECENT = max(CANDIDATE_CONSTANTS)


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"  # only the latest run is slow: a single excursion
    INSUFFICIENT = "insufficient"  # too little comparable history: warn only
    SKIPPED = "skipped"  # the latest run did not succeed: its time means nothing
    REGRESSION = "regression"


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """The gate's settings: which runs it compares and what it takes to fail."""

    window: int = 40
    recent: int = 5  # the longest candidate window; the history ends before it
    short: int = 3  # a shorter candidate window also checked, so a big slowdown fails sooner
    min_history: int = 20
    min_z: float = 3.1  # standard errors of the comparison
    min_ratio: float = 1.2
    min_delta: float = 2.0  # seconds
    spread_floor: float = 0.05  # per-run sigma of ln(wall) assumed at least this (~5%)

    def __post_init__(self) -> None:
        if min(self.window, self.recent, self.short, self.min_history) < 1:
            raise ValueError("window, recent, short and min_history must be at least 1")
        if self.recent > MAX_RECENT:
            raise ValueError(f"recent cannot exceed {MAX_RECENT}")
        if self.min_history > self.window:
            raise ValueError("min_history cannot exceed window")
        if min(self.min_z, self.min_ratio, self.min_delta, self.spread_floor) < 0:
            raise ValueError("thresholds cannot be negative")

    @property
    def windows(self) -> tuple[int, ...]:
        """The candidate windows scored, shortest first: ``short`` (if shorter) and ``recent``."""
        return (self.short, self.recent) if self.short < self.recent else (self.recent,)


class Verdict(NamedTuple):
    session: str
    status: Status
    baseline: float | None  # wall seconds: e^median ln(wall) of the history
    candidate: float | None  # wall seconds: the robust recent location e^c
    ratio: float | None
    z: float | None  # standard errors of the comparison
    n_history: int  # comparable successful runs before the candidate runs
    message: str
    cpu_baseline: float | None = None  # median user+sys seconds, same runs as the wall figures
    cpu_candidate: float | None = None


class History(NamedTuple):
    """The baseline of one session: location and spread of ln(wall) over ``n`` runs."""

    location: float
    spread: float  # 1.4826·MAD, before the floor
    n: int


class Score(NamedTuple):
    candidate: float  # seconds
    ratio: float
    z: float
    delta: float  # seconds


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


def log_wall(wall: float) -> float:
    """ln of a wall time, clamped to [MIN_WALL, MAX_WALL] (a 0 s run has a time, just a tiny one)."""
    return math.log(min(max(wall, MIN_WALL), MAX_WALL))


def history(logs: Sequence[float]) -> History:
    """Median and 1.4826·MAD of the history's log wall times."""
    location = median(logs)
    return History(location, MAD_TO_SIGMA * median(abs(y - location) for y in logs), len(logs))


def kept(k: int) -> int:
    """How many of the ``k`` recent runs the candidate averages: all but the slowest ceil(k/4)."""
    return k - (k + 3) // 4 if k > 1 else 1


def score(base: History, logs: Sequence[float], spread_floor: float) -> Score:
    """Compare the robust location of the recent log wall times ``logs`` with the history."""
    k = len(logs)
    bias, variance = CANDIDATE_CONSTANTS[k]
    location = math.fsum(sorted(logs)[: kept(k)]) / kept(k) - bias * base.spread
    shift = location - base.location
    error = max(base.spread, spread_floor) * math.sqrt(variance / k + MEDIAN_VARIANCE / base.n)
    z = shift / error if error > 0 else math.copysign(math.inf, shift) if shift else 0.0
    candidate = math.exp(location)
    return Score(candidate, math.exp(shift), z, candidate - math.exp(base.location))


class Decision(NamedTuple):
    """What the gate makes of one comparable series (``walls``, oldest first)."""

    status: Status  # REGRESSION, WARN, OK or INSUFFICIENT
    base: History | None
    result: Score | None  # the window that failed, else the longest one
    runs: int  # how many recent runs ``result`` covers
    n_history: int
    latest: Score | None = None  # the latest run alone (what WARN is about)


def decide(walls: Sequence[float], limits: Thresholds) -> Decision:
    """The gate on one series of comparable wall times (pure; the benchmark calls exactly this).

    The history is the ``window`` runs before the last ``recent``; each candidate window
    (``limits.windows``: the last 3 and the last 5 runs by default) is scored against it, and
    the first that passes all three thresholds fails the series.
    """
    logs = [log_wall(wall) for wall in walls]
    past = logs[: -limits.recent][-limits.window :]
    if len(past) < limits.min_history:
        return Decision(Status.INSUFFICIENT, None, None, 0, len(past))
    base = history(past)
    result, runs = None, 0
    for runs in limits.windows:
        result = score(base, logs[-runs:], limits.spread_floor)
        if _slow(result, limits):
            return Decision(Status.REGRESSION, base, result, runs, len(past))
    assert result is not None  # limits.windows is never empty
    alone = score(base, logs[-1:], limits.spread_floor)
    status = Status.WARN if _slow(alone, limits) else Status.OK
    return Decision(status, base, result, runs, len(past), alone)


def _verdict(name: str, runs: list[SessionRecord], limits: Thresholds) -> Verdict:
    latest = runs[-1]
    if latest.status != "success":
        return Verdict(name, Status.SKIPPED, None, None, None, None, 0, f"latest run {latest.status}")
    series = [run for run in runs if same_series(latest, run)]
    decision = decide([run.wall_s for run in series], limits)
    if decision.base is None or decision.result is None:
        need = limits.min_history + limits.recent
        message = f"{len(series)} comparable runs on this machine and definition; gating needs {need}"
        return Verdict(name, Status.INSUFFICIENT, None, None, None, None, decision.n_history, message)
    result = decision.result
    if decision.status is Status.REGRESSION:
        message = f"{result.ratio:.2f}x slower over the last {decision.runs} runs (+{result.delta:.1f} s)"
    elif decision.status is Status.WARN and decision.latest is not None:
        message = f"latest run {decision.latest.ratio:.2f}x slower; not yet persistent"
    else:
        message = ""
    past, recent = series[: -limits.recent][-limits.window :], series[-limits.recent :]
    cpu = _cpu_medians(past, recent)
    baseline = math.exp(decision.base.location)
    return Verdict(
        name,
        decision.status,
        baseline,
        result.candidate,
        result.ratio,
        result.z,
        decision.n_history,
        message,
        *cpu,
    )


def _slow(result: Score, limits: Thresholds) -> bool:
    return result.z > limits.min_z and result.ratio > limits.min_ratio and result.delta > limits.min_delta


def _cpu_medians(past: list[SessionRecord], recent: list[SessionRecord]) -> tuple[float | None, float | None]:
    def cpu(runs: list[SessionRecord]) -> float | None:
        values = [run.cpu_s for run in runs if run.cpu_s is not None]
        return median(values) if values else None

    return cpu(past), cpu(recent)


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
