"""``infra regress`` through ``main``: table, Markdown, step summary and exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from infra import ledger, timing
from infra.commands import regress
from infra.ledger import SessionRecord
from infra.main import main


def rec(n: int, wall: float, session: str = "tests", **overrides: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "run_id": f"r{n}",
        "session": session,
        "definition_hash": "d",
        "started_at": "2025-01-01T00:00:00+00:00",
        "ended_at": "2025-01-01T00:01:00+00:00",
        "machine": "m",
        "status": "success",
        "exit_code": 0,
        "wall_s": wall,
    }
    values.update(overrides)
    return SessionRecord(**values)


def write_history(path: Path, recent: float, session: str = "tests") -> None:
    for n in range(20):
        ledger.append(path, rec(n, 60.0 + (n % 3), session))
    for n in range(20, 25):  # the default candidate windows: the last 3, the last 5
        ledger.append(path, rec(n, recent, session))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, with no step summary set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def test_no_ledger_is_nothing_to_compare(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first run ever: exit 0 with a note."""
    assert main(["regress"]) == 0
    assert capsys.readouterr().out.endswith("no session runs recorded yet; nothing to compare\n")


def test_steady_sessions_pass(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No change: a table with an ok row (candidate bias-corrected for the dropped slowest run), exit 0."""
    write_history(in_tmp / ".infra" / "ledger.jsonl", 61.0)
    assert main(["regress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["session", "status", "baseline"]
    assert lines[2].split()[:7] == ["tests", "ok", "61.0", "61.8", "1.01", "0.5", "20"]


def test_regression_fails_and_writes_markdown(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A persistent slowdown: exit 1, named on the last line, Markdown to --markdown and the step summary."""
    path = in_tmp / "l.jsonl"
    write_history(path, 95.0)
    write_history(path, 30.0, session="lint")
    summary = in_tmp / "summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    report = in_tmp / "report.md"
    report.write_text("stale\n")
    assert main(["regress", "--ledger", str(path), "--markdown", str(report)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "timing regression in 1 session(s): tests"
    assert "| `tests` | **regression** | 61.0 | 96.0 |" in report.read_text()
    assert not report.read_text().startswith("stale")
    assert summary.read_text() == "# earlier step\n" + report.read_text()


def test_markdown_to_the_step_summary_is_written_once(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--markdown "$GITHUB_STEP_SUMMARY" appends the table once, not twice."""
    write_history(in_tmp / ".infra" / "ledger.jsonl", 61.0)
    summary = in_tmp / "summary.md"
    summary.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["regress", "--markdown", str(summary)]) == 0
    text = summary.read_text()
    assert text.startswith("before\n### Session timing") and text.count("### Session timing") == 1


def test_thresholds_come_from_the_options(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A looser --min-ratio lets the same slowdown pass; --window/--recent/--short/--min-history are used."""
    write_history(in_tmp / ".infra" / "ledger.jsonl", 95.0)
    assert main(["regress", "--min-ratio", "1.6"]) == 0
    assert main(["regress", "--min-z", "50"]) == 0
    assert main(["regress", "--min-delta", "40"]) == 0
    assert main(["regress", "--window", "5", "--recent", "2", "--min-history", "5"]) == 0  # baseline: slowed
    assert main(["regress", "--window", "5", "--recent", "4", "--short", "2", "--min-history", "5"]) == 1
    assert main(["regress", "--window", "5", "--min-history", "6"]) == 2
    err = capsys.readouterr().err
    assert err == "error: infra regress: min_history cannot exceed window; adjust the options\n"
    assert main(["regress", "--recent", "11"]) == 2
    assert capsys.readouterr().err == "error: infra regress: recent cannot exceed 10; adjust the options\n"


@pytest.mark.parametrize(
    "argv", [["--window", "0"], ["--min-z", "-1"], ["--min-ratio", "abc"], ["--recent", "x"]]
)
def test_bad_options_are_usage_errors(
    in_tmp: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Non-numbers and out-of-range numbers: exit 2 with argparse's message."""
    with pytest.raises(SystemExit) as caught:
        main(["regress", *argv])
    assert caught.value.code == 2
    assert "expected a" in capsys.readouterr().err


def test_data_errors_exit_2_and_torn_lines_warn(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A torn line warns and the gate still runs; a future schema is exit 2."""
    path = in_tmp / ".infra" / "ledger.jsonl"
    write_history(path, 61.0)
    with path.open("ab") as stream:
        stream.write(b'{"schema":1,"run_id":"x","session":"other"')
    assert main(["regress"]) == 0
    assert (
        capsys.readouterr().err
        == f"warning: {path}:26: skipped an unreadable line (torn write or not JSON)\n"
    )
    with path.open("a") as stream:
        stream.write("\n" + json.dumps({**rec(99, 1.0).to_dict(), "schema": 2}) + "\n")
    assert main(["regress"]) == 2
    assert capsys.readouterr().err.startswith(f"error: {path}:27: record schema 2 is newer")


def test_option_defaults_are_the_gate_defaults() -> None:
    """`infra regress` without options gates with exactly timing.Thresholds()."""
    parser = argparse.ArgumentParser()
    regress.register(parser.add_subparsers())
    args = parser.parse_args(["regress"])
    defaults = timing.Thresholds()
    for name in ("window", "recent", "short", "min_history", "min_z", "min_ratio", "min_delta"):
        assert getattr(args, name) == getattr(defaults, name), name
