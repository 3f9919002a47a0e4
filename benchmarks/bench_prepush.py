"""Time the example repository's pre-push hooks: pre-commit (baseline), prek and ``nox -t prepush``.

Run: ``.venv/bin/python benchmarks/bench_prepush.py [--runs 5] [--output benchmarks/results.md]``.

On one generated example repository (``infra example create``), in one run, one warm-up round
and then ``--runs`` paired, interleaved rounds (the order of the tools rotates every round):

- full: ``pre-commit run --hook-stage pre-push --all-files``, ``prek run ... --all-files``,
  ``nox -t prepush -- --all-files``, and the lower bound max(longest session, total session
  time / cores) from the sessions' own wall times in ``.infra/runs/<run id>/``;
- incremental: a commit changing one function in ``src/`` (used by one test), pushed as
  pre-commit's pre-push stage sees it (``--from-ref A --to-ref B``; nox through
  ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF``);
- no-match: a commit whose only change (a deleted script) matches no hook's filter: only
  ``always_run`` hooks run;
- ``nox -l``: nox's start-up and the noxfile import alone.

Warm means warm: nothing is deleted between rounds (testmon data, recorded durations, pytest
and pre-commit caches stay, as they would for a developer). Before each round the script waits
(up to ``--max-wait`` s) for the 1-minute load average to fall to the core count, and records it:
other people share this machine. Prints a Markdown table and writes it to ``--output``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import infra.example
from infra import demo, results, run, warm
from infra.demo import ToolRun
from infra.example import tree
from infra.results import SessionResult, Status

NO_MATCH_FILE = "scripts/ops/smoke.sh"
TOOLS = ("pre-commit", "prek", "nox")
SCENARIOS = ("full", "incremental", "no-match")
FULL_RATIO_TARGET = 0.25
LOWER_BOUND_TARGET = 1.2
INCREMENTAL_TARGET = 0.05
NO_MATCH_TARGET_S = 1.5


class Measurement(NamedTuple):
    scenario: str
    tool: str
    round: int
    run: ToolRun
    sessions: tuple[SessionResult, ...] = ()  # nox only


class Setup(NamedTuple):
    root: Path
    base: str
    refs: dict[str, tuple[str, str] | None]  # scenario -> pushed range (None: all files)
    branches: dict[str, str]


def cores() -> int:
    return len(os.sched_getaffinity(0))


def lower_bound(sessions: Sequence[SessionResult], n_cores: int) -> float:
    """max(longest session, total session time / cores), from the sessions' own wall times."""
    walls = [s.wall_s for s in sessions]
    return max(max(walls, default=0.0), sum(walls) / n_cores)


def setup(root: Path, startup_manifests: int) -> Setup:
    """The example on ``main`` (A), a branch changing one function (B), a branch matching no hook (C)."""
    infra.example.create(root, startup_manifests=startup_manifests)
    base = tree.git(root, "rev-parse", "HEAD").strip()
    tree.git(root, "checkout", "-q", "-b", "bench-incremental")
    incremental = demo.change_function(root)
    tree.git(root, "checkout", "-q", "-b", "bench-no-match", base)
    (root / NO_MATCH_FILE).unlink()
    tree.commit_all(root, f"Remove {NO_MATCH_FILE} (matches no hook)")
    no_match = (base, tree.git(root, "rev-parse", "HEAD").strip())
    tree.git(root, "checkout", "-q", "main")
    return Setup(
        root,
        base,
        {"full": None, "incremental": incremental, "no-match": no_match},
        {"full": "main", "incremental": "bench-incremental", "no-match": "bench-no-match"},
    )


def measure(s: Setup, scenario: str, tool: str, round_: int) -> Measurement:
    env = dict(os.environ)
    refs = s.refs[scenario]
    if tool == "nox":
        tool_run, run_id = demo.run_nox(s.root, env, refs)
        return Measurement(scenario, tool, round_, tool_run, tuple(results.read_run(s.root, run_id)))
    return Measurement(scenario, tool, round_, demo.run_hook_tool(s.root, env, refs, tool=tool))


def nox_list(root: Path, round_: int) -> Measurement:
    result = run.run([sys.executable, "-m", "nox", "-l"], cwd=root, env=demo.child_env(os.environ))
    return Measurement("start-up", "nox -l", round_, ToolRun("nox -l", result.wall_s, result.returncode, {}))


def wait_for_quiet(threshold: float, max_wait: float) -> float:
    """Wait until the 1-minute load average is <= threshold (at most ``max_wait`` s); return it."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
        time.sleep(10)
    return os.getloadavg()[0]


def one_round(s: Setup, round_: int) -> list[Measurement]:
    out = []
    for scenario in SCENARIOS:
        tree.git(s.root, "checkout", "-q", s.branches[scenario])
        shift = round_ % len(TOOLS)
        for tool in TOOLS[shift:] + TOOLS[:shift]:
            out.append(measure(s, scenario, tool, round_))
            print(f"  round {round_} {scenario:<11} {tool:<10} {out[-1].run.wall_s:6.2f} s", flush=True)
    tree.git(s.root, "checkout", "-q", "main")
    out.append(nox_list(s.root, round_))
    return out


# --- summarising ---------------------------------------------------------------------------------


def _pick(ms: Sequence[Measurement], scenario: str, tool: str) -> list[Measurement]:
    return sorted((m for m in ms if m.scenario == scenario and m.tool == tool), key=lambda m: m.round)


def _walls(ms: Sequence[Measurement]) -> list[float]:
    return [m.run.wall_s for m in ms]


def _spread(values: Sequence[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}" if values else "-"


def _paired(a: Sequence[Measurement], b: Sequence[Measurement]) -> list[float]:
    """Per-round ratios a/b (same round, so the same machine state)."""
    by_round = {m.round: m.run.wall_s for m in b}
    return [m.run.wall_s / by_round[m.round] for m in a if by_round.get(m.round)]


def _med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _ran(verdicts: Mapping[str, Status]) -> dict[str, Status]:
    return {k: v for k, v in verdicts.items() if v is not Status.SKIPPED}


def _verdicts_agree(ms: Sequence[Measurement], baseline: Sequence[Measurement]) -> str:
    """Every hook's verdict equals pre-commit's in every round (prek: hooks that ran, see NOTES)."""
    by_round = {m.round: m.run.verdicts for m in baseline}
    bad = 0
    for m in ms:
        theirs, ours = by_round.get(m.round, {}), m.run.verdicts
        if m.tool == "prek":
            theirs, ours = _ran(theirs), _ran(ours)
        bad += bool(demo.compare(theirs, ours))
    return "yes" if not bad else f"NO in {bad} of {len(ms)} rounds"


def _tests(m: Measurement) -> str:
    return "-" if m.run.tests_run is None else str(m.run.tests_run)


COMMANDS = {
    ("full", "pre-commit"): "`pre-commit run --hook-stage pre-push --all-files` (baseline)",
    ("full", "prek"): "`prek run --hook-stage pre-push --all-files`",
    ("full", "nox"): "`nox -t prepush -- --all-files`",
    ("incremental", "pre-commit"): "`pre-commit run --hook-stage pre-push --from-ref A --to-ref B`",
    ("incremental", "prek"): "`prek run --hook-stage pre-push --from-ref A --to-ref B`",
    ("incremental", "nox"): "`PRE_COMMIT_FROM_REF=A PRE_COMMIT_TO_REF=B nox -t prepush`",
    ("no-match", "pre-commit"): "`pre-commit run --hook-stage pre-push --from-ref A --to-ref C`",
    ("no-match", "prek"): "`prek run --hook-stage pre-push --from-ref A --to-ref C`",
    ("no-match", "nox"): "`PRE_COMMIT_FROM_REF=A PRE_COMMIT_TO_REF=C nox -t prepush`",
}


NOTES = (
    "Verdicts: pre-commit's and prek's from their `--verbose` output (`- hook id:` lines), nox's from the "
    "per-hook results its sessions write; compared hook by hook, skipped hooks included. prek prints no "
    "hook id for a skipped hook, so for prek only the hooks that ran are compared. Tests run: pytest's "
    "summary lines (pre-commit, prek) or the sessions' selected counts (nox), last round.",
)


def main_table(ms: Sequence[Measurement], n_cores: int) -> list[str]:
    lines = [
        "| scenario | command | median s | min–max s | ÷ pre-commit, same scenario (paired median) "
        "| hooks run/passed/failed | tests run | verdicts = pre-commit |",
        "|---|---|---:|---:|---:|---|---:|---|",
    ]
    for scenario in SCENARIOS:
        base = _pick(ms, scenario, "pre-commit")
        for tool in TOOLS:
            got = _pick(ms, scenario, tool)
            last = got[-1]
            ratio = "1" if tool == "pre-commit" else f"{_med(_paired(got, base)):.3f}"
            agree = "-" if tool == "pre-commit" else _verdicts_agree(got, base)
            lines.append(
                f"| {scenario} | {COMMANDS[scenario, tool]} | {_med(_walls(got)):.2f} | {_spread(_walls(got))} "
                f"| {ratio} | {last.run.hooks()} | {_tests(last)} | {agree} |"
            )
        if scenario == "full":
            bounds = [lower_bound(m.sessions, n_cores) for m in _pick(ms, "full", "nox")]
            lines.append(
                f"| full | lower bound max(longest session, Σ sessions / {n_cores} cores) "
                f"| {_med(bounds):.2f} | {_spread(bounds)} | | | | |"
            )
    start = _walls(_pick(ms, "start-up", "nox -l"))
    lines.append(
        f"| start-up | `nox -l` (nox + noxfile import only) | {_med(start):.2f} | {_spread(start)} | | | | |"
    )
    return lines


class Target(NamedTuple):
    what: str
    measured: float
    limit: float
    unit: str = "×"

    def line(self) -> str:
        ok = "met" if self.measured <= self.limit else "**missed**"
        return f"| {self.what} | {self.measured:.3f}{self.unit} | ≤ {self.limit:g}{self.unit} | {ok} |"


def targets(ms: Sequence[Measurement], n_cores: int) -> list[Target]:
    pc_full, nox_full = _pick(ms, "full", "pre-commit"), _pick(ms, "full", "nox")
    nox_inc, nox_none = _pick(ms, "incremental", "nox"), _pick(ms, "no-match", "nox")
    bounds = [m.run.wall_s / lower_bound(m.sessions, n_cores) for m in nox_full if m.sessions]
    return [
        Target(
            "full nox ÷ full pre-commit (paired median)", _med(_paired(nox_full, pc_full)), FULL_RATIO_TARGET
        ),
        Target("full nox ÷ lower bound (paired median)", _med(bounds), LOWER_BOUND_TARGET),
        Target(
            "incremental nox ÷ full pre-commit baseline (paired median)",
            _med(_paired(nox_inc, pc_full)),
            INCREMENTAL_TARGET,
        ),
        Target(
            "incremental nox ÷ pre-commit over the same range (paired median)",
            _med(_paired(nox_inc, _pick(ms, "incremental", "pre-commit"))),
            INCREMENTAL_TARGET,
        ),
        Target("no-match nox wall (median)", _med(_walls(nox_none)), NO_MATCH_TARGET_S, " s"),
    ]


def _median_run(ms: Sequence[Measurement]) -> Measurement:
    ordered = sorted(ms, key=lambda m: m.run.wall_s)
    return ordered[len(ordered) // 2]


def dominates(ms: Sequence[Measurement], n_cores: int) -> list[str]:
    """Where each nox scenario's time goes, from its median round's results files."""
    start = _med(_walls(_pick(ms, "start-up", "nox -l")))
    lines = []
    for scenario in SCENARIOS:
        m = _median_run(_pick(ms, scenario, "nox"))
        ran = [s for s in m.sessions if s.status is not Status.SKIPPED]
        total = sum(s.wall_s for s in m.sessions)
        longest = max((s.wall_s for s in m.sessions), default=0.0)
        lines.append(
            f"- **{scenario}** (round {m.round}, {m.run.wall_s:.2f} s): {len(ran)} of {len(m.sessions)} sessions "
            f"had work; Σ session wall {total:.2f} s, longest {longest:.2f} s, lower bound "
            f"{lower_bound(m.sessions, n_cores):.2f} s; outside the sessions (nox start-up, planning, one "
            f"child nox per nox session): {m.run.wall_s - lower_bound(m.sessions, n_cores):.2f} s "
            f"(`nox -l` alone: {start:.2f} s)."
        )
        for s in sorted(ran, key=lambda s: -s.wall_s)[:4]:
            hooks = sorted((h for h in s.hooks if h.status is not Status.SKIPPED), key=lambda h: -h.wall_s)
            shown = ", ".join(f"{h.key} {h.wall_s:.2f} s" for h in hooks[:3])
            tests = f"; tests {s.tests.selected} ({s.tests.mode})" if s.tests.selected is not None else ""
            lines.append(f"  - session `{s.session}` {s.wall_s:.2f} s (cpu {s.cpu_s:.2f} s{tests}): {shown}")
        if scenario == "no-match":
            ids = sorted(h.key for s in m.sessions for h in s.hooks if h.status is not Status.SKIPPED)
            lines.append(f"  - hooks that still run (always_run): {', '.join(ids) or 'none'}")
        lines += _reading(m, n_cores)
    return lines


def _reading(m: Measurement, n_cores: int) -> list[str]:
    """What the numbers say: few tests in a long pytest session, or time spent outside the sessions."""
    out = []
    for s in m.sessions:
        if s.tests.selected is not None and s.tests.selected <= 5 and s.wall_s > 0.5 * m.run.wall_s:
            out.append(
                f"  - reading: `{s.session}` ran {s.tests.selected} tests in {s.wall_s:.2f} s: the time is one "
                "pytest process's start-up over the root configuration (pytest, its plugins, and "
                "`tests/conftest.py`, which parses the generated manifest catalogue at import), paid "
                "however few tests testmon selects."
            )
    outside = m.run.wall_s - lower_bound(m.sessions, n_cores)
    if outside > 0.2 * m.run.wall_s:
        out.append(
            f"  - reading: {outside:.2f} s outside the sessions' own clocks: nox's start-up and the parent's "
            "planning, then, with `-j` > 1, one child nox per nox session (sessions recorded as short share "
            "one, `quick`), each starting Python, importing nox and the noxfile and loading the parent's "
            "hand-off (~0.15 s per child on this machine) in the lane it runs in."
        )
    return out


def _versions() -> str:
    prek = run.run(["prek", "--version"], cwd=Path.cwd(), env=demo.child_env(os.environ)).output.strip()
    pc, nox = importlib.metadata.version("pre-commit"), importlib.metadata.version("nox")
    return f"pre-commit {pc}, {prek or 'prek ?'}, nox {nox}, Python {platform.python_version()}"


def report(ms: Sequence[Measurement], loads: Sequence[tuple[float, float]], args: argparse.Namespace) -> str:
    n_cores = cores()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_text = ", ".join(f"{a:.2f}→{b:.2f}" for a, b in loads)
    lines = [
        "# Pre-push benchmark: pre-commit vs prek vs `nox -t prepush`",
        "",
        f"Generated by `python benchmarks/bench_prepush.py --runs {args.runs}` on {now}: the example repository "
        f"(`infra example create`, 75 hooks at pre-push, conftest start-up {args.startup_manifests} manifests), "
        f"{n_cores} cores, {platform.machine()}, {_versions()}. One warm-up round, then {args.runs} paired "
        "rounds, tool order rotated each round; nothing deleted between rounds. A = the example's commit, "
        "B = A + one changed function in `src/` (`ttl_for`, used by 1 test), C = A + a deleted script that "
        "matches no hook.",
        "",
        f"1-minute load average at the start → end of each round: {load_text} "
        f"(waited up to {args.max_wait:g} s before each round for it to fall to {n_cores}).",
        "",
        *main_table(ms, n_cores),
        "",
        "| target | measured | limit | |",
        "|---|---:|---:|---|",
        *(t.line() for t in targets(ms, n_cores)),
        "",
        *NOTES,
        "",
        "## Where nox's time goes",
        "",
        *dominates(ms, n_cores),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--runs", type=int, default=5, help="paired rounds after one warm-up round (default 5)"
    )
    parser.add_argument("--startup-manifests", type=int, default=infra.example.DEFAULT_STARTUP_MANIFESTS)
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results.md")
    parser.add_argument("--max-wait", type=float, default=120.0, help="seconds to wait for a quiet machine")
    parser.add_argument("--keep", action="store_true", help="keep the example repository")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, log: Callable[[str], None] = print) -> int:
    args = parse_args(argv)
    if shutil.which("prek", path=demo.child_env(os.environ)["PATH"]) is None:
        log("error: prek not found next to this Python or on PATH; install it (pip install prek)")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-prepush-"))
    try:
        s = setup(workdir / "example", args.startup_manifests)
        log(f"example repository: {s.root}")
        measurements: list[Measurement] = []
        loads: list[tuple[float, float]] = []
        for round_ in range(args.runs + 1):
            before = wait_for_quiet(float(cores()), args.max_wait)
            log(f"round {round_}{' (warm-up, not counted)' if round_ == 0 else ''}: load {before:.2f}")
            got = one_round(s, round_)
            if round_:
                measurements += got
                loads.append((before, os.getloadavg()[0]))
        text = report(measurements, loads, args)
        args.output.write_text(text)
        log(text)
        log(f"written to {args.output}")
    finally:
        if not args.keep:
            warm.stop(workdir / "example")  # the example's warm pytest processes go with it
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
