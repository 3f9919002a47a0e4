"""``infra demo``: the example repository's pre-push hooks under pre-commit and under nox, side by side.

Two scenarios on a freshly generated example repository (``infra example create``):

- ``full``: ``pre-commit run --hook-stage pre-push --all-files`` against ``nox -t prepush --
  --all-files``;
- ``incremental``: one commit that changes one function in ``src/`` (used by one test), pushed
  as pre-commit's pre-push stage would see it: ``pre-commit ... --from-ref A --to-ref B``
  against ``nox -t prepush`` with ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` set.

Verdicts are compared hook by hook: pre-commit's from its ``--verbose`` output (a status line
followed by ``- hook id: ID``), nox's from the per-hook results each session writes. Hook keys
follow ``infra.config``: the id, or ``id#N`` for the N-th hook with a repeated id. The children
run as a developer's push would: ``CI`` and variables that point git elsewhere are dropped.
Pure parsing and rendering live at the top; the functions that run tools at the bottom.
"""

from __future__ import annotations

import ast
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from infra import output, precommit, results, run, wire
from infra.errors import FatalError
from infra.example import tree
from infra.results import Status

CHANGED_MODULE = "src/shopfront/core/cache.py"
CHANGED_FUNCTION = "ttl_for"  # used by one test (tests/unit/test_cache_redis_config.py)
DROPPED_ENV = ("CI", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", wire.RUN_ID, *tree.GIT_LOCATION_VARIABLES)

_PYTEST_SUMMARY = re.compile(r"^=*\s*(?P<counts>\d+ [a-z]+(?:, \d+ [a-z]+)*) in \d+(?:\.\d+)?s\b")
_RUN_OUTCOMES = frozenset({"passed", "failed", "xfailed", "xpassed"})


class ToolRun(NamedTuple):
    """One run of one tool: wall time, exit code, a verdict per hook key, tests run."""

    tool: str
    wall_s: float
    returncode: int
    verdicts: Mapping[str, Status]
    tests_run: int | None = None  # None: no pytest ran (or it printed no summary)

    def hooks(self) -> str:
        """``run/passed/failed`` (skipped hooks are not run)."""
        passed = sum(s is Status.PASSED for s in self.verdicts.values())
        failed = sum(s is Status.FAILED for s in self.verdicts.values())
        return f"{passed + failed}/{passed}/{failed}"


class Scenario(NamedTuple):
    name: str
    baseline: ToolRun
    nox: ToolRun


class Mismatch(NamedTuple):
    key: str
    baseline: Status | None  # None: the tool did not report the hook at all
    nox: Status | None


# --- pure -----------------------------------------------------------------------------------------


def parse_verdicts(text: str) -> dict[str, Status]:
    """Each hook's status by key (``id``, ``id#2`` for a repeated id, as the config's keys) from
    ``pre-commit run --verbose`` (or ``prek run -v``) output."""
    seen: dict[str, int] = {}
    out: dict[str, Status] = {}
    for hook_id, status in precommit.parse_verdicts(text):
        seen[hook_id] = seen.get(hook_id, 0) + 1
        out[hook_id if seen[hook_id] == 1 else f"{hook_id}#{seen[hook_id]}"] = status
    return out


def count_tests(text: str) -> int | None:
    """Tests run (passed, failed, xfailed, xpassed) summed over every pytest summary line."""
    total: int | None = None
    for line in text.splitlines():
        match = _PYTEST_SUMMARY.match(line.strip())
        if match:
            parts = (part.split(" ") for part in match.group("counts").split(", "))
            total = (total or 0) + sum(int(n) for n, outcome in parts if outcome in _RUN_OUTCOMES)
    return total


def compare(
    baseline: Mapping[str, Status], nox: Mapping[str, Status], *, names_skipped: bool = True
) -> list[Mismatch]:
    """Hooks whose verdicts differ (or that only one side reported), in baseline order.
    ``names_skipped=False``: the baseline prints no id for a skipped hook (prek), so a hook nox
    skipped and the baseline did not report agrees."""
    keys = [*baseline, *(k for k in nox if k not in baseline)]
    return [
        Mismatch(k, baseline.get(k), nox.get(k))
        for k in keys
        if baseline.get(k) != nox.get(k)
        and (names_skipped or k in baseline or nox.get(k) is not Status.SKIPPED)
    ]


def speedup(baseline_s: float, new_s: float) -> str:
    return f"{baseline_s / new_s:.1f}x" if new_s > 0 else "-"


def _tests(value: int | None) -> str:
    return "-" if value is None else str(value)


def render_table(scenarios: Sequence[Scenario], baseline_tool: str = "pre-commit") -> str:
    """The side-by-side table: seconds, speed-up, hooks run/passed/failed and tests run per tool."""
    headers = (
        "scenario",
        f"{baseline_tool} s",
        "nox s",
        "speed-up",
        f"{baseline_tool} hooks run/passed/failed",
        "nox hooks run/passed/failed",
        f"tests run ({baseline_tool} / nox)",
    )
    rows = [
        (
            s.name,
            f"{s.baseline.wall_s:.1f}",
            f"{s.nox.wall_s:.1f}",
            speedup(s.baseline.wall_s, s.nox.wall_s),
            s.baseline.hooks(),
            s.nox.hooks(),
            f"{_tests(s.baseline.tests_run)} / {_tests(s.nox.tests_run)}",
        )
        for s in scenarios
    ]
    return output.table(headers, rows)


def render_verdicts(scenarios: Sequence[Scenario]) -> list[str]:
    """One line per scenario saying whether verdicts agree, then each disagreement."""
    lines = []
    for s in scenarios:
        differ = mismatches(s)
        if not differ:
            lines.append(f"{s.name}: verdicts agree on all {len(s.baseline.verdicts)} hooks")
            continue
        lines.append(f"{s.name}: verdicts DIFFER on {len(differ)} of {len(s.baseline.verdicts)} hooks")
        for m in differ:
            theirs = m.baseline.value if m.baseline else "not reported"
            ours = m.nox.value if m.nox else "not reported"
            lines.append(f"  {m.key}: {s.baseline.tool} {theirs}, nox {ours}")
    return lines


def mismatches(s: Scenario) -> list[Mismatch]:
    return compare(s.baseline.verdicts, s.nox.verdicts, names_skipped=s.baseline.tool != "prek")


def agree(scenarios: Sequence[Scenario]) -> bool:
    return all(not mismatches(s) for s in scenarios)


def child_env(environ: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A developer's push environment: our Python's bin directory first on PATH, no CI, no git redirects."""
    env = {k: v for k, v in environ.items() if k not in DROPPED_ENV}
    env["PATH"] = str(Path(sys.executable).parent) + ":" + env.get("PATH", "")
    env.update(extra or {})
    return env


def hook_tool_command(program: Sequence[str], refs: tuple[str, str] | None) -> list[str]:
    """``pre-commit``/``prek`` ``run`` at the pre-push stage over all files or a pushed range."""
    files = ["--all-files"] if refs is None else ["--from-ref", refs[0], "--to-ref", refs[1]]
    return [*program, "run", "--hook-stage", "pre-push", "--color", "never", "--verbose", *files]


# --- running tools --------------------------------------------------------------------------------


def _log(root: Path, name: str, text: str) -> None:
    directory = results.state_dir(root) / "demo"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.log").write_text(text)


def run_hook_tool(
    root: Path, environ: Mapping[str, str], refs: tuple[str, str] | None, *, tool: str = "pre-commit"
) -> ToolRun:
    """``pre-commit`` (or ``prek``) at the pre-push stage; its output goes to ``.infra/demo/``."""
    program = [sys.executable, "-m", "pre_commit"] if tool == "pre-commit" else [tool]
    result = run.run(hook_tool_command(program, refs), cwd=root, env=child_env(environ))
    _log(root, f"{'full' if refs is None else 'range'}-{tool}", result.output)
    return ToolRun(
        tool, result.wall_s, result.returncode, parse_verdicts(result.output), count_tests(result.output)
    )


def run_nox(root: Path, environ: Mapping[str, str], refs: tuple[str, str] | None) -> tuple[ToolRun, str]:
    """``nox -t prepush`` (``-- --all-files`` without refs); the ToolRun and the run id."""
    run_id = f"demo-{uuid.uuid4().hex[:10]}"
    extra = {wire.RUN_ID: run_id}
    if refs is not None:
        extra.update(PRE_COMMIT_FROM_REF=refs[0], PRE_COMMIT_TO_REF=refs[1])
    cmd = [sys.executable, "-m", "nox", "-t", "prepush", *(["--", "--all-files"] if refs is None else [])]
    result = run.run(cmd, cwd=root, env=child_env(environ, extra))
    _log(root, f"{'full' if refs is None else 'range'}-nox", result.output)
    sessions = results.read_run(root, run_id)
    verdicts = {h.key: h.status for s in sessions for h in s.hooks}
    counted = [s.tests.selected for s in sessions if s.tests.selected is not None]
    return ToolRun(
        "nox", result.wall_s, result.returncode, verdicts, sum(counted) if counted else None
    ), run_id


def change_function(root: Path) -> tuple[str, str]:
    """Commit a real edit to the body of one ``src/`` function; the pushed range ``(from, to)``."""
    path = root / CHANGED_MODULE
    try:
        source = path.read_text()
    except OSError:
        raise FatalError(
            f"{path}: not found; run the demo on a repository made by `infra example create`"
        ) from None
    func = next(
        (
            n
            for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.FunctionDef) and n.name == CHANGED_FUNCTION
        ),
        None,
    )
    if func is None:
        raise FatalError(f"{path}: no function {CHANGED_FUNCTION}; regenerate the example repository")
    first = func.body[1] if ast.get_docstring(func) and len(func.body) > 1 else func.body[0]
    lines = source.splitlines(keepends=True)
    indent = " " * first.col_offset
    lines.insert(first.lineno - 1, f"{indent}kind = kind.strip()  # changed by infra demo\n")
    before = tree.git(root, "rev-parse", "HEAD").strip()
    path.write_text("".join(lines))
    tree.commit_all(root, f"Change {CHANGED_FUNCTION} (infra demo: an incremental push)")
    return before, tree.git(root, "rev-parse", "HEAD").strip()


# What the same comparison gave on a real repository (``benchmarks/real-replay.md``): printed
# beside the example's figures, so that a newcomer does not take the example for the real world.
REAL_REPLAY = (
    "On a real repository (the reference service, its real pushes replayed: benchmarks/real-replay.md):\n"
    "  its first 40 pushes, verdicts identical hook by hook. Quiet and paired, 39 of them: median\n"
    "  nox/pre-commit 0.29, none above 0.94x (a push running one always_run pytest hook: 2.4 s vs\n"
    "  7.7 s, right after 17 minutes of coverage-bound pushes); those bound by its coverage gate (a\n"
    "  test that runs the unit suite for minutes) run within 1.04x of it (0.90-0.94x pre-commit)."
)


def load_line(start: tuple[float, float, float], end: tuple[float, float, float], cores: int) -> str:
    """The machine's 1-minute load average over the demo, and what it means for the figures."""
    busy = max(start[0], end[0]) > cores
    verdict = "busy: the times above are contended" if busy else "quiet enough for the times above"
    return f"load average (1 min) {start[0]:.2f} -> {end[0]:.2f} on {cores} cores: {verdict}"
