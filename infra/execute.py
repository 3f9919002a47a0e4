"""Run one planned session: gate its hooks by the changed files, run them, attribute results.

- pytest members with the same configuration run as one pytest process (``infra.pytest_group``).
- direct members run as pre-commit runs them: ``entry + args + filenames``, partitioned by
  pre-commit's own ``xargs.partition``; a missing executable fails the hook as it does there.
- pre-commit members (remote, meta, other languages) run through one ``pre-commit run`` over a
  temporary config holding just them, fed the same file list (``--files``, so nothing is stashed).

Around every hook we run ourselves, pre-commit's own check: a hook that leaves the tree
modified (``git diff`` changed, ``infra.modified``) fails, naming the files. Each charge keeps
its evidence until the session's hooks have all run; then sessions running side by side settle
who wrote a file they all saw change (``infra.claims``).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from infra import changes, claims, inputs, modified, pytest_group, run, suite, triggers
from infra.outcome import Ctx, Options, Outcome

__all__ = ["Options", "decide_all", "rerun_writes", "run_session"]  # Options: callers say execute.Options
from infra.plan import Member, Runner, Session
from infra.project import Project
from infra.results import HookResult, SessionResult, Status


def decide_all(
    project: Project,
    environ: Mapping[str, str],
    change: changes.ChangeSet,
    members: Iterable[Member] | None = None,
) -> dict[str, triggers.Trigger]:
    """The trigger of every planned hook (or of ``members``) for this push (cheap: no process)."""
    classifier = triggers.Classifier(
        project.root, change.filenames, project.config.files, project.config.exclude
    )
    skips = triggers.skips_from_env(environ)
    chosen = members if members is not None else (m for s in project.plan.sessions for m in s.members)
    return {m.hook.key: triggers.decide(classifier, m.hook, skips) for m in chosen}


def run_session(
    project: Project,
    name: str,
    options: Options,
    environ: Mapping[str, str],
    change: changes.ChangeSet | None = None,
    decided: Mapping[str, triggers.Trigger] | None = None,
) -> SessionResult:
    """Run one planned session (``change``, ``decided``: the push's change set and triggers, when
    already known: the nox parent hands them to its children)."""
    start = time.monotonic()
    session = project.plan.session(name)
    change = change or changes.find(project.root, environ, force_all=options.all_files)
    timeout = options.timeout or project.settings.session_timeout
    env = _child_env(environ)
    ctx = Ctx(project, session, change, options, start + timeout, env)
    if decided is None:
        decided = decide_all(project, environ, change, session.members)
    outcome = Outcome()
    own = [m for m in session.members if m.runner is not Runner.HOST and decided[m.hook.key].runs]
    if own:
        claims.begin(project.root, options.run_id, name)
        outcome.tree = outcome.start = modified.snapshot(project.root)
    try:
        groups, as_written = _pytest_groups(project.root, session, decided)
        as_written += pytest_group.run_all(ctx, groups, decided, outcome)
        for member in session.members:
            trig = decided[member.hook.key]
            if (member.runner is Runner.DIRECT or member in as_written) and trig.runs:
                _run_direct(ctx, member, trig, outcome)
    except BaseException:  # ^C, a stop: say "nothing" so no other session waits on this one
        if own:
            claims.publish(project.root, options.run_id, name, {})
        raise
    if own:
        outcome.settle(ctx)
    delegated = [m for m in session.members if m.runner is Runner.HOST and decided[m.hook.key].runs]
    if delegated:
        _run_pre_commit(ctx, delegated, outcome)
    hooks = tuple(outcome.hooks.get(m.hook.key) or _skipped(m, decided[m.hook.key]) for m in session.members)
    return SessionResult(
        session=name,
        run_id=options.run_id,
        hooks=hooks,
        wall_s=time.monotonic() - start,
        cpu_s=outcome.cpu_s,
        peak_rss_mb=outcome.peak_rss_mb,
        changes=change.source,
        tests=outcome.counts(),
        timed_out=ctx.expired(),
    )


def _child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """A hook's environment: ``PRE_COMMIT=1`` as pre-commit (and prek) set it for every hook (a
    test may skip itself on it), and this interpreter's ``bin/`` first on ``PATH``."""
    env = {**environ, "PRE_COMMIT": "1"}
    bindir = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != bindir:
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def _skipped(member: Member, trig: triggers.Trigger) -> HookResult:
    return HookResult(key=member.hook.key, id=member.hook.id, status=Status.SKIPPED, reason=trig.why.value)


def _failed(member: Member, reason: str, **kw: object) -> HookResult:
    return HookResult(key=member.hook.key, id=member.hook.id, status=Status.FAILED, reason=reason, **kw)  # type: ignore[arg-type]


# --- direct ---------------------------------------------------------------------------------------


def _digest(root: Path, names: Sequence[str]) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = hashlib.sha1((root / name).read_bytes()).hexdigest()
        except OSError:
            out[name] = ""
    return out


def _pytest_groups(
    root: Path, session: Session, decided: Mapping[str, triggers.Trigger]
) -> tuple[list[pytest_group.Group], list[Member]]:
    """The session's pytest hooks by shared configuration, and those to run as written.

    A hook whose test modules change process-wide state at import runs in a process of its
    own, as under pre-commit; when pre-commit would also split its files across several
    processes (``pass_filenames``, xargs), it runs as written, split the same way."""
    groups: dict[str, list[Member]] = {}
    for m in session.members:
        if m.runner is Runner.PYTEST and decided[m.hook.key].runs and m.pytest_group is not None:
            groups.setdefault(m.pytest_group, []).append(m)
    out: dict[str, list[Member]] = {}
    as_written: list[Member] = []
    parsed: dict[str, bool] = {}  # hooks' targets overlap: each module is parsed once

    def shares(rel: str) -> bool:
        if rel not in parsed:
            parsed[rel] = inputs.changes_shared_state(_source(root / rel))
        return parsed[rel]

    for key, members in groups.items():
        targets = {m.hook.key: m.repo_targets(decided[m.hook.key].filenames) for m in members}
        for m in members:
            others = [t for o in members if o is not m for t in targets[o.hook.key]]
            sharing = [rel for rel in _test_modules(root, targets[m.hook.key]) if shares(rel)]
            files = decided[m.hook.key].filenames if m.hook.pass_filenames else ()
            if sharing and len(_partitions(_command(root, m), files, m)) > 1:
                as_written.append(m)
                continue
            alone = bool(others) and any(_reaches_only_some(rel, others) for rel in sharing)
            out.setdefault(f"{key}; alone: {m.hook.key}" if alone else key, []).append(m)
    return [pytest_group.Group(k, tuple(v)) for k, v in out.items()], as_written


def _reaches_only_some(rel: str, others: Sequence[str]) -> bool:
    """A test module is this hook's own; a conftest is loaded for the other hooks too when
    every target of theirs lies in its directory (then merging changes nothing)."""
    if not rel.endswith("/conftest.py") and rel != "conftest.py":
        return True
    directory = rel.rpartition("/")[0]
    return any(directory and not (t.partition("::")[0] + "/").startswith(directory + "/") for t in others)


def _source(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _test_modules(root: Path, targets: Sequence[str]) -> list[str]:
    """The test modules and conftest files a hook's targets name or hold (repository-relative)."""
    found: set[str] = set()
    for target in targets:
        path = root / target.partition("::")[0]
        if path.is_file() and path.suffix == ".py":
            found.add(path.relative_to(root).as_posix())
        elif path.is_dir():
            for file in suite.python_files(path):
                rel = file.relative_to(root).as_posix()
                if (suite.is_test_file(file) or file.name == "conftest.py") and inputs.is_input(
                    str(root), rel
                ):
                    found.add(rel)
    return sorted(found)


def _partitions(cmd: Sequence[str], files: Sequence[str], member: Member) -> tuple[tuple[str, ...], ...]:
    """The command lines pre-commit runs for a hook: its files shuffled (fixed seed) and split
    over as many processes as it has CPUs, unless ``require_serial`` (``lang_base.run_xargs``).
    A hook may behave differently on its files together than apart: a test module's import-time
    state reaches only the tests of its own process."""
    from pre_commit import lang_base
    from pre_commit.xargs import partition

    parts: tuple[tuple[str, ...], ...]
    if member.hook.require_serial or not files:
        parts = partition(cmd, files, 1)
    else:
        parts = partition(cmd, lang_base._shuffled(files), lang_base.target_concurrency())
    return parts


def _run_direct(ctx: Ctx, member: Member, trig: triggers.Trigger, outcome: Outcome) -> None:
    hook = member.hook
    if ctx.expired():
        return outcome.add(_failed(member, "not run: the session timed out"))
    cmd = _command(ctx.root, member)
    exe = shutil.which(cmd[0], path=ctx.env.get("PATH")) if "/" not in cmd[0] else cmd[0]
    if exe is None:
        return outcome.add(
            _failed(member, f"executable `{cmd[0]}` not found (pre-commit fails it too)", tool_missing=cmd[0])
        )
    files = trig.filenames if hook.pass_filenames else ()
    before = _digest(ctx.root, files)
    code, wall, text = 0, 0.0, []
    started = time.time()
    parts = _partitions(cmd, files, member)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(parts)) as pool:  # as pre-commit's xargs
        done = list(pool.map(lambda p: run.run(p, cwd=ctx.root, env=ctx.env, timeout=ctx.remaining()), parts))
    for result in done:
        outcome.account(result)
        code, wall = max(code, abs(result.returncode)), max(wall, result.wall_s)
        outcome.longest_s = max(outcome.longest_s, result.wall_s)
        text.append(result.output)
    if any(result.timed_out for result in done):
        return outcome.add(_failed(member, "timed out", wall_s=wall))
    missing = _missing_tool(member, ctx.env) if not code else None
    given = _changed_files(before, _digest(ctx.root, files))
    seen = modified.written_during(ctx.root, outcome.tree_changes(ctx.root), started, time.time())
    charged = {p: claims.GIVEN if p in given else claims.TIMED for p in {*seen, *given}}
    shown = f"- hook id: {hook.key}\n- exit code: {code}\n" + "".join(text).rstrip()
    if code:
        verdict = _failed(member, f"exit code {code}", wall_s=wall, tool_missing=missing)
        if not charged:
            print(shown, flush=True)
    else:
        reason = f"passed without `{missing}` (not installed)" if missing else ""
        verdict = HookResult(
            key=hook.key, id=hook.id, status=Status.PASSED, reason=reason, wall_s=wall, tool_missing=missing
        )
    outcome.charge(verdict, charged, shown, rerunnable=True)


def _command(root: Path, member: Member) -> list[str]:
    """A direct hook's command line, as pre-commit builds it (before its file names)."""
    assert member.hook.entry is not None
    cmd = [*shlex.split(member.hook.entry), *member.hook.args]
    if member.hook.language in ("script", "unsupported_script"):
        cmd[0] = str(root / cmd[0])
    return cmd


def rerun_writes(root: Path, member: Member, trig: triggers.Trigger, environ: Mapping[str, str]) -> list[str]:
    """Run one direct hook again, alone, as before: the files it leaves modified (``infra.ties``)."""
    return rerun(root, member, trig, environ)[1]


def rerun(
    root: Path, member: Member, trig: triggers.Trigger, environ: Mapping[str, str]
) -> tuple[int, list[str]]:
    """Run one hook again, alone and as written (as pre-commit runs it, file names split the
    same way): its worst exit code and the files it leaves modified."""
    before = modified.snapshot(root)
    files = trig.filenames if member.hook.pass_filenames else ()
    env = _child_env(environ)
    worst = 0
    for part in _partitions(_command(root, member), files, member):
        code = run.run(part, cwd=root, env=env).returncode
        worst = worst or code
    return worst, modified.changed(before, modified.snapshot(root))


def _changed_files(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    return [name for name, digest in after.items() if before.get(name) != digest]


def _missing_tool(member: Member, env: Mapping[str, str]) -> str | None:
    """The tool a passing hook's script names, when the shell cannot find it either (a keyword,
    builtin or function is never missing: bash's ``type`` decides, as the hook's shell would)."""
    tool = member.classified.tool
    if not tool or "/" in tool or shutil.which(tool, path=env.get("PATH")) is not None:
        return None
    rc, out, _ = run.cmd_output("bash", "-c", 'type -t -- "$1"', "_", tool, env=env, check=False)
    return tool if rc != 0 or not out.strip() else None


# --- through pre-commit ---------------------------------------------------------------------------


def _run_pre_commit(ctx: Ctx, members: Sequence[Member], outcome: Outcome) -> None:
    """Remote, meta and other-language hooks, through the repository's host (pre-commit or prek)."""
    import yaml

    from infra import hosts, precommit

    host = hosts.detect(ctx.root)
    with tempfile.TemporaryDirectory(prefix="infra-pre-commit-") as tmp:
        path = Path(tmp) / "pre-commit-config.yaml"
        path.write_text(
            yaml.safe_dump(precommit.subset_config(ctx.project.config, [m.hook for m in members]))
        )
        cmd = host.run_argv(path, None if ctx.change.all_files else list(ctx.change.filenames))
        result = run.run(cmd, cwd=ctx.root, env=ctx.env, timeout=ctx.remaining())
    outcome.account(result)
    statuses = hosts.match(host.parse_verdicts(result.output), [m.hook for m in members])
    for m, status in zip(members, statuses, strict=True):
        if status is None or result.timed_out:
            why = (
                "timed out"
                if result.timed_out
                else f"{host.name} exited {result.returncode} before running it"
            )
            outcome.add(_failed(m, why, wall_s=result.wall_s))
        else:
            outcome.add(
                HookResult(
                    key=m.hook.key,
                    id=m.hook.id,
                    status=status,
                    reason=f"via {host.name}" if status is not Status.SKIPPED else "no files to check",
                    wall_s=result.wall_s,
                )
            )
    if result.returncode:
        print(result.output.rstrip(), flush=True)
