"""Decide "no test to run" before starting pytest, when the recorded data allows it.

On a real project a pytest process costs seconds before its first test (interpreter,
plugins, the project's imports, session fixtures). When selection would deselect every test
of a group anyway, starting pytest only to learn that is the whole cost of the push. Here the
same answer is computed from the data: nothing runs when, for every test the group's hooks
own, none of these holds:

- testmon would select it: a Python file it executed no longer has the content (``fsha``,
  testmon's own hash) it had when the test last ran, the test failed last time, or the
  installed packages or Python version changed since (testmon's environment check);
- our restorer would put it back (``infra.restore``): it read or wrote a changed path, ran
  code that read one, started an unknown subprocess, is marked ``infra_always``, or belongs
  to an ``always-full`` hook;
- it is unknown: a target that owns no recorded test, or the last run had a collection error.

Any doubt (an unreadable database, a file testmon tracks that is gone) answers "start pytest".
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from infra import reads, restore
from infra.attribution import owns

_USED = (
    "SELECT DISTINCT te.test_name, te.failed, f.filename, f.fsha FROM test_execution te "
    "JOIN test_execution_file_fp tf ON te.id = tf.test_execution_id "
    "JOIN file_fp f ON f.id = tf.fingerprint_id WHERE te.environment_id = ?"
)


def nothing_to_run(
    root: Path, datafile: Path, records: reads.Records, spec: restore.Spec, targets: Sequence[str]
) -> bool:
    """True when no test these targets own would run (see the module docstring)."""
    if records.collect_errors or not targets:
        return False
    owned = [tid for tid in records.tests if any(owns(t, tid) for t in targets)]
    if any(not any(owns(t, tid) for tid in owned) for t in targets):
        return False  # a target with no recorded test: only pytest knows what it collects
    if restore.any_must_run(spec, owned):
        return False
    return _testmon_selects_none(root, datafile, set(owned))


def _testmon_selects_none(root: Path, datafile: Path, owned: set[str]) -> bool:
    try:
        with sqlite3.connect(f"file:{datafile}?mode=ro", uri=True) as conn:
            env = conn.execute(
                "SELECT id, system_packages, python_version FROM environment "
                "WHERE environment_name = 'default' ORDER BY id DESC"
            ).fetchone()
            if env is None or not _same_environment(env[1], env[2]):
                return False
            rows = conn.execute(_USED, (env[0],)).fetchall()
    except sqlite3.Error:
        return False
    seen = {name for name, *_ in rows}
    if not owned <= seen:
        return False
    fshas: dict[str, str | None] = {}
    for name, failed, filename, fsha in rows:
        if name not in owned:
            continue
        if failed:
            return False
        if filename not in fshas:
            fshas[filename] = _fsha(root / filename)
        if fshas[filename] != fsha:
            return False
    return True


def _fsha(path: Path) -> str | None:
    """testmon's content hash of a file (a git blob hash after its own normalisation)."""
    from testmon.process_code import bytes_to_string_and_fsha

    try:
        return str(bytes_to_string_and_fsha(path.read_bytes())[1])
    except OSError:
        return None


def _same_environment(packages: str, python: str) -> bool:
    """testmon's own environment check: installed packages (minor versions) and Python."""
    from testmon.common import drop_patch_version, get_system_packages

    now = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return python == now and packages == drop_patch_version(get_system_packages())
