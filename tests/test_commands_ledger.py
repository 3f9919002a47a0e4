"""``infra ledger show|merge|export|compact|plot`` through ``main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import ledger
from infra.ledger import SessionRecord
from infra.main import main


def rec(run: int, session: str = "tests", **overrides: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "run_id": f"r{run}",
        "session": session,
        "definition_hash": "d",
        "started_at": f"2025-01-01T00:{run:02d}:00+00:00",
        "ended_at": f"2025-01-01T00:{run:02d}:30+00:00",
        "machine": "0123456789abcdef",
        "status": "success",
        "exit_code": 0,
        "wall_s": 30.0 + run,
    }
    values.update(overrides)
    return SessionRecord(**values)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory (the default ledger is relative to it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_show_of_a_missing_ledger(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No ledger yet: a count line, exit 0."""
    assert main(["ledger", "show"]) == 0
    assert capsys.readouterr().out == f"{in_tmp / '.infra' / 'ledger.jsonl'}: 0 records, 0 sessions\n"


def test_show_lists_the_latest_records(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """show prints a table of the newest records (optionally one session) and warns about torn lines."""
    path = in_tmp / ".infra" / "ledger.jsonl"
    ledger.append(path, rec(1, commit="abcdef0123456789", dirty=True, cpu_s=12.0, peak_rss_mb=99.6))
    ledger.append(path, rec(2, session="lint", tests_run=3, tests_selected=4))
    ledger.append(path, rec(3))
    with path.open("ab") as stream:
        stream.write(b'{"schema":1,"tor')
    assert main(["ledger", "show", "--last", "2"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == [
        "started",
        "(UTC)",
        "session",
        "status",
        "wall",
        "s",
        "cpu",
        "s",
        "rss",
        "MB",
        "tests",
        "commit",
        "machine",
    ]
    assert lines[2].split() == [
        "2025-01-01T00:02:00",
        "lint",
        "success",
        "32.0",
        "-",
        "-",
        "3/4",
        "-",
        "01234567",
    ]
    assert lines[3].split()[1] == "tests" and len(lines) == 5
    assert lines[4] == f"{path}: 3 records, 2 sessions"
    assert err == f"warning: {path}:4: skipped an unreadable line (torn write or not JSON)\n"
    assert main(["ledger", "show", "--session", "tests", "--last", "1"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 4 and "00:03:00" in shown[2]
    assert main(["ledger", "show", "--session", "tests", "--last", "9"]) == 0
    first = capsys.readouterr().out.splitlines()[2].split()
    assert first == [
        "2025-01-01T00:01:00",
        "tests",
        "success",
        "31.0",
        "12.0",
        "100",
        "-",
        "abcdef0123+",
        "01234567",
    ]


def test_infra_ledger_env_chooses_the_file(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """$INFRA_LEDGER replaces the default path; --ledger replaces both."""
    monkeypatch.setenv("INFRA_LEDGER", "shard.jsonl")
    ledger.append(in_tmp / "shard.jsonl", rec(1))
    assert main(["ledger", "show"]) == 0
    assert capsys.readouterr().out.endswith(f"{in_tmp / 'shard.jsonl'}: 1 records, 1 sessions\n")
    assert main(["ledger", "show", "--ledger", str(in_tmp / "other.jsonl")]) == 0
    assert capsys.readouterr().out.endswith("other.jsonl: 0 records, 0 sessions\n")


def test_merge_shards(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """merge folds shards into the ledger and reports duplicates."""
    one, two = in_tmp / "one.jsonl", in_tmp / "two.jsonl"
    ledger.append(one, rec(1))
    ledger.append(two, rec(2, session="lint"))
    ledger.append(two, rec(1))
    assert main(["ledger", "merge", str(one), str(two), "--ledger", "all.jsonl"]) == 0
    assert capsys.readouterr().out == "all.jsonl: 2 records after merging 2 files (1 duplicates)\n"
    assert [r.run_id for r in ledger.read(in_tmp / "all.jsonl").records] == ["r1", "r2"]


def test_merge_names_a_missing_shard(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A shard path that does not exist: one error line, exit 2, nothing written."""
    assert main(["ledger", "merge", "nope.jsonl"]) == 2
    assert capsys.readouterr().err == "error: nope.jsonl: no such ledger shard; check the path\n"
    assert not (in_tmp / ".infra").exists()


def test_export_to_stdout_and_file(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """export writes CSV to stdout by default, JSON to --output."""
    ledger.append(in_tmp / ".infra" / "ledger.jsonl", rec(1))
    assert main(["ledger", "export"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("1,r1,tests,d,")
    assert main(["ledger", "export", "--format", "json", "-o", "out/l.json"]) == 0
    assert json.loads((in_tmp / "out" / "l.json").read_text())[0]["run_id"] == "r1"


def test_compact(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """compact keeps --keep records per session and says what it removed."""
    path = in_tmp / ".infra" / "ledger.jsonl"
    for n in range(4):
        ledger.append(path, rec(n))
    assert main(["ledger", "compact", "--keep", "1"]) == 0
    assert capsys.readouterr().out == f"{path}: kept 1 records, removed 3 older ones\n"
    with path.open("ab") as stream:
        stream.write(b"junk\n")
    assert main(["ledger", "compact", "--keep", "1"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{path}: kept 1 records, removed 0 older ones, 1 unreadable lines removed\n"
    assert err.startswith("warning: ")


def test_compact_refuses_a_bad_keep(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--keep 0 is a usage error (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["ledger", "compact", "--keep", "0"])
    assert caught.value.code == 2
    assert "expected a positive whole number, got '0'" in capsys.readouterr().err


def test_plot(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """plot writes an SVG where --output says."""
    ledger.append(in_tmp / ".infra" / "ledger.jsonl", rec(1))
    assert main(["ledger", "plot", "-o", "chart.svg", "--last", "5"]) == 0
    assert capsys.readouterr().out == "wrote chart.svg\n"
    assert (in_tmp / "chart.svg").read_text().startswith("<svg ")


def test_a_future_ledger_is_a_clean_error(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A newer schema: one error line naming file and line, exit 2, file untouched."""
    path = in_tmp / ".infra" / "ledger.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps({**rec(1).to_dict(), "schema": 7}) + "\n")
    for action in ("show", "compact", "export", "plot"):
        assert main(["ledger", action]) == 2
        assert capsys.readouterr().err == (
            f"error: {path}:1: record schema 7 is newer than this infra supports (1); upgrade infra\n"
        )
    assert json.loads(path.read_text())["schema"] == 7
