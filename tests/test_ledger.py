"""The JSON Lines timing ledger: records, concurrent appends, torn lines, rewrites."""

from __future__ import annotations

import fcntl
import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from infra import ledger, ledger_ops, timing
from infra.errors import LedgerError
from infra.ledger import SessionRecord


def make_record(**overrides: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "run_id": "r1",
        "session": "tests",
        "definition_hash": "d1",
        "started_at": "2025-01-01T00:00:00.000000+00:00",
        "ended_at": "2025-01-01T00:01:00.000000+00:00",
        "machine": "m1",
        "status": "success",
        "exit_code": 0,
        "wall_s": 60.0,
    }
    values.update(overrides)
    return SessionRecord(**values)


def full_record() -> SessionRecord:
    return make_record(
        commit="abc",
        branch="main",
        dirty=True,
        merge_base="abd",
        machine_info={"cpu_model": "X", "loadavg": [0.5, 0.4, 0.3]},
        ci={"provider": "github", "run_id": "7"},
        hooks_run=["a", "b"],
        hooks_skipped=["c"],
        hooks_failed=["b"],
        status="failed",
        exit_code=1,
        cpu_s=70.5,
        peak_rss_mb=300.0,
        tests_selected=5,
        tests_run=4,
        tests_failed=1,
        selection_mode="testmon",
        parallelism={"jobs": 2, "xdist_workers": 0},
    )


# Child processes import infra from this checkout.
CHILD_ENV_PATH = str(Path(__file__).resolve().parents[1])


def run_child(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": CHILD_ENV_PATH}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    """Wait for a child, closing its pipes; its exit code and stderr."""
    _, err = child.communicate(timeout=timeout)
    return child.returncode, err


WRITER = """
import sys
from pathlib import Path
from infra import ledger
path, writer, count, pad = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for seq in range(count):
    ledger.append(path, ledger.SessionRecord(
        run_id=f"{writer}-{seq}", session=writer, definition_hash="d", started_at="s", ended_at="e",
        machine="m", status="success", exit_code=0, wall_s=float(seq), hooks_run=["x" * pad]))
"""


def test_record_round_trips_through_dict_and_json() -> None:
    """to_dict/from_dict and the encoded JSON line give back an equal record, schema first."""
    record = full_record()
    assert SessionRecord.from_dict(record.to_dict()) == record
    line = ledger.encode(record)
    assert line.startswith(b'{"schema":1,"run_id":"r1","session":"tests",') and line.endswith(b"}\n")
    assert SessionRecord.from_dict(json.loads(line)) == record


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"session": None}, "missing session"),
        ({"session": 3}, "session is not a string"),
        ({"status": "great"}, "unknown status 'great'"),
        ({"wall_s": "60"}, "wall_s/cpu_s is not a number"),
        ({"wall_s": True}, "wall_s/cpu_s is not a number"),
        ({"cpu_s": "1"}, "wall_s/cpu_s is not a number"),
    ],
)
def test_from_dict_rejects_malformed_records(change: dict[str, Any], problem: str) -> None:
    """from_dict names the missing or mistyped field."""
    data = {**make_record().to_dict(), **change}
    data = {key: value for key, value in data.items() if value is not None or key != "session"}
    with pytest.raises(ValueError, match=problem):
        SessionRecord.from_dict(data)


def test_from_dict_ignores_unknown_keys() -> None:
    """A same-schema record with an extra key still loads."""
    assert SessionRecord.from_dict({**make_record().to_dict(), "extra": 1}) == make_record()


def test_append_creates_directories_and_read_returns_file_order(tmp_path: Path) -> None:
    """append makes parent dirs; read gives the records back in append order."""
    path = tmp_path / "a" / "b" / "ledger.jsonl"
    records = [make_record(run_id=f"r{n}") for n in range(3)]
    for record in records:
        ledger.append(path, record)
    assert ledger.read(path) == ledger.LedgerContents(records, [])


def test_read_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    """No ledger yet: no records, no warnings."""
    assert ledger.read(tmp_path / "none.jsonl") == ledger.LedgerContents([], [])


def test_read_of_an_unreadable_path_is_a_ledger_error(tmp_path: Path) -> None:
    """A path that cannot be read as a file gives one line naming it."""
    with pytest.raises(LedgerError, match=r"cannot read the ledger \(Is a directory\); check"):
        ledger.read(tmp_path)


def test_garbage_lines_are_skipped_with_file_and_line_number(tmp_path: Path) -> None:
    """Torn, non-JSON, non-record and malformed lines are skipped; each warning names path:line."""
    path = tmp_path / "ledger.jsonl"
    good = ledger.encode(make_record()).decode()
    path.write_text(
        good
        + good[:40]
        + "\n\n"
        + "[1, 2]\n"
        + '{"schema": 0}\n'
        + json.dumps({**make_record().to_dict(), "status": "odd"})
        + "\n"
        + good
    )
    contents = ledger.read(path)
    assert contents.records == [make_record(), make_record()]
    assert contents.warnings == [
        f"{path}:2: skipped an unreadable line (torn write or not JSON)",
        f"{path}:4: skipped a line that is not a schema 1 record",
        f"{path}:5: skipped a line that is not a schema 1 record",
        f"{path}:6: skipped a malformed record (unknown status 'odd')",
    ]


def test_newer_schema_raises_and_nothing_is_deleted(tmp_path: Path) -> None:
    """A future record stops read, compact and merge with a clear error; the file is untouched."""
    path = tmp_path / "ledger.jsonl"
    future = json.dumps({**make_record().to_dict(), "schema": 7}) + "\n"
    path.write_text(ledger.encode(make_record()).decode() + future)
    before = path.read_bytes()
    message = f"{path}:2: record schema 7 is newer than this infra supports (1); upgrade infra"
    with pytest.raises(LedgerError) as caught:
        ledger.read(path)
    assert str(caught.value) == message
    with pytest.raises(LedgerError):
        ledger_ops.compact(path, keep_last_per_session=1)
    with pytest.raises(LedgerError):
        ledger_ops.merge([], path)
    with pytest.raises(LedgerError):
        ledger.read_recent(path, limit=1, counts=timing.same_series)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.jsonl"]  # no temp files left behind


def test_append_after_a_torn_tail_starts_a_new_line(tmp_path: Path) -> None:
    """A partial last line (a crashed writer) is terminated, never glued onto the next record."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, make_record(run_id="before"))
    with path.open("ab") as stream:
        stream.write(ledger.encode(make_record(run_id="torn"))[:50])
    ledger.append(path, make_record(run_id="after"))
    contents = ledger.read(path)
    assert [r.run_id for r in contents.records] == ["before", "after"]
    assert contents.warnings == [f"{path}:2: skipped an unreadable line (torn write or not JSON)"]


def test_eight_processes_appending_in_parallel_lose_nothing(tmp_path: Path) -> None:
    """8 processes x 1,000 appends of ~5 KB lines: 8,000 valid records, none lost or interleaved.

    (The issue says "8 x 500 ... 8,000 records"; 8 x 500 is 4,000, so each writer appends 1,000.)
    """
    path = tmp_path / "ledger.jsonl"
    writers = [run_child(WRITER, str(path), f"w{n}", "1000", "5000") for n in range(8)]
    for child in writers:
        assert finish(child) == (0, "")
    contents = ledger.read(path)
    assert contents.warnings == []
    assert len(contents.records) == 8000
    assert {r.run_id for r in contents.records} == {f"w{n}-{s}" for n in range(8) for s in range(1000)}
    for n in range(8):  # each writer's records stay in its own order
        mine = [r.wall_s for r in contents.records if r.session == f"w{n}"]
        assert mine == sorted(mine)


HOLDER = """
import os, sys, time, fcntl
from pathlib import Path
from infra import ledger
path = Path(sys.argv[1])
line = ledger.encode(ledger.SessionRecord(
    run_id="killed", session="k", definition_hash="d", started_at="s", ended_at="e",
    machine="m", status="success", exit_code=0, wall_s=1.0, hooks_run=["x" * 100000]))
with ledger.locked(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, fcntl.LOCK_EX) as fd:
    os.write(fd, line[: len(line) // 2])  # the first chunk of a big record ...
    print("holding", flush=True)
    time.sleep(60)  # ... and the rest never comes
"""


def test_writer_killed_mid_append_loses_only_its_own_record(tmp_path: Path) -> None:
    """SIGKILL while holding the lock half-way through a record: waiting writers go on, the file reads."""
    path = tmp_path / "ledger.jsonl"
    for n in range(10):
        ledger.append(path, make_record(run_id=f"old{n}"))
    holder = run_child(HOLDER, str(path))
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    waiting = [run_child(WRITER, str(path), f"w{n}", "50", "10") for n in range(2)]
    time.sleep(1.0)  # the writers are now blocked on the lock the holder has
    assert all(child.poll() is None for child in waiting)
    holder.send_signal(signal.SIGKILL)
    assert finish(holder, 10)[0] == -signal.SIGKILL
    for child in waiting:
        assert finish(child) == (0, "")
    contents = ledger.read(path)
    assert [r.run_id for r in contents.records[:10]] == [f"old{n}" for n in range(10)]
    assert len(contents.records) == 110
    assert "killed" not in {r.run_id for r in contents.records}
    assert contents.warnings == [f"{path}:11: skipped an unreadable line (torn write or not JSON)"]


def test_writer_killed_at_a_random_moment_leaves_a_readable_file(tmp_path: Path) -> None:
    """A real append loop of 1 MB records killed at an arbitrary point: at most its last record is lost."""
    path = tmp_path / "ledger.jsonl"
    child = run_child(WRITER, str(path), "big", "100000", "1000000")
    deadline = time.monotonic() + 30
    while (not path.exists() or path.stat().st_size < 20_000_000) and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    assert finish(child, 10)[0] == -signal.SIGKILL
    ledger.append(path, make_record(run_id="next"))
    contents = ledger.read(path)
    assert len(contents.warnings) <= 1
    big = [r.wall_s for r in contents.records if r.session == "big"]
    assert len(big) >= 15 and big == [float(n) for n in range(len(big))]  # no gaps, no duplicates
    assert contents.records[-1].run_id == "next"


def test_compact_keeps_the_newest_records_per_session(tmp_path: Path) -> None:
    """compact keeps the last N of each session in order, drops unreadable lines, keeps the file mode."""
    path = tmp_path / "ledger.jsonl"
    for n in range(5):
        ledger.append(path, make_record(run_id=f"t{n}", session="tests"))
        ledger.append(path, make_record(run_id=f"l{n}", session="lint"))
    with path.open("ab") as stream:
        stream.write(b"{torn\n")
    path.chmod(0o640)
    result = ledger_ops.compact(path, keep_last_per_session=2)
    assert (result.kept, result.dropped) == (4, 6)
    assert result.warnings == [f"{path}:11: skipped an unreadable line (torn write or not JSON)"]
    assert [r.run_id for r in ledger.read(path).records] == ["t3", "l3", "t4", "l4"]
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(ValueError, match="at least 1"):
        ledger_ops.compact(path, keep_last_per_session=0)


COMPACTOR = """
import sys
from pathlib import Path
from infra import ledger_ops
for _ in range(int(sys.argv[2])):
    ledger_ops.compact(Path(sys.argv[1]), keep_last_per_session=10**6)
"""


def test_appends_during_compaction_are_not_lost(tmp_path: Path) -> None:
    """Writers racing a compaction that replaces the file re-open it: every record survives."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, make_record(run_id="seed"))
    children = [run_child(WRITER, str(path), f"w{n}", "300", "10") for n in range(3)]
    children.append(run_child(COMPACTOR, str(path), "40"))
    for child in children:
        assert finish(child) == (0, "")
    contents = ledger.read(path)
    assert contents.warnings == []
    assert len(contents.records) == 901


def test_merge_dedupes_sorts_and_keeps_the_existing_records(tmp_path: Path) -> None:
    """merge folds shards into out: unique by (run_id, session), ordered by start time."""
    out, one, two = tmp_path / "out.jsonl", tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    ledger.append(out, make_record(run_id="a", started_at="2025-01-01T00:00:03+00:00"))
    ledger.append(one, make_record(run_id="b", started_at="2025-01-01T00:00:02+00:00"))
    ledger.append(one, make_record(run_id="a", started_at="2025-01-01T00:00:03+00:00"))
    ledger.append(two, make_record(run_id="b", session="lint", started_at="2025-01-01T00:00:01"))
    ledger.append(two, make_record(run_id="c", started_at="not a time"))
    with two.open("ab") as stream:
        stream.write(b"oops\n")
    result = ledger_ops.merge([one, two], out)
    assert (result.kept, result.dropped) == (4, 1)
    assert result.warnings == [f"{two}:3: skipped an unreadable line (torn write or not JSON)"]
    assert [(r.run_id, r.session) for r in ledger.read(out).records] == [
        ("b", "lint"),
        ("b", "tests"),
        ("a", "tests"),
        ("c", "tests"),
    ]
    assert ledger_ops.merge([one, two], out).kept == 4  # idempotent


def test_merge_into_a_new_file(tmp_path: Path) -> None:
    """merge creates out (and its directory) when it does not exist."""
    shard = tmp_path / "shard.jsonl"
    ledger.append(shard, make_record())
    out = tmp_path / "new" / "ledger.jsonl"
    assert ledger_ops.merge([shard], out).kept == 1
    assert ledger.read(out).records == [make_record()]


def test_export_csv_and_json(tmp_path: Path) -> None:
    """export gives a CSV with one column per field, or a JSON array of the records."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, full_record())
    rows = ledger_ops.export(path, "csv").splitlines()
    assert rows[0].startswith("schema,run_id,session,definition_hash,")
    assert rows[1].startswith("1,r1,tests,d1,")
    assert ",a b,c,b,failed,1,60.0,70.5," in rows[1]
    assert '"{""jobs"":2,""xdist_workers"":0}"' in rows[1]
    assert ",,,," not in rows[1]
    assert json.loads(ledger_ops.export(path, "json")) == [full_record().to_dict()]
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        ledger_ops.export(path, "xml")


def test_default_ledger_path_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$INFRA_LEDGER overrides the default; a relative value is taken from the root."""
    assert ledger.default_ledger_path(tmp_path) == tmp_path / ".infra" / "ledger.jsonl"
    monkeypatch.setenv("INFRA_LEDGER", "shard.jsonl")
    assert ledger.default_ledger_path(tmp_path) == tmp_path / "shard.jsonl"
    monkeypatch.setenv("INFRA_LEDGER", "/abs/ledger.jsonl")
    assert ledger.default_ledger_path(tmp_path) == Path("/abs/ledger.jsonl")


def test_time_stamps_and_run_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """utc_iso writes UTC ISO-8601 with microseconds; run ids are unique hex unless CI sets one."""
    assert ledger.utc_iso(0) == "1970-01-01T00:00:00.000000+00:00"
    assert ledger.utc_iso().endswith("+00:00")
    monkeypatch.delenv("INFRA_RUN_ID", raising=False)
    first, second = ledger.new_run_id(), ledger.new_run_id()
    assert first != second and len(first) == 32 and int(first, 16) >= 0
    monkeypatch.setenv("INFRA_RUN_ID", "123-1")
    assert ledger.new_run_id() == "123-1"


def test_read_recent_gives_the_gate_what_a_full_read_gives(tmp_path: Path) -> None:
    """The tail scan yields the same verdicts as reading everything, skipping lines that cannot matter.

    Torn lines planted early in each session's history show which lines were parsed: only
    those of sessions still short of comparable runs, or whose names take the slow path.
    """
    path = tmp_path / "ledger.jsonl"
    sessions = ("tests", "lint", "ünïcode")
    for n in range(200):
        for session in sessions:
            record = make_record(
                run_id=f"r{n}",
                session=session,
                definition_hash="d1" if n < 150 else "d2",
                machine="m2" if session == "lint" and n >= 195 else "m1",
                status="failed" if n % 17 == 0 else "success",
                wall_s=60.0 + (n % 7) + (40 if n >= 197 and session == "tests" else 0),
            )
            ledger.append(path, record)
            if n == 10:
                with path.open("ab") as stream:
                    stream.write(ledger.encode(record)[:80])
    with path.open("ab") as stream:  # a hand-written line with other key order and spacing
        data = make_record(run_id="hand", session="docs").to_dict()
        stream.write(json.dumps(dict(reversed(list(data.items())))).encode() + b"\n\n")
    full = ledger.read(path)
    assert len(full.warnings) == 3
    torn = dict(zip(sessions, full.warnings, strict=True))
    limits = timing.Thresholds()
    expected = timing.check(full.records, limits)
    assert [v.status for v in expected] == [
        timing.Status.INSUFFICIENT,  # docs: one run
        timing.Status.INSUFFICIENT,  # lint: new machine, 5 runs
        timing.Status.REGRESSION,  # tests
        timing.Status.OK,  # ünïcode
    ]
    limit = limits.window + limits.recent
    quick = ledger.read_recent(path, limit=limit, counts=timing.same_series, same=timing.SERIES_FIELDS)
    assert timing.check(quick.records, limits) == expected
    assert quick.warnings == [torn["ünïcode"]]  # escaped names are always parsed
    assert sum(r.session == "tests" for r in quick.records) == 1 + limit
    assert sum(r.session == "lint" for r in quick.records) == 5
    plain = ledger.read_recent(path, limit=limit, counts=timing.same_series)
    assert timing.check(plain.records, limits) == expected
    assert plain.warnings == [torn["lint"], torn["ünïcode"]]  # lint never reaches the limit


def test_read_recent_warns_about_torn_lines_it_reads(tmp_path: Path) -> None:
    """A torn line among the lines the tail scan parses is reported with its line number."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, make_record(run_id="a"))
    path.write_bytes(path.read_bytes() + b'{"schema":1,"run_id":"x","session":"tests","defi\n')
    path.write_bytes(path.read_bytes() + b'{"schema":1,"run_id":"y"}\n')
    ledger.append(path, make_record(run_id="b"))
    contents = ledger.read_recent(path, limit=10, counts=timing.same_series)
    assert [r.run_id for r in contents.records] == ["a", "b"]
    assert contents.warnings == [
        f"{path}:2: skipped an unreadable line (torn write or not JSON)",
        f"{path}:3: skipped a malformed record (missing {', '.join(sorted(ledger._REQUIRED - {'run_id'}))})",
    ]


def test_a_failed_rewrite_leaves_the_ledger_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final replace fails (e.g. a full disk), the old ledger stays and the temp file goes."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, make_record())
    before = path.read_bytes()

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        ledger_ops.compact(path, keep_last_per_session=1)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.jsonl"]


def test_a_replaced_or_removed_file_is_not_the_locked_one(tmp_path: Path) -> None:
    """The lock re-check sees that the path no longer names the file the fd holds."""
    path = tmp_path / "ledger.jsonl"
    path.write_text("")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert ledger._names_fd(path, fd)
        path.unlink()
        assert not ledger._names_fd(path, fd)
        path.write_text("")
        assert not ledger._names_fd(path, fd)
    finally:
        os.close(fd)


def test_parsing_leaves_a_disabled_gc_disabled(tmp_path: Path) -> None:
    """read switches the cyclic GC off while parsing and restores the caller's setting."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, make_record())
    gc.disable()
    try:
        assert len(ledger.read(path).records) == 1
        assert not gc.isenabled()
    finally:
        gc.enable()
    ledger.read(path)
    assert gc.isenabled()


def test_an_append_waiting_on_a_replaced_file_lands_in_the_new_one(tmp_path: Path) -> None:
    """A writer blocked on the lock while the file is replaced re-opens the path and appends there."""
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, make_record(run_id="old"))
    holder = os.open(path, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    writer = threading.Thread(target=ledger.append, args=(path, make_record(run_id="waiting")))
    writer.start()
    time.sleep(0.2)  # the writer has opened the old file and waits for its lock
    replacement = tmp_path / "new.jsonl"
    replacement.write_bytes(ledger.encode(make_record(run_id="compacted")))
    os.replace(replacement, path)
    os.close(holder)  # releases the lock on the old file
    writer.join(timeout=10)
    assert [r.run_id for r in ledger.read(path).records] == ["compacted", "waiting"]


def test_a_ledger_past_its_size_bound_is_compacted_and_a_small_one_left_alone(tmp_path: Path) -> None:
    """Size policy: past ``max_bytes`` the newest ``keep`` records per session stay; below it, nothing."""
    path = tmp_path / "ledger.jsonl"
    assert ledger_ops.compact_if_large(path, max_bytes=10, keep=2) is None  # no ledger yet
    for n in range(5):
        ledger.append(path, make_record(run_id=f"r{n}"))
    size = path.stat().st_size
    assert ledger_ops.compact_if_large(path, max_bytes=size, keep=2) is None
    done = ledger_ops.compact_if_large(path, max_bytes=size - 1, keep=2)
    assert done is not None and (done.kept, done.dropped) == (2, 3)
    assert [r.run_id for r in ledger.read(path).records] == ["r3", "r4"]


def test_a_device_named_as_the_ledger_holds_no_records(tmp_path: Path) -> None:
    """`/dev/null` (record nothing) or `/dev/full` (endless zeros) read as an empty ledger, at once."""
    assert ledger.read(Path("/dev/full")).records == []
    assert ledger.read(Path("/dev/null")).records == []
