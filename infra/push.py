"""The nox parent of a push: plan it once, settle what has nothing to do, hand the rest on, sum up.

A push is ``nox -t prepush``. nox imports the noxfile, and when ``infra.invocation`` says this
process is the parent of a prepush run, ``infra.sessions.register()`` asks this module which
sessions nox should run, in which order, with how many jobs (``prepare``). Only such a parent
finds the change set, decides every hook's trigger (``execute.decide_all``, the one
producer of triggers), writes the hand-off its children load (``infra.handoff``), settles idle
sessions itself and, at exit, prints every hook's verdict and tidies the state directory
(``print_summary``). Nothing happens when this module is imported, and nothing is planned
for ``nox --list``, ``nox -s NAME`` or a parallel child (a child only reads the batches its
parent folded, and every process takes SIGTERM as ^C): a broken config is an error only when
a prepush session runs.

This work cannot wait for a session to start: nox builds its manifest (and honours ``-j``) from
what the noxfile registered, so the parent must know the busy sessions, their order and the
batches of short ones while the noxfile is imported.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import nox

from infra import resources, state, wire
from infra.errors import FatalError
from infra.invocation import TAG
from infra.ledger import RUN_ID_ENV

if TYPE_CHECKING:
    from infra.project import Project
    from infra.triggers import Trigger

BATCH = "quick"  # the nox session that runs a batch of short sessions in one child


# --- signals and the summary ----------------------------------------------------------------------

_INTERRUPTED: list[int] = []  # signals the parent received: its summary says the run was cut short
_EXPECTED: dict[str, frozenset[str]] = {}  # busy session -> the hooks that run: who did not finish


def _interrupt(signum: int, frame: FrameType | None) -> None:
    from infra import run  # stops running hook trees, raises KeyboardInterrupt (not mid-fork)

    _INTERRUPTED.append(signum)
    run.interrupt(signum, frame)


def sigterm_as_interrupt() -> None:
    """nox stops its parallel children on ^C but dies at once on SIGTERM, orphaning them:
    turn SIGTERM into ^C so one path (nox's own, then ours in each child) stops everything."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupt)  # the same KeyboardInterrupt, remembered
        atexit.register(_ignore_late_signals)  # runs before handlers registered earlier (coverage's)


def _ignore_late_signals() -> None:
    """At exit the work is done: a stop signal arriving now (the parent stopping a child that
    already finished) must not cut short what still runs at exit with a traceback."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def summarise_at_exit(root: Path, run_id: str) -> None:
    """Registered first: a run cut short while planning says so too."""
    atexit.register(print_summary, root, run_id)


def print_summary(root: Path, run_id: str) -> None:
    """After nox's own session summary: every original hook's verdict, in one place; then tidy
    up (old runs, what a killed run left, an oversized ledger)."""
    from infra import results

    _ignore_late_signals()  # the run is over: not the summary, nor the unstaged changes' restore
    found = results.read_run(root, run_id) if state.run_dir(root, run_id).is_dir() else []
    done = {h.key for r in found for h in r.hooks}
    unfinished = (
        sorted(k for keys in _EXPECTED.values() for k in keys if k not in done) if _INTERRUPTED else []
    )
    if found or _INTERRUPTED:
        lines = results.render_summary(found, interrupted=bool(_INTERRUPTED), unfinished=unfinished)
        with contextlib.suppress(BrokenPipeError):  # `nox ... | head`: the reader has gone
            print("\n".join(["infra summary:", *lines]), flush=True)
    tidy(root, run_id)


def _settle_ties(proj: Project, run_id: str, decided: Mapping[str, Trigger]) -> None:
    """Once every session has finished: who modified a file only timing could tell (``infra.ties``),
    the hooks a fixer's writes reach, run in pre-commit's order (``infra.fixer_order``), then the
    hooks pre-commit's ``fail_fast`` would not have run (``infra.fail_fast``)."""
    from infra import fail_fast, fixer_order, ties

    if _INTERRUPTED:
        return
    with contextlib.suppress(BrokenPipeError):
        for line in ties.resolve(proj, run_id, decided, os.environ):
            print(f"infra: {line}", flush=True)
        for line in fixer_order.replay(proj, run_id, decided, os.environ):
            print(f"infra: {line}", flush=True)
        for line in fail_fast.apply(proj, run_id):
            print(f"infra: {line}", flush=True)


def tidy(root: Path, run_id: str) -> None:
    from infra import ledger_ops, output, rundirs, session_main

    if not state.run_dir(root, run_id).is_dir():
        return  # stopped before it began (a config error, ^C while planning): nothing to tidy
    rundirs.end_run(root, run_id)
    if state.problem_found(root):
        return
    try:
        settings = session_main.load_project(root).settings
        rundirs.sweep_killed(root, live=run_id)
        rundirs.prune_runs(root, settings.keep_runs, live=run_id)
        compacted = ledger_ops.compact_if_large(settings.ledger)
    except (OSError, FatalError) as exc:
        output.warn(f"{state.root_dir(root)}: old runs not pruned ({exc}); they are removed next time")
        return
    if compacted is not None:
        output.write_line(f"{settings.ledger}: compacted to {compacted.kept} records (size policy)")


# --- planning the run -----------------------------------------------------------------------------


def settle_idle(
    root: Path, planned: list[dict[str, Any]], posargs: Sequence[str]
) -> dict[str, frozenset[str]]:
    """The sessions with work for this push, each with the hooks that run; settles the others here
    when more than one is busy.

    Every parallel session costs a child process (~0.2 s of CPU for nox and the noxfile) even
    when it only finds nothing to do: idle sessions are settled in this process (reported
    skipped, recorded) and not handed to nox, unless at most one session is busy (then nox runs
    them all in-process with ``-j 1``, where an idle session costs milliseconds). The plan, the
    change set and every hook's trigger are handed to the children (``infra.handoff``).
    """
    from infra import changes, execute, handoff, pushed, run, rundirs, session_main

    all_files = session_main.wants_all_files("--all-files" in posargs, os.environ)
    if not all_files:
        pushed.set_aside_unstaged(root)  # judge the pushed commits, not the working tree
    change = changes.find(root, os.environ, force_all=all_files)
    proj = session_main.load_project(root)
    decided = execute.decide_all(proj, os.environ, change)
    running = {
        s.name: frozenset(m.hook.key for m in s.members if decided[m.hook.key].runs)
        for s in proj.plan.sessions
    }
    busy = {name: keys for name, keys in running.items() if keys}
    run_id = os.environ[RUN_ID_ENV]
    state.check_run(root, proj.settings.ledger)  # one warning line when state cannot be kept
    rundirs.begin_run(root, run_id, busy)
    os.environ[run.PARENT_ENV] = str(os.getpid())  # children die with this process
    _EXPECTED.update(busy)
    handoff.write(root, run_id, handoff.Handoff(proj, change, decided, os.getpid()))
    atexit.register(handoff.remove, root, run_id)
    atexit.register(_settle_ties, proj, run_id, decided)  # before the summary and the unstaged restore
    if len(busy) > 1:
        for entry in planned:
            if entry["name"] not in busy:
                session_main.settle_idle(root, entry["name"], list(posargs), change, decided)
    return busy


def prepare(root: Path, planned: list[dict[str, Any]], posargs: Sequence[str]) -> list[dict[str, Any]]:
    """What nox runs for this push, longest first by what the same hooks took before; sizes ``-j``."""
    busy = settle_idle(root, planned, posargs)
    durations = resources.recorded_durations(root, busy)
    pole = resources.long_pole(durations, list(busy))
    if pole is not None:
        os.environ[resources.LONG_POLE_ENV] = pole  # its children may use every core (xdist)
    ordered = resources.longest_first(planned, durations)
    children = resources.worth_children(list(busy), durations)
    if children:
        jobs = nox.options.parallel if nox.options.parallel is not None else resources.job_count(len(busy))
        ordered = _fold([e for e in ordered if e["name"] in busy], durations, jobs)
    elif len(busy) > 1:
        ordered = [e for e in ordered if e["name"] in busy]  # the rest can't pay for a child: in-process
    if nox.options.parallel is None and "NOX_PARALLEL" not in os.environ:
        nox.options.parallel = resources.job_count(len(ordered) if children else 1)
    return ordered


def _fold(ordered: list[dict[str, Any]], durations: dict[str, float], jobs: int) -> list[dict[str, Any]]:
    """Busy sessions run together, one batch per job (``resources.fold``); the batches reach the
    children through ``INFRA_BATCHES``. Returns nox's sessions, longest first."""
    alone, batches = resources.fold([e["name"] for e in ordered], durations, jobs=jobs)
    os.environ[wire.BATCHES] = json.dumps(batches)
    kept = [e for e in ordered if e["name"] in alone]
    return resources.longest_first([*kept, *batch_entries(batches, durations)], durations)


def batch_entries(batches: list[list[str]], durations: dict[str, float]) -> list[dict[str, Any]]:
    """The nox sessions (``quick``, ``quick-2``, ...) that each run one batch of short sessions."""
    return [
        {
            "name": BATCH if i == 0 else f"{BATCH}-{i + 1}",
            "tags": [TAG],
            "estimate_s": sum(durations.get(n, 0.0) for n in names),
            "members": names,
        }
        for i, names in enumerate(batches)
    ]


def inherited_batches() -> list[list[str]]:
    """In a child: the batches its parent folded (``INFRA_BATCHES``), or none when unreadable."""
    try:
        batches = json.loads(os.environ.get(wire.BATCHES) or "[]")
    except ValueError:
        return []
    ok = isinstance(batches, list) and all(
        isinstance(b, list) and all(isinstance(n, str) for n in b) for b in batches
    )
    return batches if ok else []
