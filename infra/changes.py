"""The files a push changes, found the way pre-commit's pre-push stage finds them.

In order: ``--all-files``; ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` (set by pre-commit
for the pushed range: ``git diff --name-only FROM...TO``, falling back to ``FROM..TO`` when
there is no merge base); the merge base with the branch's upstream; else every file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from infra.errors import FatalError
from infra.run import cmd_output, git


class ChangeSet(NamedTuple):
    filenames: tuple[str, ...]
    all_files: bool
    source: str  # how the set was found, for the summary


def _zsplit(out: str) -> tuple[str, ...]:
    return tuple(p for p in out.split("\0") if p)


def all_files(root: Path) -> tuple[str, ...]:
    return _zsplit(git(root, "ls-files", "-z", "--deduplicate"))


def diff(root: Path, old: str, new: str) -> tuple[str, ...]:
    """``git diff --name-only old...new`` (``old..new`` without a merge base), as pre-commit."""
    base = ("git", "-C", str(root), "diff", "--name-only", "--no-ext-diff", "-z")
    rc, out, _ = cmd_output(*base, f"{old}...{new}", check=False)
    if rc != 0:
        out = cmd_output(*base, f"{old}..{new}")[1]
    return _zsplit(out)


def _ranged(root: Path, old: str, new: str, source: str) -> ChangeSet:
    return ChangeSet(diff(root, old, new), False, source)


def find(root: Path, environ: Mapping[str, str], *, force_all: bool = False) -> ChangeSet:
    if force_all:
        return ChangeSet(all_files(root), True, "all files (--all-files)")
    from_ref, to_ref = environ.get("PRE_COMMIT_FROM_REF"), environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        return _ranged(root, from_ref, to_ref, f"pushed range {from_ref[:12]}...{to_ref[:12]}")
    if to_ref and not from_ref:  # prek's push of a history that starts at a root commit
        return ChangeSet(all_files(root), True, "all files (the pushed history starts at a root commit)")
    if from_ref and not to_ref:
        raise FatalError("PRE_COMMIT_FROM_REF is set without PRE_COMMIT_TO_REF; set both or neither")
    rc, upstream, _ = cmd_output(
        "git",
        "-C",
        str(root),
        "rev-parse",
        "--abbrev-ref",
        "--symbolic-full-name",
        "@{upstream}",
        check=False,
    )
    if rc == 0 and upstream.strip():
        rc, base, _ = cmd_output("git", "-C", str(root), "merge-base", "HEAD", upstream.strip(), check=False)
        if rc == 0 and base.strip():
            return _ranged(root, base.strip(), "HEAD", f"since merge-base with {upstream.strip()}")
    return ChangeSet(all_files(root), True, "all files (no pushed range and no upstream)")
