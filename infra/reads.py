"""What each test read, and whether any of it changed since: the part testmon cannot see.

Records come from our pytest plugin (audit events: files opened, directories listed,
subprocesses started) and are stored per pytest group with a digest of every path as it was
when the test ran: a file's bytes, a directory's sorted names. Comparing digests with the tree
now (not with the pushed range) makes the answer independent of history: a file changed by an
earlier push that never ran, a branch switch, a revert, all show up. The tracked file names
and the pytest configuration files are digested too: an added or deleted Python file (what an
import finds can change without any recorded read) or a configuration change makes the next
run full. Other additions and deletions reach the tests that listed the directory or checked
the path (metadata reads are recorded too).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from infra import inputs, state, wire
from infra.run import git

SUBPROCESS = "<subprocess>"
TRACKED_NAMES = "<tracked names>"  # a test ran ``git ls-files`` (infra.pytest_report)
STAT, IMPORT, LATE, RUN, LOCAL = wire.STAT, wire.IMPORT, wire.LATE, wire.RUN, wire.LOCAL  # marks on a path
CONFIG_NAMES = frozenset(
    {"conftest.py", "pytest.ini", ".pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py"}
)


PYTHON_SUFFIXES = (".py", ".pyi", ".pth", ".so", ".pyd")


class TreeState(NamedTuple):
    names: str  # digest of the tracked Python file names (what imports can find)
    config: str  # digest of every tracked pytest/packaging config file and conftest.py
    python: tuple[str, ...] = ()  # the tracked Python file names themselves (empty: not recorded)


class Records(NamedTuple):
    tests: dict[str, dict[str, str]]  # test id -> {path read: digest then}
    outside: dict[str, str]  # read outside any test (start-up, collection, shared fixtures)
    tree: TreeState
    readers: Mapping[str, list[str]] = {}  # path read -> the repository modules whose code read it
    rootdir: str = "."  # pytest's rootdir, relative to the repository
    collect_errors: tuple[str, ...] = ()  # of the last run: such a run is never skipped


def digest(root: Path, path: str) -> str:
    """What a recorded read saw: a file's content, a directory's (``path/``) input names, a path's
    metadata (``path?stat``: kind, size, executable bit, a symlink's target), a module's import-time
    effects (``path?import``), one function or class run at import (``path?run=qualname``), or
    ``-`` when it does not exist. A ``?late`` mark changes nothing."""
    if path == SUBPROCESS:
        return ""
    if path.endswith(LATE):
        return digest(root, path.removesuffix(LATE))
    if path == TRACKED_NAMES:
        return hashlib.sha1("\0".join(_tracked(root)).encode()).hexdigest()
    if path.endswith(STAT):
        return _stat_digest(root / path[: -len(STAT)])
    file, run, qualname = path.partition(RUN)
    if run:
        try:
            data = (root / file).read_bytes()
        except OSError:
            return "-"
        return f"{hashlib.sha1(data).hexdigest()}|{inputs.definition_digest(data, qualname)}"
    target = root / _module(path)
    try:
        if path.endswith("/"):
            names = inputs.listing_names(str(root), path, os.listdir(target))
            return hashlib.sha1("\0".join(names).encode()).hexdigest()
        data = target.read_bytes()
    except OSError:
        return "-"
    content = hashlib.sha1(data).hexdigest()
    if path.endswith((IMPORT, LOCAL)):  # the content digest first: unchanged content needs no parsing
        return f"{content}|{inputs.import_effects_digest(data)}"
    return content


def _module(path: str) -> str:
    """The file a module mark (``?import``, ``?local``, ``?run=``) is about."""
    return path.removesuffix(IMPORT).removesuffix(LOCAL).partition(RUN)[0]


def _content(root: Path, path: str) -> str | None:
    """The content part of a module mark's "content|effects" digest (``-`` when the file is
    gone); None for other paths, whose digest is one part. Unchanged content needs no parsing."""
    if not (path.endswith((IMPORT, LOCAL)) or RUN in path):
        return None
    try:
        return hashlib.sha1((root / _module(path)).read_bytes()).hexdigest()
    except OSError:
        return "-"


def _same(root: Path, path: str, seen: set[str], now: dict[str, str]) -> bool:
    """Whether every recorded digest of ``path`` still holds (``now`` caches digests)."""
    content = _content(root, path)
    if content is not None:
        if content == "-":
            return seen == {"-"}
        if {d.partition("|")[0] for d in seen} == {content}:
            return True
        effects = {d.partition("|")[2] for d in seen}
        current = now.setdefault(path, digest(root, path)).partition("|")[2]
        return effects == {current}
    return seen == {now.setdefault(path, digest(root, path))}


def _stat_digest(target: Path) -> str:
    try:
        st = target.stat()
    except OSError:
        st = None
    try:
        link = f":->{os.readlink(target)}"  # what ``os.readlink`` and ``lstat`` see: retargeting counts
    except OSError:
        link = ""
    if st is None:
        return f"-{link}" if link else "-"
    kind = "d" if stat.S_ISDIR(st.st_mode) else "f"
    # A module's size changes with every edit, and code that finds its own file
    # (`Path(__file__).resolve()`) lstats it at import: testmon judges Python files by their code
    # (an ``os.stat`` of a ``.py`` file is recorded as a read of its content, ``infra.tracker``).
    size = 0 if kind == "d" or target.suffix == ".py" else st.st_size
    return f"{kind}:{size}:{st.st_mode & 0o111:o}{link}"


def tree_state(root: Path) -> TreeState:
    names = _tracked(root)
    config = [n for n in names if n.rsplit("/", 1)[-1] in CONFIG_NAMES]
    config_digest = hashlib.sha1("".join(f"{n}\0{digest(root, n)}\0" for n in config).encode()).hexdigest()
    python = [n for n in names if n.endswith(PYTHON_SUFFIXES)]
    return TreeState(hashlib.sha1("\0".join(python).encode()).hexdigest(), config_digest, tuple(python))


def _tracked(root: Path) -> list[str]:
    return sorted(n for n in git(root, "ls-files", "-z").split("\0") if n)


def load(path: Path) -> Records | None:
    try:
        data = json.loads(path.read_text())
        return Records(
            dict(data["tests"]),
            dict(data["outside"]),
            TreeState(
                str(data["tree"][0]),
                str(data["tree"][1]),
                tuple(data["tree"][2] if len(data["tree"]) > 2 else ()),
            ),
            {str(k): list(v) for k, v in data.get("readers", {}).items()},
            str(data.get("rootdir", ".")),
            tuple(data.get("collect_errors", ())),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class Run(NamedTuple):
    """What one pytest process recorded (from ``infra.pytest_report``)."""

    reads: Mapping[str, Sequence[str]]  # test id -> paths
    outside: Iterable[str]
    readers: Mapping[str, Sequence[str]]
    rootdir: str
    collect_errors: Sequence[str] = ()
    complete: bool = False  # a full run: what it read outside tests is all there is to read


def remember(path: Path, root: Path, run: Run) -> None:
    """Merge one run: tests that ran replace their records; outside reads and readers are refreshed
    (replaced by a complete run's: a file no longer read, or gone, must not force full runs forever)."""
    cache: dict[str, str] = {}
    old = load(path)
    known: dict[str, set[str]] = {}  # what the old records saw of each path
    for paths in (*(old.tests.values() if old else ()), old.outside if old else {}):
        for p, d in paths.items():
            known.setdefault(p, set()).add(d)

    def digests(paths: Iterable[str]) -> dict[str, str]:
        return {p: cache.setdefault(p, _digest_again(root, p, known.get(p, set()))) for p in paths}

    tests = {**(old.tests if old else {}), **{tid: digests(paths) for tid, paths in run.reads.items()}}
    readers = {k: set(v) for k, v in (old.readers if old else {}).items()}
    for p, modules in run.readers.items():
        readers.setdefault(p, set()).update(modules)
    merged = Records(
        tests,
        {**(old.outside if old and not run.complete else {}), **digests(run.outside)},
        tree_state(root),
        {p: sorted(m) for p, m in readers.items()},
        run.rootdir,
        tuple(run.collect_errors),
    )
    state.write_atomic(path, json.dumps(merged._asdict(), sort_keys=True))


def _digest_again(root: Path, path: str, seen: set[str]) -> str:
    """``digest``, reusing a recorded "content|effects" digest whose content is unchanged: the
    effects are a function of the content, and parsing every module read is most of the work."""
    content = _content(root, path) if seen else None
    if content == "-":
        return "-"
    if content is not None:
        for d in seen:
            if d.partition("|")[0] == content:
                return d
    return digest(root, path)


def changed_paths(root: Path, records: Records) -> set[str]:
    """Every recorded path whose digest differs from the tree now."""
    recorded: dict[str, set[str]] = {}
    for paths in (*records.tests.values(), records.outside):
        for p, d in paths.items():
            recorded.setdefault(p, set()).add(d)
    now: dict[str, str] = {}
    return {p for p, seen in recorded.items() if p != SUBPROCESS and not _same(root, p, seen, now)}
