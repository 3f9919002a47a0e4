"""Real pushes of the reference repository: pre-commit vs `nox -t prepush`, with lower bounds.

Runs ``../shared/tools/replay-pushes`` (after ``../shared/tools/real-baseline`` built WORKDIR;
see ``../shared/REFERENCE.md`` §7), samples the machine's load while it runs, then writes
``benchmarks/real-replay.md``: per push, both wall times, their ratio, the push's lower bound
and the test-selection mode of each pytest session.

A push's lower bound LB = max(its longest indivisible step, the CPU work of its steps / cores),
from the ledger records of the push's own nox run: the longest single test or hook process
(``longest_step_s``) and the CPU time of every session (one pytest start-up per pytest
configuration: what consolidation leaves). The acceptance reads: nox <= max(0.35 x
pre-commit, 1.2 x LB), no push above 1.0 x pre-commit, 0 verdict disagreements.

    python benchmarks/bench_real.py WORKDIR --pushes 40 [--start 1] [--baseline earlier.jsonl]
    python benchmarks/bench_real.py WORKDIR --summarize benchmarks/real-replay.jsonl

Figures that reuse a pre-commit baseline (``pc_reused`` in the JSON) were timed in another run:
the table marks them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _load_sampler(samples: list[tuple[float, float]], stop: threading.Event) -> None:
    while not stop.wait(5.0):
        samples.append((time.time(), os.getloadavg()[0]))


def replay(
    workdir: Path, pushes: int, start: int, baseline: str | None, out: Path, tool: Path
) -> dict[int, float]:
    """Run the replay tool; returns each push's end time (for the load it ran under)."""
    env = dict(os.environ, INFRA_SRC=str(ROOT), START=str(start))
    if baseline:
        env["BASELINE"] = baseline
    ends: dict[int, float] = {}
    with subprocess.Popen(
        [sys.executable, str(tool), str(workdir), str(pushes), str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith("push "):
                ends[int(line.split()[1])] = time.time()
    return ends


def _replay_commits(repo: Path, branch: str = "replay") -> dict[str, str]:
    """Original commit (first 8 hex) -> the replay branch's commit that re-made it."""
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%H %s", branch],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    out = {}
    for line in log.splitlines():
        sha, _, subject = line.partition(" ")
        if subject.startswith("replay "):
            out[subject.split()[1].rstrip(":")] = sha
    return out


def lower_bounds(repo: Path, cores: int) -> dict[str, dict[str, Any]]:
    """Replay commit -> {lb, cpu, longest, modes} from the ledger records of its nox run."""
    ledger = repo / ".infra" / "ledger.jsonl"
    runs: dict[str, list[dict[str, Any]]] = {}
    for line in ledger.read_text().splitlines() if ledger.exists() else []:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        runs.setdefault(record.get("run_id", ""), []).append(record)
    out: dict[str, dict[str, Any]] = {}
    for records in runs.values():
        commit = records[0].get("commit")
        cpu = sum(r.get("cpu_s") or 0.0 for r in records)
        longest = max(((r.get("parallelism") or {}).get("longest_step_s") or 0.0) for r in records)
        modes = sorted(
            {
                f"{r['session']}:{r['selection_mode']}"
                for r in records
                if r.get("selection_mode") not in (None, "none")
            }
        )
        out[commit] = {"lb": max(longest, cpu / cores), "cpu": cpu, "longest": longest, "modes": modes}
    return out


def summarize(
    records: list[dict[str, Any]],
    bounds: dict[str, dict[str, Any]],
    replayed: dict[str, str],
    loads: dict[int, float],
) -> str:
    rows = [
        "| push | files | pre-commit s | nox s | nox/pre-commit | LB s | nox/LB | ok | load | pytest sessions |",
        "|---:|---:|---:|---:|---:|---:|---:|:-:|---:|---|",
    ]
    ratios, fails, disagreements = [], 0, 0
    for r in records:
        bound = bounds.get(replayed.get(r["commit"][:8], ""), {})
        lb = bound.get("lb")
        ok = r["nox_wall"] <= max(0.35 * r["pc_wall"], 1.2 * lb) if lb else None
        fails += ok is False or r["nox_wall"] > r["pc_wall"]
        ratios.append(r["ratio"])
        disagreements += len(r["disagree"])
        reused = " (baseline reused)" if r.get("pc_reused") else ""
        rows.append(
            f"| {r['k']} | {r['files']} | {r['pc_wall']:.1f}{reused} | {r['nox_wall']:.1f} | {r['ratio']:.2f} | "
            f"{lb or 0:.1f} | {r['nox_wall'] / lb if lb else float('nan'):.2f} | {'✓' if ok else '✗' if ok is False else '?'} | "
            f"{loads.get(r['k'], float('nan')):.1f} | {', '.join(bound.get('modes', [])) or '-'} |"
        )
    head = [
        f"{len(records)} pushes; median nox/pre-commit {statistics.median(ratios):.2f}, max {max(ratios):.2f}; "
        f"{sum(x > 1.0 for x in ratios)} above 1.0x; pushes missing max(0.35 x pre-commit, 1.2 x LB) or above "
        f"1.0x: {fails}; verdict disagreements: {disagreements}.",
        "",
    ]
    return "\n".join(head + rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--pushes", type=int, default=40)
    parser.add_argument("--start", type=int, default=1)
    parser.add_argument("--baseline")
    parser.add_argument("--out", type=Path, default=HERE / "real-replay.jsonl")
    parser.add_argument(
        "--branch", default="replay", help="the replay branch a --summarize reads (renamed ones too)"
    )
    parser.add_argument(
        "--report", type=Path, help="write the table here (default: real-replay.md after a replay)"
    )
    parser.add_argument("--summarize", type=Path, help="only summarize this replay JSON Lines file (printed)")
    parser.add_argument("--tool", type=Path, default=ROOT.parent / "shared" / "tools" / "replay-pushes")
    args = parser.parse_args(argv)
    repo = args.workdir / "repo"
    loads: dict[int, float] = {}
    source = args.summarize or args.out
    if not args.summarize:
        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        threading.Thread(target=_load_sampler, args=(samples, stop), daemon=True).start()
        ends = replay(args.workdir, args.pushes, args.start, args.baseline, args.out, args.tool)
        stop.set()
        previous = min([*ends.values(), time.time()]) - 600
        for k, end in sorted(ends.items()):
            window = [load for t, load in samples if previous <= t <= end]
            loads[k] = statistics.mean(window) if window else float("nan")
            previous = end
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    cores = len(os.sched_getaffinity(0))
    report = summarize(records, lower_bounds(repo, cores), _replay_commits(repo, args.branch), loads)
    target = args.report or (None if args.summarize else HERE / "real-replay.md")
    if target is not None:  # a summary alone never overwrites the hand-written notes around the tables
        target.write_text(f"# Real pushes replayed ({cores} cores)\n\n{report}")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
