"""Run the pytest hooks of one session that can share a process, and give each its verdict.

Members of a group (same effective pytest configuration, ``infra.plan``) first have their
wrappers checked (``infra.wrappers``): hooks whose wrapper fails, or leads elsewhere, are
handed back to run as written. The rest run as one pytest process per distinct wrapper
effect (directory and environment), targets unioned, node ids kept precise; a test or
collection error is attributed to the hooks whose targets own it (``infra.attribution``).

pre-commit's checks around a hook hold here too: a tracked file the tests left modified
fails the hooks whose tests wrote it (every hook of the process when no test is known to
have written it), naming the file. A merged run that pytest aborts is handled as pre-commit
would see each hook (``infra.pytest_abort``): node ids or files that no longer exist fail the
hooks naming them and the others run again together; any other abort re-runs each hook alone.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from infra import (
    attribution,
    modified,
    pytest_abort,
    pytest_verdicts,
    reads,
    resources,
    run,
    selection,
    warm,
    wire,
    wrappers,
)
from infra.plan import Member
from infra.results import HookResult, Status

if TYPE_CHECKING:
    from infra import triggers
    from infra.outcome import Ctx, Outcome

SPLIT_S = 30.0  # a hook's recorded test time that pays for a pytest process of its own ...
SPLIT_REST_S = 10.0  # ... when the rest of its group would wait at least this long behind it


class Group(NamedTuple):
    key: str
    members: tuple[Member, ...]


def union_targets(target_lists: Sequence[Sequence[str]]) -> list[str]:
    """Deduplicated, in order; a node id inside a file or directory that is itself a target goes."""
    flat = list(dict.fromkeys(t for targets in target_lists for t in targets))
    return [t for t in flat if not any(o != t and attribution.owns(o, t) for o in flat)]


def run_all(
    ctx: Ctx, groups: Sequence[Group], decided: Mapping[str, triggers.Trigger], outcome: Outcome
) -> list[Member]:
    """Run a session's pytest groups; returns the members to run as written instead.

    A hook whose recorded tests take most of its group's time (a test that runs the whole
    suite in a subprocess, say) would keep every other hook of the group waiting in the same
    process: when this session has the cores to itself (the long pole, or alone), that hook
    gets a pytest process of its own, started first, beside the rest. Each process is a plain
    pytest run, as pre-commit's own are (unlike xdist, which tests can detect).
    """
    split = [part for g in groups for part in _split_long(ctx, g, decided)]
    if len(split) < 2 or len(split) == len(groups):
        return [m for g in groups for m in run_group(ctx, g, decided, outcome)]
    forks = [outcome.fork() for _ in split]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(split), resources.cpu_count())) as pool:
        done = list(
            pool.map(lambda gf: run_group(ctx, gf[0], decided, gf[1]), zip(split, forks, strict=True))
        )
    for fork in forks:
        outcome.merge(fork)
    outcome.tree_changes(ctx.root)  # what the parallel processes changed is charged already
    return [m for part in done for m in part]


def _split_long(ctx: Ctx, group: Group, decided: Mapping[str, triggers.Trigger]) -> list[Group]:
    """``group``, or its longest hook alone (first) and the rest, when that pays (see ``run_all``)."""
    if len(group.members) < 2 or resources.cpu_count() < 2 or resources.jobs_from_env(ctx.session.name) > 1:
        return [group]
    durations = selection.recorded_durations(ctx.project, ctx.session)  # read once for every member
    work = {
        m.hook.key: selection.recorded_work(
            ctx.project, ctx.session, m.repo_targets(decided[m.hook.key].filenames), durations
        )
        or 0.0
        for m in group.members
    }
    longest = max(group.members, key=lambda m: work[m.hook.key])
    rest = sum(w for key, w in work.items() if key != longest.hook.key)
    if work[longest.hook.key] < SPLIT_S or rest < SPLIT_REST_S:
        return [group]
    alone = Group(f"{group.key}; alone: {longest.hook.key}", (longest,))
    return [alone, Group(group.key, tuple(m for m in group.members if m is not longest))]


def run_group(
    ctx: Ctx, group: Group, decided: Mapping[str, triggers.Trigger], outcome: Outcome
) -> list[Member]:
    """Run the group; returns the members to run as written instead (their wrapper said so)."""
    by_effect: dict[str, tuple[wrappers.Effect, list[Member]]] = {}
    as_written: list[Member] = []
    probes: dict[tuple[str, ...], wrappers.Effect] = {}
    for m in group.members:
        call = m.classified.pytest
        assert call is not None and m.hook.entry is not None
        argv = [*shlex.split(m.hook.entry), *m.hook.args]
        key = (call.prefix, *call.launcher, call.python, argv[0])
        if key not in probes:
            probes[key] = wrappers.effect(ctx.root, argv, call, ctx.env, ctx.remaining())
        found = probes[key]
        if found.as_written:
            print(f"hook {m.hook.key}: run as written: {found.as_written}", flush=True)
            as_written.append(m)
        else:
            by_effect.setdefault(found.key(), (found, []))[1].append(m)
    decision = selection.decide(ctx.project, ctx.session, group, ctx.change, decided, full=ctx.options.full)
    outcome.modes.append(decision)
    outcome.workers = max(outcome.workers, decision.workers)
    for found, members in by_effect.values():
        if decision.mode == selection.SKIP:
            _settle_without_pytest(members, outcome)
        else:
            _run_members(ctx, group.key, found, members, decided, decision, outcome)
    return as_written


def _settle_without_pytest(members: Sequence[Member], outcome: Outcome) -> None:
    """Every test these hooks own is known to be unaffected: they pass without a pytest process."""
    outcome.selected = outcome.selected or 0
    for m in members:
        outcome.add(
            HookResult(
                key=m.hook.key, id=m.hook.id, status=Status.PASSED, reason="no affected tests (testmon data)"
            )
        )


def _run_members(
    ctx: Ctx,
    group_key: str,
    found: wrappers.Effect,
    members: list[Member],
    decided: Mapping[str, triggers.Trigger],
    decision: selection.Decision,
    outcome: Outcome,
) -> None:
    written = {m.hook.key: m.pytest_targets(decided[m.hook.key].filenames) for m in members}
    targets = {m.hook.key: m.repo_targets(decided[m.hook.key].filenames) for m in members}
    report, result = _pytest(ctx, found, union_targets(list(written.values())), members, decision)
    missing = (
        pytest_abort.not_found(result.output, found.cwd, written) if pytest_abort.aborted(report) else {}
    )
    if missing:
        outcome.account(result)
        for m in members:
            if m.hook.key in missing:
                outcome.add(
                    pytest_verdicts.failed(m, f"pytest: not found: {', '.join(missing[m.hook.key])}", result)
                )
        outcome.show(result, failed=True)
        rest = [m for m in members if m.hook.key not in missing]
        for m in pytest_abort.broken(rest, targets, report):  # every target failed to collect: known already
            outcome.add(
                pytest_verdicts.failed(m, f"collection error in {', '.join(targets[m.hook.key])}", result)
            )
        rest = [m for m in rest if m.hook.key not in outcome.hooks]
        if rest:
            _run_members(ctx, group_key, found, rest, decided, decision, outcome)
        return
    if pytest_abort.aborted(report) and len(members) > 1:
        outcome.account(result)
        for m in members:
            _run_members(ctx, group_key, found, [m], decided, decision, outcome)
        return
    _attribute(ctx, group_key, members, targets, report, result, decision, outcome)


def _pytest(
    ctx: Ctx,
    found: wrappers.Effect,
    targets: Sequence[str],
    members: Sequence[Member],
    decision: selection.Decision,
) -> tuple[attribution.PytestReport | None, run.Result]:
    call = members[0].classified.pytest
    assert call is not None
    from infra import asyncmock_guard  # imports pytest: only where a pytest process starts

    guard_args, guard_env = asyncmock_guard.runner_options(
        ctx.root, ctx.session.name, full=decision.mode == "full"
    )
    if "infra.asyncmock_guard" in call.options:  # the hooks load it themselves
        guard_args = []
    with tempfile.TemporaryDirectory(prefix="infra-pytest-") as tmp:
        report_path = Path(tmp) / "report.json"
        args = [
            *targets,
            *call.options,
            "-p",
            "infra.pytest_report",
            *guard_args,
            "--continue-on-collection-errors",
            "--maxfail=0",  # an `-x` in addopts must not stop one hook's tests at another's failure
            "-q",
            "--tb=short",
            "-rfE",
            *decision.pytest_args,
        ]
        warm_path = warm.wanted(ctx.project.settings.warm, ctx.env)
        script = not call.python  # `pytest`, not `python -m pytest`: the cwd is not importable
        cmd = warm.command(sys.executable, args) if warm_path else warm.pytest_command(args, safe_path=script)
        env = {
            **found.env,
            **{k: v for k, v in ctx.env.items() if k.startswith((wire.PREFIX, "COVERAGE_"))},
            wire.PYTEST_REPORT: str(report_path),
            wire.REPO_ROOT: str(ctx.root),
            wire.SAFE_PATH: "1" if script else "0",
            **guard_env,
            **decision.env,
        }
        result = run.run(cmd, cwd=found.cwd, env=env, timeout=ctx.remaining())
        for line in warm.said(result.output) if warm_path else ():
            print(line, flush=True)
        report = pytest_verdicts.read_report(report_path)
    return report, result


def _attribute(
    ctx: Ctx,
    group_key: str,
    members: Sequence[Member],
    targets: Mapping[str, Sequence[str]],
    report: attribution.PytestReport | None,
    result: run.Result,
    decision: selection.Decision,
    outcome: Outcome,
) -> None:
    outcome.account(result)
    if report is not None and any("forked from warm process" in line for line in warm.said(result.output)):
        outcome.cpu_s += report.cpu_s  # the forked child is not in the client's process tree
    ended = time.time()
    changed = modified.written_during(ctx.root, outcome.tree_changes(ctx.root), ended - result.wall_s, ended)
    blamed = pytest_verdicts.modifiers(report, members, targets, changed)
    if report is not None:
        selection.remember_durations(ctx.project, ctx.session, report.durations)
        tracked = decision.env.get(selection.TRACK_ENV) != "0"
        if tracked and report.exitstatus in (0, 1, 5):  # a complete run: its read records are trustworthy
            path = selection.reads_file(ctx.project, ctx.session, group_key)
            reads.remember(
                path,
                ctx.root,
                reads.Run(
                    report.reads,
                    report.outside,
                    report.readers,
                    report.rootdir,
                    report.collect_errors,
                    complete=decision.mode == "full",
                ),
            )
        outcome.selected = (outcome.selected or 0) + len(report.tests)
        outcome.longest_s = max([outcome.longest_s, *report.durations.values()])
        outcome.deselected += report.deselected
        outcome.failed_tests += sum(o == "failed" for o in report.tests.values())
    verdicts = [pytest_verdicts.verdict(m, targets[m.hook.key], report, result, decision) for m in members]
    for v in verdicts:
        outcome.charge(v, blamed.get(v.key, {}))
    failed = bool(blamed) or any(v.status is Status.FAILED for v in verdicts)
    outcome.show(result, failed=failed)
    if failed:
        _keep_log(ctx, result)


def _keep_log(ctx: Ctx, result: run.Result) -> None:
    """A failing pytest process's whole output, kept with the run's verdicts (best effort)."""
    from infra import state

    path = state.run_dir(ctx.root, ctx.options.run_id) / f"{state.safe_name(ctx.session.name)}.pytest.log"
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"$ {shlex.join(result.cmd)}\n{result.output}\n")
