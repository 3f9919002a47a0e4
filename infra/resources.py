"""How many sessions to run at once, in which order, and how many xdist workers each may use.

Job count: one per usable core (``sched_getaffinity``), capped by available memory at
``MEMORY_PER_JOB`` each and by the number of sessions. Order: longest first (LPT), from the
median of each session's recent wall times in the ledger (its tail only: this runs at every
noxfile import), else from a static estimate of the session's work. Folding: recorded sessions
share one child per job, balanced by their records (``fold``).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra import wire

if TYPE_CHECKING:
    from infra.plan import Session

MEMORY_PER_JOB = 768 * 1024 * 1024
TAIL_BYTES = 512 * 1024
JOBS_ENV = wire.JOBS
LONG_POLE_ENV = wire.LONG_POLE
XDIST_SECONDS_PER_WORKER = 10.0
CHILD_S = 0.25  # one child nox: python, nox, the noxfile (measured 0.2-0.25 s on 2 cores)


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def available_memory() -> int:
    import psutil

    return int(psutil.virtual_memory().available)


def job_count(sessions: int, *, cpus: int | None = None, memory: int | None = None) -> int:
    cpus = cpu_count() if cpus is None else cpus
    memory = available_memory() if memory is None else memory
    jobs = max(1, min(cpus, memory // MEMORY_PER_JOB, max(sessions, 1)))
    os.environ.setdefault(JOBS_ENV, str(jobs))
    return jobs


def xdist_workers(work_s: float | None, *, jobs: int, cpus: int | None = None) -> int:
    """Workers for one pytest run: 0 (no xdist) unless the work clearly pays for worker start-up.

    Each worker re-collects the suite and pays the conftest start-up again (seconds on a real
    project), so xdist needs ``XDIST_SECONDS_PER_WORKER`` of recorded test time per worker; the
    cores are shared with the other ``jobs`` sessions nox runs at once, so never more than
    ``cpus // jobs`` workers (no oversubscription).
    """
    cpus = cpu_count() if cpus is None else cpus
    spare = cpus // max(1, jobs)
    if work_s is None or spare < 2:
        return 0
    workers = min(spare, int(work_s // XDIST_SECONDS_PER_WORKER))
    return workers if workers >= 2 else 0


def long_pole(durations: Mapping[str, float], busy: Sequence[str]) -> str | None:
    """The busy session that takes at least twice as long as any other (recorded): once the
    others end it has the machine to itself, so it may use every core (xdist) from the start."""
    times = sorted(((durations.get(name, 0.0), name) for name in busy), reverse=True)
    if not times or times[0][0] <= 0:
        return None
    return times[0][1] if len(times) == 1 or times[0][0] >= 2 * times[1][0] else None


def jobs_from_env(session: str | None = None) -> int:
    """How many sessions nox runs at once, as the parent's noxfile import decided it (1 for the
    long pole, ``INFRA_LONG_POLE``: it outlives the others)."""
    if session is not None and os.environ.get(LONG_POLE_ENV) == session:
        return 1
    try:
        return max(1, int(os.environ.get(JOBS_ENV, "1")))
    except ValueError:
        return 1


def estimate(session: Session) -> float:
    """Seconds a session may take when nothing has been recorded yet (for ordering only)."""
    from infra.plan import Runner  # not at import: parallel children load this module

    groups = {m.pytest_group for m in session.members if m.runner is Runner.PYTEST}
    alone = sum(1 for m in session.members if m.runner is not Runner.PYTEST)
    return 3.0 * len(groups) + 0.3 * alone


def recorded_durations(root: Path, running: Mapping[str, frozenset[str]] | None = None) -> dict[str, float]:
    """Median wall seconds per session over the ledger's recent records.

    With ``running`` (session -> the hook keys that run on this push), a session's median comes
    from the records in which exactly those hooks ran, when there are any: a full run and a
    one-file push of the same session differ by an order of magnitude, and a history of mostly
    small pushes must not make a full run's sessions look short.
    """
    from infra import state

    path = state.ledger_path(root)
    try:
        with path.open("rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return {}  # a device named as the ledger holds no records
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read().decode("utf-8", "replace").splitlines()[1 if size > TAIL_BYTES else 0 :]
    except OSError:
        return {}
    running = running or {}
    walls: dict[str, list[float]] = {}
    same: dict[str, list[float]] = {}
    for line in tail:
        try:
            rec = json.loads(line)
            if rec.get("status") in ("success", "failed"):
                name, wall = str(rec["session"]), float(rec["wall_s"])
                walls.setdefault(name, []).append(wall)
                if name in running and frozenset(rec.get("hooks_run") or ()) == running[name]:
                    same.setdefault(name, []).append(wall)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    import statistics

    return {name: statistics.median(same.get(name, values)[-10:]) for name, values in walls.items()}


def longest_first(planned: Sequence[dict[str, Any]], durations: Mapping[str, float]) -> list[dict[str, Any]]:
    return sorted(planned, key=lambda e: (-durations.get(e["name"], e["estimate_s"]), e["name"]))


def fold(
    ordered: Sequence[str], durations: Mapping[str, float], *, jobs: int
) -> tuple[list[str], list[list[str]]]:
    """Split sessions into those nox runs on their own and batches run one after another in one child.

    Under ``-j`` every session pays a child nox (python, nox, the noxfile: ~0.25 s of CPU on the
    cores the sessions share) whatever its size: on the example's full push, eleven children were
    a fifth of the push's CPU. Recorded sessions are dealt longest first, each to the batch with
    the least recorded time so far, into ``jobs`` batches (LPT scheduling: within 4/3 of the best
    split, and the longest session usually alone); nox then starts about ``jobs`` children. A
    session with no record yet runs alone (nox balances what nothing predicts), and a batch of one
    is just that session. Returns ``(alone, batches)``, both in ``ordered``'s order.
    """
    known = [n for n in ordered if n in durations]
    if jobs < 2 or len(known) <= jobs:
        return list(ordered), []
    bins: list[list[str]] = [[] for _ in range(jobs)]
    totals = [0.0] * jobs
    for name in sorted(known, key=lambda n: -durations[n]):
        lightest = totals.index(min(totals))
        bins[lightest].append(name)
        totals[lightest] += durations[name]
    batches = [[n for n in ordered if n in b] for b in bins if len(b) > 1]
    folded = {n for b in batches for n in b}
    return [n for n in ordered if n not in folded], batches


def worth_children(names: Sequence[str], durations: Mapping[str, float], *, child_s: float = CHILD_S) -> bool:
    """Whether parallel children pay: False when every session but the longest is recorded to take
    less, together, than one child nox costs (nox then runs them all in-process, ``-j 1``)."""
    if len(names) <= 1:
        return False
    if any(n not in durations for n in names):
        return True
    return sum(sorted(durations[n] for n in names)[:-1]) >= child_s
