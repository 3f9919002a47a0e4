"""Which tests a consolidated pytest run selects, and why (pytest-testmon, made safe).

testmon fingerprints the Python code each test executed and deselects tests whose code did
not change. It cannot see files read as data (a YAML manifest, another test file scanned as
text), subprocesses, or configuration. Our pytest plugin (``infra.pytest_report``) records,
from Python's audit events, the files each test read, whether it started a subprocess, and
what was read outside any test (conftest import, collection, wider-scoped fixtures). With
both, each pytest group runs in one of two modes:

- ``full`` when narrowing cannot be proven safe: ``--full`` / CI / ``--all-files``; no usable
  testmon data or read records yet; a Python file was added that can change what an existing
  import finds (``infra.shadowing``: existence checks leave no audit trail); a ``conftest.py`` or a pytest/packaging
  configuration file changed; or a file read outside any test at start-up, collection or by
  a shared fixture changed (``infra.reads`` compares digests with the tree now, so the
  pushed range's history does not matter).
- ``testmon``: testmon selects the tests whose executed code changed
  (``--testmon-forceselect``: node ids would otherwise switch selection off; failing tests
  stay selected), and the plugin puts back every deselected test that read a changed file,
  ran code of a module that read one, started a subprocess, has no read record, or belongs
  to an ``always-full`` member. A file read only after collection (a plugin scanning the
  test tree in ``pytest_collection_finish``) is read again by the narrowed run itself.

Each group has its own testmon data file and read records under ``.infra/testmon/``, named by
the session definition and pytest configuration, so parallel sessions never share (or lock)
one SQLite file, and a changed definition starts afresh. A data file that is not a readable
testmon database is moved aside (``*.corrupt-N``), never deleted, and the group runs fully
with a warning. Every rule here is exercised by the mutation harness (``infra.safety``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from infra import (
    fingerprint,
    inputs,
    output,
    preselect,
    reads,
    resources,
    restore,
    run,
    shadowing,
    state,
    wire,
)
from infra.attribution import owns

if TYPE_CHECKING:
    from infra import changes, triggers
    from infra.plan import Member, Session
    from infra.project import Project

TESTMON_TABLES = frozenset({"metadata", "environment", "test_execution", "file_fp"})
RESTORE_ENV = restore.ENV
SKIP = "skip"  # a Decision mode: no test would run, so no pytest process starts
TRACK_ENV = wire.TRACK  # "0": record no reads (a CI run keeps no state)


class Decision(NamedTuple):
    mode: str  # full | testmon
    why: str
    pytest_args: tuple[str, ...] = ()
    env: Mapping[str, str] = {}
    narrowed_keys: frozenset[str] = frozenset()
    workers: int = 0

    def narrowed(self, key: str) -> bool:
        return key in self.narrowed_keys


def _stem(project: Project, session: Session, group_key: str) -> Path:
    digest = hashlib.sha256(f"{session.definition_hash()}|{group_key}".encode()).hexdigest()[:12]
    return state.testmon_stem(project.root, session.name, digest)


def data_file(project: Project, session: Session, group_key: str) -> Path:
    stem = _stem(project, session, group_key)  # never with_suffix: an encoded name may hold dots
    return stem.with_name(f"{stem.name}.db")


def reads_file(project: Project, session: Session, group_key: str) -> Path:
    stem = _stem(project, session, group_key)
    return stem.with_name(f"{stem.name}.reads.json")


def check_data_file(path: Path) -> str | None:
    """None when ``path`` is absent or a readable testmon database; else why it is not."""
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "failed sqlite's integrity check"
    except sqlite3.Error as exc:
        return f"not a readable SQLite database ({exc})"
    missing = TESTMON_TABLES - tables
    return f"has no testmon tables ({', '.join(sorted(missing))})" if missing else None


def set_aside(path: Path, problem: str) -> Path:
    n = 1
    while (target := path.with_name(f"{path.name}.corrupt-{n}")).exists():
        n += 1
    path.rename(target)
    output.warn(f"{path}: {problem}; moved to {target.name}, running these tests fully")
    return target


def create_data_file(path: Path) -> None:
    """An empty testmon data file, made once under a lock when none exists.

    testmon creates its tables when its file does not exist yet, unlocked: two pushes at once
    in one repository race, and the second pytest stops with ``table metadata already exists``.
    """
    if path.exists():
        return
    import fcntl

    from testmon import db

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not path.exists():
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            db.DB(str(tmp)).con.close()
            os.replace(tmp, path)
    finally:
        os.close(fd)


def reaches_beyond(root: Path, module: str) -> str | None:
    """Why a changed test module's import-time code may reach tests other than its own, or None.

    Recorded as ``?local`` (pytest's test naming, no shared state changed at import when it ran),
    a changed test module needs only its own tests run again, unless it now changes shared state
    or another module may import it (its name appears in another tracked Python file).
    """
    try:
        source = (root / module).read_bytes()
    except OSError:
        return "it is gone"
    if inputs.changes_shared_state(source):
        return "it changes shared state at import"
    stem = Path(module).stem
    _, out, _ = run.cmd_output(
        "git", "-C", str(root), "grep", "-l", "-w", "-F", "-e", stem, "--", "*.py", check=False
    )
    if any(line and line != module for line in out.splitlines()):
        return "another module may import it"
    return None


def local_modules(records: reads.Records, changed: set[str]) -> list[str]:
    """Changed test modules whose import-time code reaches only their own tests: each runs whole."""
    return sorted(
        p.removesuffix(reads.LOCAL) for p in changed.intersection(records.outside) if p.endswith(reads.LOCAL)
    )


def full_reason(
    root: Path,
    full: bool,
    change: changes.ChangeSet,
    records: reads.Records | None,
    has_data: bool,
    now: reads.TreeState | None,
    changed: set[str],
) -> str | None:
    """Why this group must run fully, or None when testmon plus read records are safe."""
    if full:
        return "forced full run (--full or CI)"
    if change.all_files:
        return "all files"
    if not has_data or records is None or now is None:
        return "no testmon data yet"
    if now.names != records.tree.names:
        why = shadowing.why_full(records.tree.python, now.python, shadowing.installed)
        if why is not None:
            return why
    if now.config != records.tree.config:
        return "a conftest.py or pytest configuration file changed"
    if records.rootdir != ".":
        return (
            f"pytest's rootdir is {records.rootdir}/, not the repository root: testmon does not "
            "track code outside it"
        )
    if reads.SUBPROCESS in records.outside:
        return "a process started at start-up or collection (what it read cannot be tracked)"
    for path in sorted(p for p in changed.intersection(records.outside) if not p.endswith(reads.LATE)):
        if path.endswith(reads.LOCAL):
            why = reaches_beyond(root, path.removesuffix(reads.LOCAL))
            if why is None:
                continue  # its own tests run again (``decide``)
            return f"import-time code of {path.removesuffix(reads.LOCAL)} changed ({why})"
        file, run, function = path.partition(reads.RUN)
        if run:
            return f"{function} in {file} changed (it runs when modules are imported)"
        if path.endswith(reads.IMPORT):
            return f"import-time code of {path.removesuffix(reads.IMPORT)} changed"
        what = "metadata of " if path.endswith(reads.STAT) else ""
        return f"{what}{path.removesuffix(reads.STAT)} changed (read at start-up, collection or by a shared fixture)"
    return None


def cache_readers(records: reads.Records, changed: set[str]) -> list[str]:
    """The repository modules whose code read a changed path (during a test or not).

    A module that read a file may keep what it read (``functools.lru_cache``, a module
    global) and hand it to later tests that never open the file: every test that ran such a
    module's code must run again, not only the tests that did the reading.
    """
    return sorted({m for path in changed for m in records.readers.get(path, ())})


def late_reads(changed: set[str]) -> list[str]:
    """Changed paths read outside any test after collection (a plugin's collection-finish check,
    session teardown), unmarked.

    Such a read can no longer decide which tests exist or what a fixture hands them, and the
    narrowed run makes it again on the changed file, so it needs no full run. What it read
    can still reach a test through the reader's code: ``cache_readers`` re-runs those tests.
    A reader may read only the files of the tests it sees (``session.items``): every test of
    a changed test module read that way runs, and pytest always starts, so the check runs.
    """
    return sorted(p.removesuffix(reads.LATE) for p in changed if p.endswith(reads.LATE))


def tests_running(datafile: Path, modules: Sequence[str]) -> list[str]:
    """The tests whose recorded execution (testmon's data) ran code of any of ``modules``."""
    if not modules:
        return []
    marks = ",".join("?" * len(modules))
    query = (
        "SELECT DISTINCT te.test_name FROM test_execution te "
        "JOIN test_execution_file_fp tf ON te.id = tf.test_execution_id "
        f"JOIN file_fp f ON f.id = tf.fingerprint_id WHERE f.filename IN ({marks})"
    )
    try:
        with sqlite3.connect(f"file:{datafile}?mode=ro", uri=True) as conn:
            return sorted({row[0] for row in conn.execute(query, list(modules))})
    except sqlite3.Error:
        return ["*"]  # cannot tell: the restorer runs everything


def decide(
    project: Project,
    session: Session,
    group: Any,
    change: changes.ChangeSet,
    decided: Mapping[str, triggers.Trigger],
    *,
    full: bool,
) -> Decision:
    members: Sequence[Member] = group.members
    datafile = data_file(project, session, group.key)
    env = {"TESTMON_DATAFILE": str(datafile)}
    problem = check_data_file(datafile)
    if problem is not None:
        set_aside(datafile, problem)
    records = reads.load(reads_file(project, session, group.key))
    now = reads.tree_state(project.root) if records is not None else None
    changed = reads.changed_paths(project.root, records) if records is not None else set()
    reason = full_reason(project.root, full, change, records, datafile.exists(), now, changed)
    if problem is not None:
        reason = f"testmon data {problem}"
    if reason is not None:
        targets = [t for m in members for t in m.repo_targets(decided[m.hook.key].filenames)]
        work = recorded_work(project, session, targets) if project.settings.xdist else None
        workers = resources.xdist_workers(work, jobs=resources.jobs_from_env(session.name))
        xdist = ("-n", str(workers)) if workers else ()
        if full and fingerprint.is_ci(os.environ):  # nothing recorded survives a CI job: no tracing
            return Decision("full", reason, ("-p", "no:testmon", *xdist), {TRACK_ENV: "0"}, workers=workers)
        create_data_file(datafile)
        return Decision("full", reason, ("--testmon-noselect", *xdist), env, workers=workers)
    assert records is not None  # full_reason() says "no testmon data yet" otherwise
    always = [m for m in members if m.hook.id in project.settings.always_full]
    readers = cache_readers(records, changed)
    cached = tests_running(datafile, readers)
    late = late_reads(changed)
    if reads.SUBPROCESS + reads.LATE in records.outside:  # a process started after collection
        late.append(reads.SUBPROCESS)
    spec = restore.Spec(
        targets=[
            *(t for m in always for t in m.repo_targets(decided[m.hook.key].filenames)),
            *(r for r in readers if "*" in cached or r.rpartition("/")[2].startswith("test")),
            *(["."] if "*" in cached else []),
            *(p for p in late if p.endswith(".py")),
            *local_modules(records, changed),
        ],
        changed=frozenset(changed),
        known={tid: sorted(paths) for tid, paths in records.tests.items()},
        tests=frozenset(t for t in cached if t != "*"),
    )
    spec_path = datafile.with_name(datafile.name.removesuffix(".db") + ".restore.json")
    restore.write(spec_path, spec)
    env[RESTORE_ENV] = str(spec_path)
    narrowed = frozenset(m.hook.key for m in members if m not in always)
    targets = [t for m in members for t in m.repo_targets(decided[m.hook.key].filenames)]
    # Added or deleted Python files: only pytest's collection can tell which tests exist now.
    known_files = now is not None and now.names == records.tree.names
    if known_files and not late and preselect.nothing_to_run(project.root, datafile, records, spec, targets):
        return Decision(SKIP, "no test affected (decided before starting pytest)", (), env, narrowed)
    why = "testmon, plus tests that read a changed file, ran code that read one, or start subprocesses"
    return Decision("testmon", why, ("--testmon-forceselect",), env, narrowed)


def _durations_file(project: Project, session: Session) -> Path:
    return state.durations_path(project.root, session.name)


def recorded_durations(project: Project, session: Session) -> dict[str, float]:
    """Every recorded test's seconds in this session (empty when none were timed yet)."""
    try:
        durations: dict[str, float] = json.loads(_durations_file(project, session).read_text())
    except (OSError, ValueError):
        return {}
    return durations


def recorded_work(
    project: Project, session: Session, targets: Sequence[str], durations: Mapping[str, float] | None = None
) -> float | None:
    """Recorded seconds of the tests these targets own; None when none were timed yet
    (``durations``: already read, when asking for several target lists)."""
    known = recorded_durations(project, session) if durations is None else durations
    owned = [d for tid, d in known.items() if any(owns(t, tid) for t in targets)]
    return sum(owned) if owned else None


def remember_durations(project: Project, session: Session, durations: Mapping[str, float]) -> None:
    """Merge the latest per-test durations (only this session writes its file)."""
    if not durations:
        return
    path = _durations_file(project, session)
    path.parent.mkdir(exist_ok=True)
    try:
        known: dict[str, float] = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    known.update(durations)
    state.write_atomic(path, json.dumps(known, sort_keys=True))
