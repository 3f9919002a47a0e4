"""The timing ledger: one JSON Lines record per session run, appended under a file lock.

Appends are safe with many concurrent writers in different processes: each writer takes
``fcntl.flock`` on the ledger, checks it still holds the file the path names (a compaction may
have replaced it), terminates a torn last line left by a crashed writer, then writes its whole
line with one ``os.write`` in ``O_APPEND`` mode. Whole-file rewrites (merge, compaction, the
size policy) live in ``infra.ledger_ops``. A record written by a newer schema stops every reader
with ``LedgerError``; nothing is ever deleted on the way.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import stat
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from infra import nogc, state, wire
from infra.errors import LedgerError

SCHEMA = 1
DEFAULT_LEDGER = Path(state.DEFAULT_LEDGER)
LEDGER_ENV = state.LEDGER_ENV
RUN_ID_ENV = wire.RUN_ID
STATUSES = frozenset({"success", "failed", "skipped", "aborted", "timeout"})
_PREFIX = b'{"schema":%d,' % SCHEMA  # every line this module writes starts so
_SESSION_KEY = b'"session":"'


@dataclass(frozen=True, kw_only=True)
class SessionRecord:
    """One run of one consolidated session; ``to_dict``/``from_dict`` round-trip through JSON."""

    schema: int = SCHEMA
    run_id: str
    session: str
    definition_hash: str
    started_at: str  # UTC ISO-8601
    ended_at: str
    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    merge_base: str | None = None
    machine: str  # fingerprint hash: compare timings only within one machine
    machine_info: dict[str, Any] = field(default_factory=dict)
    ci: dict[str, Any] | None = None
    hooks_run: list[str] = field(default_factory=list)
    hooks_skipped: list[str] = field(default_factory=list)
    hooks_failed: list[str] = field(default_factory=list)
    status: str  # one of STATUSES
    exit_code: int | None
    wall_s: float
    cpu_s: float | None = None  # user+system of the whole process tree
    peak_rss_mb: float | None = None
    tests_selected: int | None = None
    tests_run: int | None = None
    tests_failed: int | None = None
    selection_mode: str | None = None  # "full" | "testmon" | "data-trigger" | "none"
    parallelism: dict[str, Any] = field(default_factory=dict)  # jobs, xdist_workers

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this record, keys in field order (``schema`` first)."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionRecord:
        """Build a record from its JSON object; ``ValueError`` names what is wrong."""
        missing = _REQUIRED.difference(data)
        if missing:
            raise ValueError(f"missing {', '.join(sorted(missing))}")
        for name in ("run_id", "session", "definition_hash", "started_at", "ended_at", "machine"):
            if not isinstance(data[name], str):
                raise ValueError(f"{name} is not a string")
        if data["status"] not in STATUSES:
            raise ValueError(f"unknown status {data['status']!r}")
        if not _is_number(data["wall_s"]) or not (data.get("cpu_s") is None or _is_number(data["cpu_s"])):
            raise ValueError("wall_s/cpu_s is not a number")
        return cls(**{name: data[name] for name in _FIELDS if name in data})


FIELDS = tuple(f.name for f in fields(SessionRecord))  # column order of exports
_FIELDS = FIELDS
_REQUIRED = frozenset(
    f.name for f in fields(SessionRecord) if f.default is MISSING and f.default_factory is MISSING
)


def _is_number(value: object) -> bool:
    """A real, finite number (NaN or infinity would silently pass or poison the gate)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class LedgerContents(NamedTuple):
    records: list[SessionRecord]
    warnings: list[str]  # "<path>:<line>: ..." for every line that was skipped


def default_ledger_path(root: Path) -> Path:
    """``$INFRA_LEDGER``, else ``[tool.infra] ledger``, else ``.infra/ledger.jsonl`` (``state.ledger_path``)."""
    return state.ledger_path(root)


def utc_iso(timestamp: float | None = None) -> str:
    """A UTC ISO-8601 time stamp (``time.time()`` seconds, default now) as records store it."""
    moment = datetime.now(UTC) if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="microseconds")


def new_run_id() -> str:
    """The id shared by every session record of one run: ``$INFRA_RUN_ID`` if set, else fresh.

    CI sets ``INFRA_RUN_ID`` so that sessions sharded over several jobs form one run.
    """
    return os.environ.get(RUN_ID_ENV) or uuid.uuid4().hex


def encode(record: SessionRecord) -> bytes:
    """The record's ledger line, newline included."""
    return json.dumps(record.to_dict(), separators=(",", ":")).encode() + b"\n"


def append(path: Path, record: SessionRecord) -> None:
    """Append one record; safe with concurrent writers and after a writer crashed mid-line."""
    line = encode(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, fcntl.LOCK_EX) as fd:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # end the torn line a crashed writer left, not glue onto it
        written = os.write(fd, line)
        while written < len(line):  # pragma: no cover - a regular file takes the whole line at once
            written += os.write(fd, line[written:])


@contextlib.contextmanager
def locked(path: Path, flags: int, operation: int) -> Iterator[int]:
    """An fd of ``path`` under ``flock``, re-opened if the path was replaced while we waited."""
    while True:
        fd = os.open(path, flags, 0o644)
        try:
            fcntl.flock(fd, operation)
            if _names_fd(path, fd):
                yield fd
                return
        finally:
            os.close(fd)


def _names_fd(path: Path, fd: int) -> bool:
    held = os.fstat(fd)
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def _read_bytes(path: Path) -> bytes:
    try:
        with locked(path, os.O_RDONLY, fcntl.LOCK_SH) as fd, open(fd, "rb", closefd=False) as stream:
            # A device (``/dev/null`` to record nothing; ``/dev/full`` reads zeros forever) holds no records.
            return stream.read() if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read the ledger ({exc.strerror}); check its permissions") from exc


def _parse_line(line: bytes, path: Path, number: int, warnings: list[str]) -> SessionRecord | None:
    try:
        data = json.loads(line)
    except ValueError:
        warnings.append(f"{path}:{number}: skipped an unreadable line (torn write or not JSON)")
        return None
    schema = data.get("schema") if isinstance(data, dict) else None
    if isinstance(schema, int) and schema > SCHEMA:
        raise LedgerError(
            f"{path}:{number}: record schema {schema} is newer than this infra supports ({SCHEMA}); "
            "upgrade infra"
        )
    if schema != SCHEMA:
        warnings.append(f"{path}:{number}: skipped a line that is not a schema {SCHEMA} record")
        return None
    try:
        return SessionRecord.from_dict(data)
    except (ValueError, TypeError) as exc:
        warnings.append(f"{path}:{number}: skipped a malformed record ({exc})")
        return None


def parse(data: bytes, path: Path) -> LedgerContents:
    """Every readable record of ``data`` (the bytes of ``path``), skipped lines as warnings."""
    records: list[SessionRecord] = []
    warnings: list[str] = []
    with nogc.paused():
        for number, line in enumerate(data.split(b"\n"), 1):
            if line.strip():
                record = _parse_line(line, path, number, warnings)
                if record is not None:
                    records.append(record)
    return LedgerContents(records, warnings)


def read(path: Path) -> LedgerContents:
    """Every readable record in file order; a missing file is an empty ledger."""
    return parse(_read_bytes(path), path)


def _fast_session(line: bytes) -> bytes | None:
    """The session name of a line this module wrote, without parsing it (None: parse it)."""
    if not line.startswith(_PREFIX):
        return None
    start = line.find(_SESSION_KEY)
    if start < 0:
        return None
    start += len(_SESSION_KEY)
    end = line.find(b'"', start)
    name = line[start:end]
    return None if end < 0 or b"\\" in name else name


class _Tail:
    """One session during a tail scan: its latest record and how many older ones counted."""

    def __init__(self, latest: SessionRecord, same: Sequence[str]) -> None:
        self.latest = latest
        self.counted = 0
        # How each field in ``same`` looks in a line this module wrote, e.g. b'"machine":"ab12"'.
        self.needles = [f'"{name}":{json.dumps(getattr(latest, name))}'.encode() for name in same]

    def skips(self, line: bytes, limit: int) -> bool:
        """Whether a canonical line of this session cannot matter: limit reached, or a field differs."""
        return self.counted >= limit or not all(needle in line for needle in self.needles)


def read_recent(
    path: Path,
    *,
    limit: int,
    counts: Callable[[SessionRecord, SessionRecord], bool],
    same: Sequence[str] = (),
) -> LedgerContents:
    """Per session, its latest record and the newest ``limit`` older records that count.

    Scans from the end. An older record counts if its fields named in ``same`` equal the
    latest record's and ``counts(latest, record)`` is true. Lines this module wrote are looked
    at without parsing and skipped when they cannot count (a field in ``same`` differs, or the
    session already has ``limit``), so the cost is one cheap look per line plus a parse of the
    lines that matter. Records come back in file order.
    """
    lines = _read_bytes(path).split(b"\n")
    tails: dict[str, _Tail] = {}
    quick: dict[bytes, _Tail] = {}  # the same tails, by the session name as bytes in a line
    picked: list[SessionRecord] = []
    warnings: list[str] = []
    with nogc.paused():
        for index in range(len(lines) - 1, -1, -1):
            line = lines[index]
            name = _fast_session(line)
            if name is None and not line.strip():
                continue
            tail = quick.get(name) if name is not None else None
            if tail is not None and tail.skips(line, limit):
                continue
            record = _parse_line(line, path, index + 1, warnings)
            if record is None:
                continue
            tail = tails.get(record.session)
            if tail is None:
                tails[record.session] = quick[record.session.encode()] = _Tail(record, same)
                picked.append(record)
            elif _counts(tail, record, same, counts) and tail.counted < limit:
                tail.counted += 1
                picked.append(record)
    picked.reverse()
    warnings.reverse()
    return LedgerContents(picked, warnings)


def _counts(
    tail: _Tail,
    record: SessionRecord,
    same: Sequence[str],
    counts: Callable[[SessionRecord, SessionRecord], bool],
) -> bool:
    latest = tail.latest
    return all(getattr(record, name) == getattr(latest, name) for name in same) and counts(latest, record)
