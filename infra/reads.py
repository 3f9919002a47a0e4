"""What each test read, and whether any of it changed since: the part testmon cannot see.

Records come from our pytest plugin (audit events: files opened, directories listed,
subprocesses started) and are stored per pytest group with a digest of every path as it was
when the test ran: a file's bytes, a directory's sorted names. Comparing digests with the tree
now (not with the pushed range) makes the answer independent of history: a file changed by an
earlier push that never ran, a branch switch, a revert, all show up. The tracked file names
and the pytest configuration files are digested too: additions, deletions (existence checks
leave no audit trail) and configuration changes make the next run full.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from infra.run import git

SUBPROCESS = "<subprocess>"
CONFIG_NAMES = frozenset(
    {"conftest.py", "pytest.ini", ".pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py"}
)


class TreeState(NamedTuple):
    names: str  # digest of the tracked file names
    config: str  # digest of every tracked pytest/packaging config file and conftest.py


class Records(NamedTuple):
    tests: dict[str, dict[str, str]]  # test id -> {path read: digest then}
    outside: dict[str, str]  # read outside any test (start-up, collection, shared fixtures)
    tree: TreeState


def digest(root: Path, path: str) -> str:
    """A file's content, a directory's (``path/``) names, or ``-`` when it does not exist."""
    if path == SUBPROCESS:
        return ""
    target = root / path
    try:
        if path.endswith("/"):
            return hashlib.sha1("\0".join(sorted(os.listdir(target))).encode()).hexdigest()
        return hashlib.sha1(target.read_bytes()).hexdigest()
    except OSError:
        return "-"


def tree_state(root: Path) -> TreeState:
    names = sorted(n for n in git(root, "ls-files", "-z").split("\0") if n)
    config = [n for n in names if n.rsplit("/", 1)[-1] in CONFIG_NAMES]
    config_digest = hashlib.sha1("".join(f"{n}\0{digest(root, n)}\0" for n in config).encode()).hexdigest()
    return TreeState(hashlib.sha1("\0".join(names).encode()).hexdigest(), config_digest)


def load(path: Path) -> Records | None:
    try:
        data = json.loads(path.read_text())
        return Records(dict(data["tests"]), dict(data["outside"]), TreeState(*data["tree"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(path: Path, root: Path, reads: Mapping[str, Sequence[str]], outside: Iterable[str]) -> None:
    """Merge one run: tests that ran replace their records; outside reads are refreshed."""
    cache: dict[str, str] = {}

    def digests(paths: Iterable[str]) -> dict[str, str]:
        return {p: cache.setdefault(p, digest(root, p)) for p in paths}

    old = load(path)
    tests = {**(old.tests if old else {}), **{tid: digests(paths) for tid, paths in reads.items()}}
    merged = Records(tests, {**(old.outside if old else {}), **digests(outside)}, tree_state(root))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged._asdict(), sort_keys=True))
    os.replace(tmp, path)


def changed_paths(root: Path, records: Records) -> set[str]:
    """Every recorded path whose digest differs from the tree now."""
    recorded: dict[str, set[str]] = {}
    for paths in (*records.tests.values(), records.outside):
        for p, d in paths.items():
            recorded.setdefault(p, set()).add(d)
    return {p for p, seen in recorded.items() if p != SUBPROCESS and seen != {digest(root, p)}}
