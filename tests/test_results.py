"""Session results: JSON round trip, the per-hook table, and `infra summary`."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import results
from infra.main import main
from infra.results import HookResult, SelectionCounts, SessionResult, Status


def _result(session: str, run_id: str, *hooks: HookResult, timed_out: bool = False) -> SessionResult:
    return SessionResult(
        session=session,
        run_id=run_id,
        hooks=hooks,
        wall_s=1.5,
        cpu_s=1.0,
        peak_rss_mb=30.0,
        changes="all files",
        tests=SelectionCounts(selected=3, deselected=1, failed=1, mode="testmon", why="w", workers=2),
        timed_out=timed_out,
    )


PASSED = HookResult(key="a", id="a", status=Status.PASSED, reason="3 tests")
FAILED = HookResult(
    key="b",
    id="b",
    status=Status.FAILED,
    reason="1 of 3 tests failed",
    failed_tests=("tests/t.py::x",),
    tool_missing="helm",
)
SKIPPED = HookResult(key="c", id="c", status=Status.SKIPPED, reason="no files to check")


def test_status_is_the_worst_hook_and_timeouts_fail() -> None:
    """A session fails with any failed hook or a timeout, and is skipped only when every hook is."""
    assert _result("s", "r", PASSED, SKIPPED).status is Status.PASSED
    assert _result("s", "r", PASSED, FAILED).status is Status.FAILED
    assert _result("s", "r", SKIPPED).status is Status.SKIPPED
    assert _result("s", "r", SKIPPED, timed_out=True).status is Status.FAILED


def test_round_trip_and_rendering() -> None:
    """to_dict/from_dict round-trip; the block names failing tests and the hooks that own them."""
    result = _result("docs", "r1", PASSED, FAILED, SKIPPED)
    assert SessionResult.from_dict(result.to_dict()) == result
    block = "\n".join(results.render_session(result))
    assert "session docs: failed in 1.5s (all files)" in block
    assert "tests: 3 selected, 1 deselected, mode testmon (w), xdist -n 2" in block
    assert "FAILED tests/t.py::x  <- hook b" in block
    summary = results.render_summary([result])
    assert summary[0] == "3 hooks in 1 sessions: 1 passed, 1 failed, 1 skipped"
    assert "tools not installed here: helm" in summary[-1]


def test_summary_command_reads_the_latest_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`infra summary` prints the last run; it exits 1 when a hook failed and 2 with no run at all."""
    monkeypatch.chdir(tmp_path)
    assert main(["summary"]) == 2
    assert "no recorded run" in capsys.readouterr().err
    results.write(tmp_path, _result("docs", "r1", PASSED))
    results.write(tmp_path, _result("deploy", "r1", FAILED))
    (results.runs_dir(tmp_path) / "r1" / "broken.json").write_text("{not json")
    assert main(["summary"]) == 1
    out, err = capsys.readouterr()
    assert "2 hooks in 2 sessions: 1 passed, 1 failed, 0 skipped" in out
    assert "broken.json: unreadable session result" in err
    assert (tmp_path / ".infra" / ".gitignore").read_text().endswith("*\n")
    (results.runs_dir(tmp_path) / "empty").mkdir()
    assert main(["summary", "--run", "empty"]) == 2
    assert "no session results" in capsys.readouterr().err


def test_an_interrupted_summary_says_so_and_names_the_unfinished_hooks() -> None:
    """Cut short, the summary's first line says so and a last line lists the hooks that did not finish."""
    lines = results.render_summary([_result("s", "r", PASSED)], interrupted=True, unfinished=["b", "c"])
    assert lines[0] == "run interrupted: these counts cover only the sessions that finished"
    assert lines[1] == "1 hooks in 1 sessions: 1 passed, 0 failed, 0 skipped"
    assert lines[-1] == "  did not finish (2): b, c"
    assert results.render_summary([_result("s", "r", PASSED)])[0].startswith("1 hooks")
    assert results.render_summary([], interrupted=True) == ["run interrupted before any hook ran"]


def test_a_result_that_cannot_be_stored_is_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unwritable state directory costs the stored result (one warning line), never an exception."""
    from infra import state

    monkeypatch.setattr(state, "unwritable", lambda root: "Permission denied")
    monkeypatch.setattr(state, "_warned", set())
    assert results.write(tmp_path, _result("s", "r", PASSED)) is None
    assert results.write(tmp_path, _result("t", "r", PASSED)) is None
    assert capsys.readouterr().err.count("warning: ") == 1
    assert not (tmp_path / ".infra" / "runs").exists()
