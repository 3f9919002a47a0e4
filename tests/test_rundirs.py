"""A run's directory over its life: begun, ended, swept when killed, pruned; `infra summary` of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra import results, rundirs, state
from infra.main import main
from infra.results import HookResult, SessionResult, Status


def test_old_runs_are_pruned_newest_kept(tmp_path: Path) -> None:
    """Only the newest `keep` run directories stay (and any still running), and stale temp files go."""
    runs = tmp_path / ".infra" / "runs"
    for n in range(5):
        (runs / f"r{n}").mkdir(parents=True)
    stale = runs / "r4" / ".pytest.json.abc.tmp"
    stale.write_text("")
    os.utime(stale, (0, 0))
    (runs / "r1" / state.PARENT_FILE).write_text(rundirs._identity(os.getpid()))  # a run in progress
    for n in range(5):
        os.utime(runs / f"r{n}", (n, n))  # r0 oldest ... r4 newest
    assert sorted(rundirs.prune_runs(tmp_path, 2, live="r0")) == ["r2"]
    assert sorted(p.name for p in runs.iterdir()) == ["r0", "r1", "r3", "r4"]
    assert not stale.exists()
    assert rundirs.prune_runs(tmp_path / "nowhere", 2) == []


def test_what_a_killed_run_left_is_swept(tmp_path: Path) -> None:
    """A run whose recorded parent is gone loses its hand-off and temp files; a live run keeps them."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    rundirs.begin_run(tmp_path, "live")
    try:
        killed = state.run_dir(tmp_path, "killed")
        (killed / "tmp" / "nox-report").mkdir(parents=True)
        (killed / "handoff.pickle").write_bytes(b"x")
        (killed / "pytest.json").write_text("{}")
        (killed / state.PARENT_FILE).write_text(f"{dead} 1.0")
        assert rundirs.sweep_killed(tmp_path, live="other") == ["killed"]
        assert sorted(p.name for p in killed.iterdir()) == ["pytest.json"]
        assert (state.run_dir(tmp_path, "live") / state.PARENT_FILE).exists()
    finally:
        rundirs.end_run(tmp_path, "live")
    assert not (state.run_dir(tmp_path, "live") / "tmp").exists()


def _dead_pid() -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return done.stdout.strip()


def test_summary_of_a_killed_run_names_the_hooks_that_did_not_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`infra summary` of a run whose parent died: interrupted, the unreported hooks named, exit 1."""
    rundirs.begin_run(tmp_path, "r1", {"lint": ["ruff"], "pytest": ["unit", "broken"]})
    rundirs.end_run(tmp_path, "r1")
    hook = HookResult(key="ruff", id="ruff", status=Status.PASSED, reason="")
    results.write(
        tmp_path,
        SessionResult(
            session="lint", run_id="r1", hooks=(hook,), wall_s=1, cpu_s=1, peak_rss_mb=1, changes="x"
        ),
    )
    monkeypatch.chdir(tmp_path)
    assert main(["summary"]) == 1
    out = capsys.readouterr().out
    assert "run interrupted: these counts cover only the sessions that finished" in out
    assert "did not finish (2): broken, unit" in out


def test_summary_of_a_running_run_says_it_is_still_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """While the run's parent lives (here: we are it), missing hooks are pending, not interrupted."""
    rundirs.begin_run(tmp_path, "r2", {"pytest": ["unit"]})
    try:
        monkeypatch.chdir(tmp_path)
        assert main(["summary", "--run", "r2"]) == 0
    finally:
        rundirs.end_run(tmp_path, "r2")
    out = capsys.readouterr().out
    assert "run r2 is still running: 1 hooks have not reported yet" in out and "interrupted" not in out
