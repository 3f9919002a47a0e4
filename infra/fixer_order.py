"""pre-commit's order around a fixer: the hooks after it see what it wrote.

pre-commit runs hooks one after another, in config order. A hook that modifies files (a fixer)
fails, and every later hook runs on the files as the fixer left them. Here sessions run side by
side, so a later hook may have read a file before the fixer rewrote it (or an earlier hook after
it), and its verdict can differ from pre-commit's: a test that checks the licence header a fixer
puts back fails here and passes there.

The same race runs the other way: a hook before the fixer in config order, in another session,
may read a file after the fixer rewrote it, where pre-commit showed it the file as committed.

Only a push that already fails pays for this. Once every session has finished, each hook that
could have read a modified file (before or after a fixer; fixers too, another fixer may have
rewritten their files first) runs again, alone and as written, on those files as pre-commit would
have shown them: the fixer's content for fixers before it in config order, the index's content
otherwise. Its verdict then is pre-commit's. A
hook could have read a modified file when it was given it, when its ``files``/``types`` filters
cover it (what the hook declares it reads), or, for a pytest hook, when a recorded test read it.
Hooks run through the host (remote hooks) keep their verdict. The files are left as the run
left them.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from infra import execute, modified, reads, results, state, triggers
from infra.plan import Member, Runner
from infra.project import Project
from infra.results import HookResult, Status

Content = tuple[bytes | None, int | None]  # a file's bytes and mode (None: no such file)


def replay(
    project: Project, run_id: str, decided: Mapping[str, triggers.Trigger], environ: Mapping[str, str]
) -> list[str]:
    """Run again, in pre-commit's order, the hooks a fixer's writes could reach; rewrites the
    run's results where a verdict changes. Returns one line per changed verdict."""
    root = project.root
    found = results.read_run(root, run_id)
    verdicts = {h.key: h for r in found for h in r.hooks}
    order = [h for h in project.config.hooks if h.key in verdicts]
    fixers = [i for i, h in enumerate(order) if verdicts[h.key].modified]
    if not fixers:
        return []
    members = {m.hook.key: m for s in project.plan.sessions for m in s.members}
    touched = sorted({f for i in fixers for f in verdicts[order[i].key].modified})
    left = {f: _content(root / f) for f in touched}
    indexed = {f: _indexed(root, f, left[f][1]) for f in touched}
    read = _recorded_reads(root)
    changed: dict[str, HookResult] = {}
    lines: list[str] = []
    try:
        for i in range(len(order)):
            hook = order[i]
            member = members.get(hook.key)
            if member is None or not _may_read(
                project, member, verdicts[hook.key], decided[hook.key], touched, read
            ):
                continue
            shown = {f for j in fixers if j < i for f in verdicts[order[j].key].modified}
            for f in touched:
                modified.put_back(root / f, *(left[f] if f in shown else indexed[f]))
            before = [order[j].id for j in fixers if j < i]
            when = f"after {', '.join(before)}" if before else "on the files as committed"
            again = _verdict(root, member, decided[hook.key], environ, when)
            if again.status is not verdicts[hook.key].status:
                lines.append(f"{hook.key}: {again.status.value} when run again {when}, as pre-commit runs it")
                changed[hook.key] = replace(
                    verdicts[hook.key],
                    status=again.status,
                    reason=again.reason,
                    modified=again.modified,
                    failed_tests=(),
                )
    finally:
        for f in touched:
            modified.put_back(root / f, *left[f])
    for result in found:
        if changed.keys() & {h.key for h in result.hooks}:
            hooks = tuple(changed.get(h.key, h) for h in result.hooks)
            results.write(root, replace(result, hooks=hooks))
    return lines


def _may_read(
    project: Project,
    member: Member,
    result: HookResult,
    trig: triggers.Trigger,
    touched: list[str],
    read: set[str],
) -> bool:
    """Whether the hook ran here and its verdict could depend on a modified file: one of its file
    names, a file its ``files``/``types`` filters cover, or (pytest) a file a test read."""
    if member.runner is Runner.HOST or result.status is Status.SKIPPED or member.hook.entry is None:
        return False
    if member.hook.pass_filenames:
        return bool(set(trig.filenames).intersection(touched))
    config = project.config
    if triggers.Classifier(project.root, touched, config.files, config.exclude).filenames_for_hook(
        member.hook
    ):
        return True
    return member.runner is Runner.PYTEST and bool(read.intersection(touched))


def _recorded_reads(root: Path) -> set[str]:
    """Every path any recorded test (or start-up) read, marks dropped (``infra.reads``)."""
    found: set[str] = set()
    for path in (state.directory(root) / "testmon").glob("*.reads.json"):
        records = reads.load(path)
        if records is not None:
            for seen in (*records.tests.values(), records.outside):
                found.update(p.partition("?")[0] for p in seen)
    return found


def _verdict(
    root: Path, member: Member, trig: triggers.Trigger, environ: Mapping[str, str], when: str
) -> HookResult:
    code, written = execute.rerun(root, member, trig, environ)
    if written:
        why = f"files were modified by this hook: {', '.join(written)} (run again {when})"
        status = Status.FAILED
    else:
        why = f"exit code {code} when run again {when}" if code else f"passed when run again {when}"
        status = Status.FAILED if code else Status.PASSED
    for path in written:  # the run's own state of the tree comes back below or here
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            subprocess.run(
                ["git", "-C", str(root), "checkout", "-q", "--", path], check=True, capture_output=True
            )
    return HookResult(
        key=member.hook.key, id=member.hook.id, status=status, reason=why, modified=tuple(written)
    )


def _content(path: Path) -> Content:
    try:
        return path.read_bytes(), path.stat().st_mode
    except OSError:
        return None, None


def _indexed(root: Path, path: str, mode: int | None) -> Content:
    """What the index holds for ``path`` (what pre-commit shows a hook before any fixer ran)."""
    proc = subprocess.run(["git", "-C", str(root), "show", f":{path}"], capture_output=True, check=False)
    return (proc.stdout, mode) if proc.returncode == 0 else (None, None)
