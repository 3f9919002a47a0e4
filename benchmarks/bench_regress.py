"""Time ``infra regress`` over a 100,000-record ledger (target: <= 1 s, median of several runs).

Run: ``.venv/bin/python benchmarks/bench_regress.py [--records N] [--repeat R]``. Builds the
ledger in a temp dir (realistic records: 20 sessions, full machine info), then times the
installed command end to end (interpreter start-up included) and the in-process call.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra import fingerprint, ledger
from infra.main import main

TARGET_S = 1.0


def build(path: Path, records: int, sessions: int = 20) -> None:
    """Write ``records`` realistic records (runs of ``sessions`` sessions) straight to ``path``."""
    rng = random.Random(7)
    machine = fingerprint.machine()
    names = [f"prepush-session-{n:02d}" for n in range(sessions)]
    lines = []
    for index in range(records):
        run, name = divmod(index, sessions)
        start = 1.7e9 + run * 900
        wall = (10 + 5 * name) * rng.lognormvariate(0, 0.15)
        record = ledger.SessionRecord(
            run_id=f"run-{run:06d}",
            session=names[name],
            definition_hash="3f2a9b1c8d7e6f50",
            started_at=ledger.utc_iso(start),
            ended_at=ledger.utc_iso(start + wall),
            commit="bcb912a0f2c3d4e5f60718293a4b5c6d7e8f9012",
            branch="main",
            dirty=False,
            merge_base="bcb912a0f2c3d4e5f60718293a4b5c6d7e8f9012",
            machine=machine.hash,
            machine_info=machine.info,
            ci={"provider": "github", "run_id": str(run)},
            hooks_run=[f"hook-{name}-{k}" for k in range(3)],
            status="success" if rng.random() > 0.03 else "failed",
            exit_code=0,
            wall_s=round(wall, 3),
            cpu_s=round(wall * 0.8, 3),
            peak_rss_mb=312.5,
            tests_selected=40,
            tests_run=40,
            tests_failed=0,
            selection_mode="testmon",
            parallelism={"jobs": 2, "xdist_workers": 0},
        )
        lines.append(ledger.encode(record))
    path.write_bytes(b"".join(lines))


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - start


def timed_in_process(path: Path) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["regress", "--ledger", str(path)])
    return time.perf_counter() - start


def move_to_a_new_machine(path: Path, sessions: int = 20) -> None:
    """Append one more run whose sessions all ran on an unseen machine (nothing is comparable)."""
    for record in ledger.read(path).records[-sessions:]:
        ledger.append(path, dataclasses.replace(record, run_id="new-machine", machine="0000000000000000"))


def run(records: int, repeat: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.jsonl"
        build(path, records)
        size_mb = path.stat().st_size / 2**20
        command = [sys.executable, "-m", "infra", "regress", "--ledger", str(path)]
        cli = statistics.median(timed(command) for _ in range(repeat))
        inproc = statistics.median(timed_in_process(path) for _ in range(repeat))
        full = statistics.median(_timed_full_read(path) for _ in range(repeat))
        move_to_a_new_machine(path)
        worst = statistics.median(timed(command) for _ in range(repeat))
    print(f"ledger: {records} records, {size_mb:.0f} MiB")
    print(f"infra regress (new process, median of {repeat}): {cli:.3f} s (target <= {TARGET_S} s)")
    print(f"infra regress (in process, median of {repeat}):  {inproc:.3f} s")
    print(f"  ... latest run on an unseen machine:            {worst:.3f} s")
    print(f"ledger.read of every record (for comparison):     {full:.3f} s")
    return max(cli, worst)


def _timed_full_read(path: Path) -> float:
    start = time.perf_counter()
    ledger.read(path)
    return time.perf_counter() - start


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    raise SystemExit(0 if run(options.records, options.repeat) <= TARGET_S else 1)
