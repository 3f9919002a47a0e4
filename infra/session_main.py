"""The body of every planned nox session: run it, print its block, record it, report to nox."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import nox
import nox.command

from infra import (
    changes,
    execute,
    fingerprint,
    handoff,
    invocation,
    ledger,
    lifetime,
    project,
    results,
    state,
    triggers,
    wire,
)
from infra import run as run_mod
from infra.errors import FatalError
from infra.results import SessionResult, Status


def parse_posargs(posargs: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -t prepush --", add_help=False, exit_on_error=False)
    parser.add_argument("--all-files", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--timeout", type=float)
    try:
        args, unknown = parser.parse_known_args(posargs)
    except argparse.ArgumentError as exc:
        raise FatalError(f"nox posargs: {exc}; use --all-files, --full, --timeout SECONDS") from None
    if unknown:
        raise FatalError(
            f"nox posargs: unknown {' '.join(unknown)}; use --all-files, --full, --timeout SECONDS"
        )
    return args


def wants_all_files(flag: bool, environ: Mapping[str, str]) -> bool:
    """``--all-files``, or CI outside a pre-push (CI checks everything)."""
    return flag or (fingerprint.is_ci(environ) and not environ.get("PRE_COMMIT_FROM_REF"))


@functools.cache
def load_project(root: Path) -> project.Project:
    """One plan per process: with ``-j 1`` nox runs every session in the same process."""
    return project.load(root, environ=dict(os.environ))


def _options(posargs: list[str], root: Path) -> execute.Options:
    args = parse_posargs(posargs)
    unkept = state.unwritable(root.resolve()) is not None  # selection data would not survive: run full
    return execute.Options(
        all_files=wants_all_files(args.all_files, os.environ),
        full=args.full or fingerprint.is_ci(os.environ) or unkept,
        run_id=ledger.new_run_id(),
        timeout=args.timeout,
    )


def run(session: nox.Session, root: Path, names: Sequence[str]) -> None:
    """Run planned sessions (one, or a batch of short ones) in this nox session, one block each."""
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):  # else the noxfile's handler stands
        signal.signal(signal.SIGTERM, run_mod.interrupt)
    if invocation.parse(sys.argv).worker:  # a nox child: stop (SIGTERM, our handler) if nox dies
        parent = os.environ.get(run_mod.PARENT_ENV, "")
        lifetime.watch_parent(int(parent) if parent.isdigit() else None)
    try:
        handed = handoff.load(root, os.environ.get(ledger.RUN_ID_ENV))
        proj = handed.project if handed else load_project(root)
        options = _options(list(session.posargs), root)
    except FatalError as exc:
        session.error(str(exc))
    failed: list[str] = []
    statuses = set()
    for name in names:
        started = time.time()
        try:
            result = execute.run_session(
                proj,
                name,
                options,
                os.environ,
                handed.change if handed else None,
                handed.decided if handed else None,
            )
        except FatalError as exc:
            session.error(str(exc))
        for line in results.render_session(result):
            print(line, flush=True)
        _finish(proj, name, result, started)
        statuses.add(result.status)
        if result.status is Status.FAILED:
            hooks = [h.key for h in result.hooks if h.status is Status.FAILED]
            failed.extend(hooks or [f"{name} (session timed out)"])
    if failed:
        raise nox.command.CommandFailed(f"failed hooks: {', '.join(failed)}")
    if statuses == {Status.SKIPPED}:
        session.skip("no member hook to run for these changes")


def settle_idle(
    root: Path,
    name: str,
    posargs: list[str],
    change: changes.ChangeSet,
    decided: Mapping[str, triggers.Trigger],
) -> None:
    """A session with nothing to run for this push, settled in nox's parent process: its hooks are
    reported skipped (with why) and recorded, without a child nox process for it."""
    proj = load_project(root)
    started = time.time()
    result = execute.run_session(proj, name, _options(posargs, root), os.environ, change, decided)
    assert result.status is Status.SKIPPED, f"{name} has work: it must run as a nox session"
    print(f"session {name}: skipped, no hook to run for this push ({result.changes})", flush=True)
    _finish(proj, name, result, started)


def _finish(proj: project.Project, name: str, result: SessionResult, started: float) -> None:
    results.write(proj.root, result)
    _record(proj, name, result, started)


@functools.cache
def _machine_and_git(root: Path) -> tuple[fingerprint.Machine, fingerprint.GitState]:
    """Once per process: the parent settles idle sessions in a row, with one answer for all."""
    return fingerprint.machine(), fingerprint.git_state(root, None)


def _record(proj: project.Project, name: str, result: SessionResult, started: float) -> None:
    machine, git = _machine_and_git(proj.root)
    status = {"passed": "success", "failed": "failed", "skipped": "skipped"}[result.status.value]
    record = ledger.SessionRecord(
        run_id=result.run_id,
        session=name,
        definition_hash=proj.plan.session(name).definition_hash(),
        started_at=ledger.utc_iso(started),
        ended_at=ledger.utc_iso(),
        commit=git.commit,
        branch=git.branch,
        dirty=git.dirty,
        merge_base=git.merge_base,
        machine=machine.hash,
        machine_info=machine.info,
        ci=fingerprint.ci(os.environ),
        hooks_run=[h.key for h in result.hooks if h.status is not Status.SKIPPED],
        hooks_skipped=[h.key for h in result.hooks if h.status is Status.SKIPPED],
        hooks_failed=[h.key for h in result.hooks if h.status is Status.FAILED],
        status="timeout" if result.timed_out else status,
        exit_code=1 if result.status is Status.FAILED else 0,
        wall_s=result.wall_s,
        cpu_s=result.cpu_s,
        peak_rss_mb=result.peak_rss_mb,
        tests_selected=result.tests.selected,
        tests_run=result.tests.selected,
        tests_failed=result.tests.failed,
        selection_mode=result.tests.mode,
        parallelism={
            "jobs": int(os.environ.get(wire.JOBS, "1")),
            "xdist_workers": result.tests.workers,
            "longest_step_s": round(result.tests.longest_s, 3),
        },
    )
    with state.best_effort(f"{proj.settings.ledger}: timing record", proj.root):
        ledger.append(proj.settings.ledger, record)
