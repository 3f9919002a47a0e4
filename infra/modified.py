"""Did a hook leave the tree modified? pre-commit's check, around every hook we run.

pre-commit compares ``git diff`` (tracked files, working tree against the index) before and
after each hook and fails a hook that changed it ("files were modified by this hook"),
whatever its exit code: a fixer run without ``--check``, a test that rewrites a tracked file.
We take the same diff, split per file so the report can name the files. Inside one session
hooks run one after another, so one snapshot serves as "after" of a hook and "before" of the
next. Sessions run in parallel, so a file changed meanwhile is charged to a hook only if it
was written while the hook's own process ran (``written_during``), and, in a merged pytest
process, to the hooks whose tests touched it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from infra.run import cmd_output

Snapshot = Mapping[str, str]  # path -> digest of its diff
SLACK_S = 0.05  # file times are taken from a coarse kernel clock


def snapshot(root: Path) -> Snapshot:
    """``git diff`` of the working tree, per file (as pre-commit's ``_get_diff``)."""
    _, out, _ = cmd_output(
        "git", "-C", str(root), "diff", "--no-ext-diff", "--no-textconv", "--ignore-submodules",
        check=False,
    )  # fmt: skip
    files: dict[str, list[str]] = {}
    current: list[str] = []
    for line in out.splitlines(keepends=True):
        if line.startswith("diff --git "):
            current = files.setdefault(_path_of(line), [])
        current.append(line)
    return {path: hashlib.sha1("".join(lines).encode()).hexdigest() for path, lines in files.items()}


def _path_of(header: str) -> str:
    """``diff --git a/x b/x`` -> ``x`` (quoted names kept as git prints them)."""
    rest = header.removeprefix("diff --git ").rstrip("\n")
    half = rest[len(rest) // 2 + 1 :] if " b/" in rest else rest
    return half.removeprefix("b/").strip('"')


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """Files whose diff appeared, disappeared or changed between two snapshots."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def written_during(root: Path, paths: Sequence[str], start: float, end: float) -> list[str]:
    """The changed files a process that ran from ``start`` to ``end`` may have written.

    Sessions run in parallel: a file another session's hook writes shows up in every diff
    taken meanwhile. A file's inode change time (``st_ctime``: set by the kernel on every write,
    and no program can set it back) outside the process's lifetime clears that process. A
    file that is gone is kept: nothing tells when it went.
    """
    out = []
    for path in paths:
        try:
            changed = os.stat(root / path, follow_symlinks=False).st_ctime
        except OSError:
            out.append(path)
            continue
        if start - SLACK_S <= changed <= end + SLACK_S:
            out.append(path)
    return out


def put_back(target: Path, data: bytes | None, mode: int | None) -> None:
    """Give ``target`` these bytes and mode again (None: remove it), atomically; a file that
    cannot be written is left as it is."""
    with contextlib.suppress(OSError):
        if data is None:
            target.unlink(missing_ok=True)
            return
        tmp = target.with_name(f".{target.name}.infra-put-back")
        tmp.write_bytes(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
