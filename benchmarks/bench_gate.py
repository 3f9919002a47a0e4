"""A seeded study of the timing gate's false alarms and detection power (``infra.timing.decide``).

Run: ``.venv/bin/python benchmarks/bench_gate.py [--trials N]`` (default 4,000 per point; writes
``benchmarks/gate-results.md`` and exits 1 when an acceptance target of issue 15 is missed).

Noise model (REFERENCE §6, issue 15): each run's wall time is 60 s times log-normal jitter
(sigma 15%, or 5% for the quiet-machine row), and a share of runs (2% or 5%) spikes +60%
(interference only ever adds time). A trial first records ``window + recent`` unchanged runs
(a full history), then the session gets ``factor`` times slower for good and the gate is asked
after each slowed run: "caught within m runs" is the share of trials in which any of the first
m checks failed. False alarms are asked of unchanged series: once per trial (one push's check),
and over the 5 next checks (how often an unchanged session fails at least once in 5 pushes).
The gate under test is exactly the one ``infra regress`` runs, with its default thresholds.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from infra.timing import Status, Thresholds, decide

RESULTS = Path(__file__).with_name("gate-results.md")
RUNS = 5
SPIKE = 1.6
# (factor, spike rate) -> (runs, minimum share caught); factor 1.0 -> maximum false-alarm share
TARGETS = {(1.0, 0.02): (1, 0.01), (1.0, 0.05): (1, 0.01), (1.5, 0.02): (5, 0.95), (1.5, 0.05): (5, 0.95)}
TARGETS |= {(2.0, 0.02): (3, 0.99), (2.0, 0.05): (3, 0.99)}


def walls(
    rng: random.Random, n: int, *, jitter: float, spikes: float, factor: float, start: int
) -> list[float]:
    """``n`` wall times: run ``start`` onwards ``factor`` slower."""
    out = []
    for index in range(n):
        wall = 60.0 * rng.lognormvariate(0.0, jitter) * (SPIKE if rng.random() < spikes else 1.0)
        out.append(wall * (factor if index >= start else 1.0))
    return out


def caught(limits: Thresholds, trials: int, *, jitter: float, spikes: float, factor: float) -> list[float]:
    """Share of trials failed by the gate within 1..RUNS checks after the change (seeded per point)."""
    rng = random.Random(f"{jitter} {spikes} {factor}")
    start = limits.window + limits.recent
    hits = [0] * RUNS
    for _ in range(trials):
        series = walls(rng, start + RUNS, jitter=jitter, spikes=spikes, factor=factor, start=start)
        fired = False
        for m in range(RUNS):
            fired = fired or decide(series[: start + m + 1], limits).status is Status.REGRESSION
            hits[m] += fired
    return [hit / trials for hit in hits]


def study(trials: int) -> tuple[list[str], list[str]]:
    """The Markdown table rows and the missed targets."""
    limits = Thresholds()
    rows, missed = [], []
    for jitter, spikes, factor in [
        *((0.15, s, f) for s in (0.02, 0.05) for f in (1.0, 1.25, 1.5, 2.0)),
        (0.05, 0.05, 1.0),
        (0.05, 0.05, 1.3),
    ]:
        shares = caught(limits, trials, jitter=jitter, spikes=spikes, factor=factor)
        label = "no change" if factor == 1.0 else f"x{factor:g}"
        cells = [f"{share:.1%}" for share in shares]
        if factor == 1.0:  # the first check is one push's false alarm; the fifth: any in 5 pushes
            cells = [cells[0], "-", "-", "-", cells[-1]]
        rows.append(f"| {jitter:.0%} | {spikes:.0%} | {label} | " + " | ".join(cells) + " |")
        target = TARGETS.get((factor, spikes)) if jitter == 0.15 else None
        if target:
            runs, bound = target
            share = shares[runs - 1]
            ok = share <= bound if factor == 1.0 else share >= bound
            if not ok:
                missed.append(f"{label}, {spikes:.0%} spikes, {runs} runs: {share:.1%} (target {bound:.0%})")
    return rows, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4000, help="trials per point (4000)")
    options = parser.parse_args()
    began = time.perf_counter()
    rows, missed = study(options.trials)
    limits = Thresholds()
    text = "\n".join(
        [
            "# Timing gate: false alarms and detection power",
            "",
            f"Written by `benchmarks/bench_gate.py` ({options.trials} seeded trials per row; "
            f"{time.perf_counter() - began:.0f} s). Defaults: history of up to {limits.window} runs "
            f"(at least {limits.min_history}), candidate windows {limits.windows}, "
            f"z > {limits.min_z}, ratio > {limits.min_ratio}, delta > {limits.min_delta} s.",
            "",
            "Each cell: share of trials failed within that many runs of the change. "
            "For *no change*: run 1 = false alarms of one check, run 5 = at least one false alarm in 5 checks.",
            "",
            "| jitter | spikes (+60%) | change | 1 run | 2 runs | 3 runs | 4 runs | 5 runs |",
            "|---:|---:|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "Targets (issue 15): <= 1% false alarms; x1.5 caught >= 95% within 5 runs; x2 >= 99% within 3.",
            "Missed: " + ("; ".join(missed) if missed else "none."),
            "",
        ]
    )
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
