"""Which tests a consolidated pytest run selects, and why (pytest-testmon, made safe).

testmon fingerprints the Python code each test executed and deselects tests whose code did
not change. It cannot see data files, subprocesses or configuration, so we narrow only when
that cannot matter. For each pytest group, every triggered member hook gets one mode:

- ``full``: ``--full`` / CI / ``--all-files``, a member in ``[tool.infra] always-full``, no
  usable testmon data yet, or a push that changes any non-Python file, a ``conftest.py`` or
  a pytest/packaging configuration file (testmon does not track those: a test reading a YAML
  file that changed would otherwise be skipped while pre-commit would run it);
- ``testmon``: only tests whose executed code changed (``--testmon-forceselect``, because
  node ids would otherwise switch selection off; previously failing tests are always kept).

One pytest process serves both: testmon runs with selection, and our plugin puts back every
deselected test owned by a ``full`` member (``INFRA_FULL_TARGETS``). Each group has its own
data file under ``.infra/testmon/`` named by the session definition, so parallel sessions never
share (or lock) one SQLite file; a file that is not a readable testmon database is moved aside
(``*.corrupt-N``), never deleted, and the group runs fully with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from infra import output, resources, results
from infra.attribution import FULL_TARGETS_ENV, owns

if TYPE_CHECKING:
    from infra import changes, triggers
    from infra.plan import Member, Session
    from infra.project import Project

UNTRACKED_NAMES = frozenset(
    {
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "pyproject.toml",
        "setup.cfg",
        "tox.ini",
        "setup.py",
    }
)
TESTMON_TABLES = frozenset({"metadata", "environment", "test_execution", "file_fp"})


class Decision(NamedTuple):
    mode: str  # full | testmon | testmon+full
    why: str
    pytest_args: tuple[str, ...] = ()
    env: Mapping[str, str] = {}
    narrowed_keys: frozenset[str] = frozenset()
    workers: int = 0

    def narrowed(self, key: str) -> bool:
        return key in self.narrowed_keys


def data_file(project: Project, session: Session, group_key: str) -> Path:
    digest = hashlib.sha256(f"{session.definition_hash()}|{group_key}".encode()).hexdigest()[:12]
    directory = results.state_dir(project.root) / "testmon"
    directory.mkdir(exist_ok=True)
    return directory / f"{session.name}-{digest}.db"


def untracked_change(filenames: Sequence[str]) -> str | None:
    """The first changed file testmon cannot see (data, config, conftest), if any."""
    for name in filenames:
        base = name.rsplit("/", 1)[-1]
        if not name.endswith(".py") or base in UNTRACKED_NAMES:
            return name
    return None


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
    reason = _full_reason(full, change, datafile.exists(), problem)
    if reason is not None:
        targets = [t for m in members for t in _targets(m, decided)]
        workers = resources.xdist_workers(
            recorded_work(project, session, targets), jobs=resources.jobs_from_env()
        )
        xdist = ("-n", str(workers)) if workers else ()
        return Decision("full", reason, ("--testmon-noselect", *xdist), env, workers=workers)
    narrow = frozenset(m.hook.key for m in members if m.hook.id not in project.settings.always_full)
    if not narrow:
        return Decision("full", "members are in [tool.infra] always-full", ("--testmon-noselect",), env)
    full_targets = [t for m in members if m.hook.key not in narrow for t in _targets(m, decided)]
    if full_targets:
        env[FULL_TARGETS_ENV] = json.dumps(full_targets)
    mode = "testmon+full" if full_targets else "testmon"
    why = "only tests whose code changed" + (" (always-full members run everything)" if full_targets else "")
    return Decision(mode, why, ("--testmon-forceselect",), env, narrow)


def _full_reason(full: bool, change: changes.ChangeSet, has_data: bool, problem: str | None) -> str | None:
    if full:
        return "forced full run (--full or CI)"
    if change.all_files:
        return "all files"
    if problem is not None:
        return f"testmon data {problem}"
    if not has_data:
        return "no testmon data yet"
    untracked = untracked_change(change.filenames)
    if untracked is not None:
        return f"{untracked} changed (testmon does not track it)"
    return None


def _targets(member: Member, decided: Mapping[str, triggers.Trigger]) -> list[str]:
    call = member.classified.pytest
    assert call is not None
    trig = decided[member.hook.key]
    return [*call.targets, *(trig.filenames if member.hook.pass_filenames else ())]


def _durations_file(project: Project, session: Session) -> Path:
    return results.state_dir(project.root) / "durations" / f"{session.name}.json"


def recorded_work(project: Project, session: Session, targets: Sequence[str]) -> float | None:
    """Recorded seconds of the tests these targets own; None when none were timed yet."""
    try:
        durations: dict[str, float] = json.loads(_durations_file(project, session).read_text())
    except (OSError, ValueError):
        return None
    owned = [d for tid, d in durations.items() if any(owns(t, tid) for t in targets)]
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
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(known, sort_keys=True))
    os.replace(tmp, path)
