"""Whole-ledger operations: merge shards, compact, the size policy, export (``infra ledger ...``).

Each rewrite holds the ledger's lock (``ledger.locked``), builds a temp file in the same
directory and ``os.replace``s it, so concurrent appends are never lost (they wait, then land in
the new file).

Size policy: a record is ~1 KB, one per session run (about a dozen per push). Readers on the hot
path read only the file's tail, so size costs disk, not time; ``infra ledger compact --keep N``
keeps the newest N records per session, and the end of a prepush run compacts on its own when the
file passes ``AUTO_COMPACT_BYTES`` (keeping ``AUTO_KEEP`` per session).
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from infra import ledger, state

AUTO_COMPACT_BYTES = 32 * 1024 * 1024
AUTO_KEEP = 2000


class Rewrite(NamedTuple):
    kept: int
    dropped: int
    warnings: list[str]


def _rewrite(
    path: Path, change: Callable[[list[ledger.SessionRecord]], list[ledger.SessionRecord]]
) -> Rewrite:
    path.parent.mkdir(parents=True, exist_ok=True)
    with ledger.locked(path, os.O_RDWR | os.O_CREAT, fcntl.LOCK_EX) as fd:
        with open(fd, "rb", closefd=False) as stream:
            contents = ledger.parse(stream.read(), path)
        kept = change(contents.records)
        records = (ledger.encode(record) for record in kept)
        state.write_atomic(path, records, mode=os.fstat(fd).st_mode & 0o777, durable=True)
    return Rewrite(len(kept), len(contents.records) - len(kept), contents.warnings)


def _started(record: ledger.SessionRecord) -> tuple[int, datetime | str]:
    try:
        moment = datetime.fromisoformat(record.started_at)
    except ValueError:
        return (1, record.started_at)  # unparseable stamps go last, in their own order
    return (0, moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def merge(paths: Sequence[Path], out: Path) -> Rewrite:
    """Merge ledgers into ``out`` (its own records included): dedupe by (run_id, session), sort by start.

    ``kept`` counts the records ``out`` holds afterwards; ``dropped`` the duplicates.
    """
    incoming: list[ledger.SessionRecord] = []
    warnings: list[str] = []
    for path in paths:
        contents = ledger.read(path)
        incoming += contents.records
        warnings += contents.warnings

    def combine(existing: list[ledger.SessionRecord]) -> list[ledger.SessionRecord]:
        unique: dict[tuple[str, str], ledger.SessionRecord] = {}
        for record in existing + incoming:
            unique.setdefault((record.run_id, record.session), record)
        return sorted(unique.values(), key=_started)

    result = _rewrite(out, combine)
    total = len(incoming) + result.kept + result.dropped
    return Rewrite(result.kept, total - result.kept, warnings + result.warnings)


def compact(path: Path, *, keep_last_per_session: int) -> Rewrite:
    """Keep the newest ``keep_last_per_session`` records of each session (unreadable lines go too)."""
    if keep_last_per_session < 1:
        raise ValueError("keep_last_per_session must be at least 1")

    def newest(records: list[ledger.SessionRecord]) -> list[ledger.SessionRecord]:
        seen: dict[str, int] = {}
        kept: list[ledger.SessionRecord] = []
        for record in reversed(records):
            seen[record.session] = seen.get(record.session, 0) + 1
            if seen[record.session] <= keep_last_per_session:
                kept.append(record)
        return kept[::-1]

    return _rewrite(path, newest)


def compact_if_large(
    path: Path, *, max_bytes: int = AUTO_COMPACT_BYTES, keep: int = AUTO_KEEP
) -> Rewrite | None:
    """``compact`` when the ledger has grown past ``max_bytes``; None when it is small (or absent)."""
    try:
        if path.stat().st_size <= max_bytes:
            return None
    except OSError:
        return None
    return compact(path, keep_last_per_session=keep)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def export(path: Path, fmt: str = "csv") -> str:
    """The ledger as CSV (one column per field; lists space-joined, dicts as JSON) or a JSON array."""
    records = ledger.read(path).records
    if fmt == "json":
        return json.dumps([record.to_dict() for record in records], indent=1) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ledger.FIELDS)
    writer.writerows([_cell(value) for value in record.to_dict().values()] for record in records)
    return buffer.getvalue()
