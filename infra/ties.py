"""Who modified a file, when only timing charged two hooks: run the direct ones again, alone.

``infra.claims`` settles most charges while sessions still run: a recorded write or a hook's
own file beats a process that merely ran at the time. Two opaque processes (direct hooks, or a
direct hook and a pytest process that started a subprocess) alive at the moment of the write
stay tied, and both would fail where pre-commit, running them one after the other, fails one.

The nox parent settles those ties once every session has finished, so nothing else runs: for
each tied file that had no diff when its session began, it puts the index's content back, runs
each tied direct hook again alone, exactly as before, and sees whether it rewrites the file.
A hook that does not loses that charge, unless nobody would keep it (the file's charge never
disappears: the push fails either way, as it does under pre-commit). The file is left as the
run left it. Only a push that already fails pays for this.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from infra import claims, execute, modified, results, triggers
from infra.plan import Member
from infra.project import Project
from infra.results import HookResult, Status


def resolve(
    project: Project, run_id: str, decided: Mapping[str, triggers.Trigger], environ: Mapping[str, str]
) -> list[str]:
    """Settle the run's timing-only ties; rewrites the affected session results. Returns one line
    per settled file (for the push output)."""
    root = project.root
    standing = claims.standing(root, run_id)
    if not standing:
        return []
    charged = claims.published(root, run_id)
    members = {m.hook.key: m for s in project.plan.sessions for m in s.members}
    cleared: dict[str, set[str]] = {}  # hook key -> files it is cleared of
    lines = []
    for path, tied in sorted(_by_file(standing).items()):
        besides = {stem for stem, files in charged.items() if path in files} - {stem for stem, _ in tied}
        if len(tied) + len(besides) < 2 or any(path not in standing[stem][key].clean for stem, key in tied):
            continue
        writers = [key for _, key in tied if _rewrites(root, path, members[key], decided[key], environ)]
        if not writers and not besides:
            continue  # nobody would keep the charge: every tied hook keeps it
        losers = sorted(key for _, key in tied if key not in writers)
        for key in losers:
            cleared.setdefault(key, set()).add(path)
        if losers:
            lines.append(f"{path}: not modified by {', '.join(losers)} when run again alone; charge dropped")
    if cleared:
        _rewrite(root, run_id, standing, cleared)
    return lines


def _by_file(standing: Mapping[str, Mapping[str, claims.Tie]]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for stem, ties in standing.items():
        for key, tie in ties.items():
            for path in tie.files:
                out.setdefault(path, []).append((stem, key))
    return out


def _rewrites(
    root: Path, path: str, member: Member, trig: triggers.Trigger, environ: Mapping[str, str]
) -> bool:
    """Whether the hook, run alone (as written) from the index's content of ``path``, modifies it
    again."""
    target = root / path
    saved = target.read_bytes() if target.is_file() else None
    mode = target.stat().st_mode if saved is not None else None
    try:
        subprocess.run(
            ["git", "-C", str(root), "checkout", "-q", "--", path], check=True, capture_output=True
        )
        return path in execute.rerun_writes(root, member, trig, environ)
    except (OSError, subprocess.CalledProcessError):
        return True
    finally:
        modified.put_back(target, saved, mode)


def _rewrite(
    root: Path, run_id: str, standing: Mapping[str, Mapping[str, claims.Tie]], cleared: Mapping[str, set[str]]
) -> None:
    for result in results.read_run(root, run_id):
        changed = False
        hooks = []
        for hook in result.hooks:
            tie = next((t[hook.key] for t in standing.values() if hook.key in t), None)
            if tie is not None and hook.key in cleared:
                hook = _recharged(
                    HookResult.from_dict(tie.uncharged), [f for f in tie.files if f not in cleared[hook.key]]
                )
                changed = True
            hooks.append(hook)
        if changed:
            results.write(root, replace(result, hooks=tuple(hooks)))


def _recharged(uncharged: HookResult, files: list[str]) -> HookResult:
    if not files:
        return uncharged
    why = f"files were modified by this hook: {', '.join(files)}"
    failed = uncharged.status is Status.FAILED
    return replace(
        uncharged,
        status=Status.FAILED,
        reason=f"{uncharged.reason}; {why}" if failed else why,
        modified=tuple(files),
    )
