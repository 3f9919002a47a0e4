"""Decide "no test to run" before starting pytest, when the recorded data allows it.

On a real project a pytest process costs seconds before its first test (interpreter,
plugins, the project's imports, session fixtures). When selection would deselect every test
of a group anyway, starting pytest only to learn that is the whole cost of the push. Here the
same answer is computed from the data: nothing runs when, for every test the group's hooks
own, none of these holds:

- testmon would select it: a file it executed no longer holds every code block the test ran
  (testmon's own check, with testmon's own parser: a file whose content hash, ``fsha``, is
  unchanged needs no parsing; an edit elsewhere in the file, or a comment, keeps the blocks),
  the test failed last time, or the installed packages or Python version changed since
  (testmon's environment check);
- our restorer would put it back (``infra.restore``): it read or wrote a changed path, ran
  code that read one, started an unknown subprocess, is marked ``infra_always``, or belongs
  to an ``always-full`` hook;
- it is unknown: a target that owns no recorded test, or the last run had a collection error.

``infra.selection`` does not ask at all when Python files were added or deleted since the
records (only pytest's collection knows the tests of a new module) or when a file read after
collection changed (the check that read it must run again).

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
    "SELECT DISTINCT te.test_name, te.failed, f.filename, f.fsha, f.method_checksums FROM test_execution te "
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
    files: dict[str, _File | None] = {}
    for name, failed, filename, fsha, blocks in rows:
        if name not in owned:
            continue
        if failed:
            return False
        if filename not in files:
            files[filename] = _read(root, filename)
        now = files[filename]
        if now is None or not now.holds(fsha, blocks):
            return False
    return True


class _File:
    """A file as it is now, for testmon's check: its content hash, and its code blocks' checksums
    (parsed at most once, and only when the hash differs from the recorded one)."""

    def __init__(self, filename: str, fsha: str, source: str) -> None:
        self.filename, self.fsha, self.source = filename, fsha, source
        self._checksums: set[int] | None = None

    def holds(self, fsha: str, blocks: bytes) -> bool:
        """Whether the file still holds every block a test ran (testmon's ``check_fingerprint``)."""
        if self.fsha == fsha:
            return True
        from testmon.process_code import Module, blob_to_checksums

        if self._checksums is None:
            ext = self.filename.rsplit(".", 1)[-1]
            self._checksums = set(Module(source_code=self.source, ext=ext, fs_fsha=self.fsha).checksums)
        return set(blob_to_checksums(blocks)) <= self._checksums


def _read(root: Path, filename: str) -> _File | None:
    from testmon.process_code import bytes_to_string_and_fsha

    try:
        source, fsha = bytes_to_string_and_fsha((root / filename).read_bytes())
    except OSError:
        return None
    return _File(filename, str(fsha), str(source))


def _same_environment(packages: str, python: str) -> bool:
    """testmon's own environment check: installed packages (minor versions) and Python."""
    from testmon.common import drop_patch_version, get_system_packages

    now = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return python == now and packages == drop_patch_version(get_system_packages())
