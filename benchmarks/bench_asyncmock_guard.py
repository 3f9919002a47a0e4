"""What the runtime AsyncMock guard costs a real test suite: paired runs with and without it.

Run (from the repository under test, with infra installed in its environment)::

    python /path/to/infra/benchmarks/bench_asyncmock_guard.py --python .venv/bin/python \
        --rounds 3 --out guard-bench.json -- tests/test_a.py tests/test_b.py -p no:randomly

Each round runs the same pytest command twice, once plain and once with ``-p infra.asyncmock_guard``
(the order alternates between rounds, so a drifting machine load hits both sides alike). Test
time is what pytest reports for the session ("in N s": collection and tests, without interpreter
start-up); CPU is user+sys of the process tree. The overhead is the median of the per-round
ratios. ``uptime`` is recorded before and after, since a shared machine moves the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_SESSION = re.compile(r" in (?P<s>[0-9.]+)s(?: \([0-9:]+\))?(?: =+)?$")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(python: str, args: list[str], *, guard: bool) -> dict[str, Any]:
    """One pytest run: wall, CPU, pytest's own session time, outcome counts line."""
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    if guard:
        cmd[3:3] = ["-p", "infra.asyncmock_guard"]
    cpu, start = _children_cpu(), time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall, cpu = time.monotonic() - start, _children_cpu() - cpu
    last = [line for line in proc.stdout.splitlines() if _SESSION.search(line)]
    session = float(_SESSION.search(last[-1]).group("s")) if last else float("nan")  # type: ignore[union-attr]
    return {
        "guard": guard,
        "wall_s": wall,
        "cpu_s": cpu,
        "session_s": session,
        "summary": last[-1] if last else "",
    }


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the project's tests")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write every run and the medians as JSON")
    parser.add_argument("pytest_args", nargs="+", help="after --: the pytest arguments (files, -p no:x...)")
    ns = parser.parse_args(argv)
    load_before = _uptime()
    runs = []
    for n in range(ns.rounds):
        order = (False, True) if n % 2 == 0 else (True, False)
        pair = {guard: run_once(ns.python, ns.pytest_args, guard=guard) for guard in order}
        runs.append(pair)
        print(
            f"round {n + 1}: plain {pair[False]['session_s']:.1f} s / {pair[False]['cpu_s']:.1f} s CPU, "
            f"guard {pair[True]['session_s']:.1f} s / {pair[True]['cpu_s']:.1f} s CPU; {pair[True]['summary']}",
            flush=True,
        )
    medians = {
        key: {
            "plain": statistics.median(p[False][key] for p in runs),
            "guard": statistics.median(p[True][key] for p in runs),
            "ratio": statistics.median(p[True][key] / p[False][key] for p in runs),
        }
        for key in ("session_s", "cpu_s", "wall_s")
    }
    result = {"load_before": load_before, "load_after": _uptime(), "medians": medians, "runs": runs}
    for key, m in medians.items():
        print(f"{key}: plain {m['plain']:.2f}, guard {m['guard']:.2f}, median paired ratio {m['ratio']:.3f}")
    print(f"load before: {load_before}\nload after:  {result['load_after']}")
    if ns.out:
        ns.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
