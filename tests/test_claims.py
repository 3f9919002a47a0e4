"""``infra.claims``: sessions side by side settle who wrote a file, and never wait on each other
forever (end to end: the two-session cases of ``tests/test_fidelity.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from infra import claims, state


def _run(root: Path, run_id: str = "r1") -> Path:
    """A run under a live nox parent (its marker file written now)."""
    directory = state.run_dir(root, run_id)
    directory.mkdir(parents=True)
    (directory / state.PARENT_FILE).write_text(f"{os.getpid()} 0")
    return directory


def _started_by(root: Path, session: str, pid: int, run_id: str = "r1") -> None:
    marker = state.run_dir(root, run_id) / "claims" / f"{state.safe_name(session)}.started"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(pid))


def test_the_strongest_evidence_of_the_other_sessions_is_returned(tmp_path: Path) -> None:
    _run(tmp_path)
    for name, charges in (("a", {"f": claims.TIMED, "g": claims.RECORDED}), ("b", {"f": claims.GIVEN})):
        claims.begin(tmp_path, "r1", name)
        claims.publish(tmp_path, "r1", name, charges)
    claims.begin(tmp_path, "r1", "me")
    claims.publish(tmp_path, "r1", "me", {"f": claims.RECORDED})
    assert claims.others(tmp_path, "r1", "me", None) == {"f": claims.GIVEN, "g": claims.RECORDED}


def test_without_a_nox_parent_nothing_runs_beside(tmp_path: Path) -> None:
    claims.begin(tmp_path, "r1", "a")
    claims.publish(tmp_path, "r1", "a", {"f": claims.RECORDED})
    assert claims.others(tmp_path, "r1", "me", None) == {}


def test_markers_older_than_the_run_are_stale(tmp_path: Path) -> None:
    """A run id used twice (``INFRA_RUN_ID``): what the earlier run published does not count."""
    directory = _run(tmp_path)
    claims.begin(tmp_path, "r1", "old")
    claims.publish(tmp_path, "r1", "old", {"f": claims.RECORDED})
    past = time.time() - 60
    os.utime(directory / "claims" / "old.started", (past, past))
    assert claims.others(tmp_path, "r1", "me", None) == {}


def test_a_session_still_running_elsewhere_is_waited_for(tmp_path: Path) -> None:
    _run(tmp_path)
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from infra import claims; time.sleep(1);"
            "claims.publish(Path(sys.argv[1]), 'r1', 'slow', {'f': claims.RECORDED})",
            str(tmp_path),
        ]
    )
    try:
        _started_by(tmp_path, "slow", other.pid)
        started = time.monotonic()
        assert claims.others(tmp_path, "r1", "me", time.monotonic() + 60) == {"f": claims.RECORDED}
        assert time.monotonic() - started >= 0.5  # it did wait for the publication
    finally:
        other.wait()


def test_waiting_ends_at_the_deadline(tmp_path: Path) -> None:
    _run(tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _started_by(tmp_path, "stuck", other.pid)
        started = time.monotonic()
        assert claims.others(tmp_path, "r1", "me", time.monotonic() + 0.3) == {}
        assert time.monotonic() - started < 10
    finally:
        other.kill()
        other.wait()


def test_nothing_to_wait_for_from_this_process_a_dead_one_or_a_broken_marker(tmp_path: Path) -> None:
    """One process running sessions one after another, a child that died unpublished, a marker
    cut short: none of them will ever publish, so none is waited for."""
    _run(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _started_by(tmp_path, "same", os.getpid())
    _started_by(tmp_path, "dead", dead.pid)
    _started_by(tmp_path, "torn", 0)
    (state.run_dir(tmp_path, "r1") / "claims" / "torn.started").write_text("")
    started = time.monotonic()
    assert claims.others(tmp_path, "r1", "me", None) == {}
    assert time.monotonic() - started < 5


def test_a_corrupt_publication_counts_as_nothing(tmp_path: Path) -> None:
    _run(tmp_path)
    claims.begin(tmp_path, "r1", "a")
    claims.begin(tmp_path, "r1", "b")
    directory = state.run_dir(tmp_path, "r1") / "claims"
    (directory / "a.json").write_text("[1, 2]")
    (directory / "b.json").write_text(json.dumps({"f": "strong", "g": claims.RECORDED}))
    assert claims.others(tmp_path, "r1", "me", None) == {"g": claims.RECORDED}
