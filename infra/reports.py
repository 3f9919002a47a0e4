"""The test-infrastructure reports (``infra reports``), and which committed ones are stale.

Committed reports, byte-stable for the same tree (no time stamps, no absolute paths, sorted):

- ``asyncmock.md``: the AsyncMock scan of the test tree: counts by rule and directory, every
  finding and candidate site as ``file:line``, and the runtime guard's findings of the last full
  run (``.infra/asyncmock-guard.json``): test, mock, where it was made, how and where it was used;
- ``test-suite.md``: a static (AST) scan of the test files (pytest's default ``test_*.py`` /
  ``*_test.py``, ``test*`` functions, ``Test*`` classes without ``__init__``): tests per directory
  and marker, parametrized case counts, skip/skipif/xfail markers;
- ``prepush-plan.md``: the sessions ``infra plan`` makes of the pre-push hooks, with filters.

Generated artifacts under ``generated/`` (git-ignored, never checked: machine-specific):
``timing.md`` and ``timing.svg`` from the timing ledger, and ``slowest-tests.md`` from
``.infra/durations.json``, a JSON object mapping pytest node ids to seconds.

A report is stale when regenerating it from the current tree would change its bytes; file ages
never matter.
"""

from __future__ import annotations

import difflib
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import median
from typing import NamedTuple

from infra.errors import FatalError
from infra.ledger import SessionRecord
from infra.plan import Member, Plan, Runner
from infra.suite import Suite, is_test_file, python_files, relative, scan_suite

COMMITTED = ("asyncmock.md", "prepush-plan.md", "test-suite.md")
GENERATED = "generated"
DURATIONS = Path(".infra/durations.json")
ASYNCMOCK_GUARD_REPORT = Path(".infra/asyncmock-guard.json")  # written by a full run under the guard
SLOWEST = 25


class Report(NamedTuple):
    name: str  # path inside the reports directory, "/"-separated
    text: str


class Stale(NamedTuple):
    name: str
    missing: bool
    diff: list[str]  # a unified diff, cut to the diff limit


def load_durations(path: Path) -> dict[str, float] | None:
    """``.infra/durations.json`` (node id -> seconds), None when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise FatalError(f"{path}: unreadable durations ({exc}); fix or delete the file") from None
    if not isinstance(data, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in data.values()
    ):
        raise FatalError(
            f"{path}: expected a JSON object of pytest node id -> seconds; fix or delete the file"
        )
    return {str(k): float(v) for k, v in data.items()}


def stale(reports: Sequence[Report], out: Path, *, diff_limit: int = 20) -> list[Stale]:
    """The reports whose file in ``out`` is missing or differs from the regenerated text."""
    found = []
    for report in reports:
        try:
            old = (out / report.name).read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            found.append(Stale(report.name, True, []))
            continue
        if old != report.text:
            found.append(Stale(report.name, False, diff(report.name, old, report.text, diff_limit)))
    return found


def diff(name: str, old: str, new: str, limit: int) -> list[str]:
    """A unified diff (one line of context) cut to ``limit`` lines."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(),
            new.splitlines(),
            f"{name} (committed)",
            f"{name} (regenerated)",
            n=1,
            lineterm="",
        )
    )
    if len(lines) > limit:
        return [*lines[:limit], f"... {len(lines) - limit} more diff lines"]
    return lines or ["(the lines are equal: line endings or the final newline differ)"]


def write(reports: Sequence[Report], out: Path) -> list[str]:
    """Write the reports whose bytes changed (each atomically); return their names."""
    changed = []
    for report in reports:
        target = out / report.name
        data = report.text.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)  # never a half-written report
            changed.append(report.name)
    return changed


# --- rendering (pure) -----------------------------------------------------------------------


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[int] = ()) -> list[str]:
    """A Markdown table; columns listed in ``numeric`` are right-aligned."""
    rule = ["---:" if n in numeric else "---" for n in range(len(headers))]
    return [
        f"| {' | '.join(headers)} |",
        f"|{'|'.join(rule)}|",
        *(f"| {' | '.join(_cell(c) for c in row)} |" for row in rows),
    ]


def _header(title: str, source: str) -> list[str]:
    return [
        f"# {title}",
        "",
        f"Generated by `infra reports` from {source}; do not edit. "
        "`infra reports --check` fails when regenerating would change this file.",
        "",
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _doc(lines: Sequence[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def asyncmock_md(
    findings: Sequence[tuple[str, int, str]],
    scanned: int,
    source: str,
    rules: Mapping[str, str],
    runtime: Sequence[Sequence[str]] | None = None,
) -> str:
    """``findings`` are (file, line, rule code) with files relative to the repository: the checker's
    findings and the candidate sites it leaves to the runtime guard. ``runtime`` are the guard's
    findings of the last full run, as (test, mock, made at, use, used at) rows; None: no report."""
    ordered = sorted(set(findings))
    by_rule = Counter(code for _, _, code in ordered)
    by_dir = Counter(file.rpartition("/")[0] or "." for file, _, _ in ordered)
    files = len({file for file, _, _ in ordered})
    lines = _header("AsyncMock scan", source)
    lines += [
        f"**{_count(len(ordered), 'finding')}** in {files} of {_count(scanned, 'Python file')} scanned.",
        "",
    ]
    lines += ["## By rule", ""]
    codes = sorted(set(rules) | set(by_rule))
    lines += table(["rule", "findings", "meaning"], [(c, by_rule[c], rules.get(c, "")) for c in codes], [1])
    lines += ["", "## By directory", ""]
    if by_dir:
        lines += table(["directory", "findings"], sorted(by_dir.items()), [1])
    else:
        lines.append("No findings.")
    lines += ["", "## Findings", ""]
    lines += [f"- `{file}:{line}` {code}" for file, line, code in ordered] or ["None."]
    lines += ["", "## Runtime findings", ""]
    if runtime:
        lines += [
            f"{_count(len(runtime), 'use')} of an unconfigured awaited result, seen by the runtime guard "
            "in the last full run:",
            "",
        ]
        lines += table(
            ["test", "mock", "made at", "used as", "used at"], sorted(set(map(tuple, runtime))), []
        )
    else:  # no report and a clean one read the same: the file depends on findings, not on history
        lines.append(
            "None recorded: the runtime guard runs in every consolidated pytest session, and a full "
            "run (`nox -t prepush -- --all-files`) keeps its findings under `.infra/` for this report."
        )
    return _doc(lines)


def _asyncmock_runtime(root: Path) -> list[tuple[str, ...]] | None:
    """The guard's findings of the last full run of each pytest session, None when there is none.

    ``.infra/asyncmock-guard.json``, or one ``.infra/asyncmock-guard.<session>.json`` per session.
    """
    from infra import state
    from infra.asyncmock_guard import read_report

    folder = state.root_dir(root)  # where runner_options() has a full run write them
    paths = sorted(folder.glob(ASYNCMOCK_GUARD_REPORT.stem + "*.json")) if folder.is_dir() else []
    if not paths:
        return None
    return [(f.test, f.mock, f.created, f.use, f.used_at) for p in paths for f in read_report(p)]


def suite_md(suite: Suite, source: str) -> str:
    tests = suite.tests
    params = [t for t in tests if t.parametrized]
    lines = _header("Test suite", source)
    lines += table(
        ["", "count"],
        [
            ("test files", len(suite.files)),
            ("test functions", len(tests)),
            ("test cases (parametrize expanded)", sum(t.cases for t in tests)),
            ("parametrized functions", len(params)),
            ("... with values not countable statically", sum(t.dynamic for t in params)),
            ("skip / skipif / xfail markers", len(suite.skips)),
            ("files that do not parse", len(suite.unparsable)),
        ],
        [1],
    )
    lines += [
        "",
        "Cases count each literal `parametrize` list (a non-literal one counts as 1). "
        "Fixture `params` are not expanded.",
        "",
        "## Per directory",
        "",
    ]
    dirs: dict[str, list[int]] = {}
    for file in suite.files:
        dirs.setdefault(file.rpartition("/")[0] or ".", [0, 0, 0])[0] += 1
    for t in tests:
        row = dirs[t.path.rpartition("/")[0] or "."]
        row[1], row[2] = row[1] + 1, row[2] + t.cases
    lines += table(
        ["directory", "files", "tests", "cases"], [(d, *n) for d, n in sorted(dirs.items())], [1, 2, 3]
    )
    marker_counts = Counter(m for t in tests for m in t.markers)
    lines += [
        "",
        "## Per marker",
        "",
        "A test counts once per marker, whether it is marked itself, "
        "through its class or the module's `pytestmark`.",
        "",
    ]
    lines += (
        table(["marker", "tests"], sorted(marker_counts.items()), [1]) if marker_counts else ["No markers."]
    )
    lines += ["", "## Parametrized tests", ""]
    rows = [(f"{t.path}::{t.name}", f"{t.cases}+" if t.dynamic else t.cases) for t in params]
    lines += table(["test", "cases"], sorted(rows), [1]) if rows else ["None."]
    lines += ["", "## Skip and xfail markers", ""]
    skip_rows = [(f"{s.path}:{s.line}", s.target, s.marker, s.reason) for s in sorted(suite.skips)]
    lines += table(["where", "applies to", "marker", "reason"], skip_rows) if skip_rows else ["None."]
    if suite.unparsable:
        lines += ["", "## Files that do not parse", "", *[f"- `{f}`" for f in sorted(suite.unparsable)]]
    lines += [
        "",
        "## Slowest tests",
        "",
        "Durations are machine-specific: `infra reports` writes them to "
        f"`{GENERATED}/slowest-tests.md` (not committed) when `{DURATIONS}` exists "
        "(a JSON object of pytest node id -> seconds).",
    ]
    return _doc(lines)


def _filters(member: Member) -> str:
    hook = member.hook
    parts = [f"files {_code(hook.files)}" if hook.files else "all files"]
    if hook.exclude and hook.exclude != "^$":
        parts.append(f"exclude {_code(hook.exclude)}")
    for label, values in (
        ("types", hook.types),
        ("types_or", hook.types_or),
        ("exclude_types", hook.exclude_types),
    ):
        if values and values != ("file",):
            parts.append(f"{label} {', '.join(values)}")
    if hook.always_run:
        parts.append("always_run")
    parts.append("filenames passed" if hook.pass_filenames else "no filenames")
    return "; ".join(parts)


def plan_md(plan: Plan | None, source: str) -> str:
    lines = _header("Pre-push plan", source)
    if plan is None:
        return _doc([*lines, "No pre-commit config: nothing to plan."])
    members = [m for s in plan.sessions for m in s.members]
    lines += [
        f"**{len(members)} hooks** pre-commit runs at pre-push, in **{len(plan.sessions)} sessions**.",
        "",
    ]
    runners = [r.value for r in Runner]
    summary = [
        (
            s.name,
            len(s.members),
            *(sum(m.runner.value == r for m in s.members) for r in runners),
            len({m.pytest_group for m in s.members if m.pytest_group}),
        )
        for s in plan.sessions
    ]
    lines += table(["session", "hooks", *runners, "pytest calls"], summary, [1, 2, 3, 4, 5])
    for session in plan.sessions:
        lines += ["", f"## {session.name}", "", f"Definition hash `{session.definition_hash()}`.", ""]
        rows = [
            (m.hook.key, m.classified.kind.value, m.runner, _filters(m), m.reason) for m in session.members
        ]
        lines += table(["hook", "kind", "runs as", "filters", "why here"], rows)
        groups = sorted({m.pytest_group for m in session.members if m.pytest_group})
        if groups:
            lines += ["", "pytest invocations (one per configuration):", "", *[f"- {g}" for g in groups]]
    if plan.notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in plan.notes]]
    return _doc(lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _trend(walls: Sequence[float], recent: int = 5, window: int = 15) -> str:
    """Median of the last ``recent`` runs against the median of up to ``window`` runs before them."""
    now, before = walls[-recent:], walls[-recent - window : -recent]
    if len(now) < 3 or len(before) < 3 or median(before) <= 0:
        return "n/a"
    return f"{median(now) / median(before) - 1:+.0%}"


def timing_md(records: Sequence[SessionRecord], source: str) -> str:
    """Per-session timing from the ledger: like with like (latest definition and machine)."""
    from infra import timing

    verdicts = {v.session: v.status.value for v in timing.check(records)}
    by_session: dict[str, list[SessionRecord]] = {}
    for record in records:
        by_session.setdefault(record.session, []).append(record)
    rows = []
    for name, runs in sorted(by_session.items()):
        latest = runs[-1]
        comparable = [r for r in runs if timing.same_series(latest, r)]
        walls = [r.wall_s for r in comparable]
        cpus = [r.cpu_s for r in comparable if r.cpu_s is not None]
        rows.append(
            (
                name,
                len(runs),
                len(comparable),
                _seconds(median(walls) if walls else None),
                _seconds(median(cpus) if cpus else None),
                f"{latest.wall_s:.1f} ({latest.status})",
                _trend(walls),
                verdicts[name],
            )
        )
    lines = [
        "# Session timing",
        "",
        f"Generated by `infra reports` from {source}: machine-specific, not committed.",
        "",
        f"{_count(len(records), 'record')}, {_count(len({r.run_id for r in records}), 'run')}. Medians use the successful runs "
        "of each session's latest definition on the machine of its latest run; trend compares the median "
        "of the last 5 of them with the 15 before; gate is `infra regress`.",
        "",
    ]
    headers = ["session", "runs", "comparable", "median wall s", "median cpu s", "latest s", "trend", "gate"]
    lines += table(headers, rows, [1, 2, 3, 4]) if rows else ["No records."]
    return _doc([*lines, "", "![wall time per run](timing.svg)"])


def slowest_md(durations: Mapping[str, float], source: str, limit: int = SLOWEST) -> str:
    ranked = sorted(durations.items(), key=lambda item: (-item[1], item[0]))
    lines = [
        "# Slowest tests",
        "",
        f"Generated by `infra reports` from {source}: machine-specific, not committed.",
        "",
        f"{_count(len(ranked), 'test')}, {sum(durations.values()):.1f} s in total; the slowest {min(limit, len(ranked))}:",
        "",
    ]
    return _doc(lines + table(["test", "seconds"], [(t, f"{s:.2f}") for t, s in ranked[:limit]], [1]))


# --- putting it together (I/O) --------------------------------------------------------------


def _scrub(text: str, root: Path) -> str:
    """Drop the repository's absolute path from text that may carry it (plan notes)."""
    for prefix in sorted({str(root.resolve()), str(root.absolute())}):
        text = text.replace(prefix.rstrip(os.sep) + os.sep, "")
    return text


def _plan_report(root: Path) -> Report:
    from infra import project, settings

    config = settings.load(root, os.environ).config
    source = f"`{relative(config, root)}` (`infra plan`)"
    the_plan = project.load(root).plan if config.is_file() else None
    return Report("prepush-plan.md", _scrub(plan_md(the_plan, source), root))


def committed(root: Path, tests: Path, exclude: Sequence[Path] = ()) -> list[Report]:
    """The committed reports, regenerated in memory from the tree at ``root``."""
    from infra.asyncmock import CANDIDATES, RULES, check_paths

    if not tests.is_dir():
        raise FatalError(f"{tests}: no such test directory; pass --tests DIR")
    base = root if tests.resolve().is_relative_to(root.resolve()) else tests.resolve().parent
    scope = f"`{relative(tests, base)}/`" + "".join(f", excluding `{relative(p, base)}`" for p in exclude)
    files = list(python_files(tests, exclude))
    findings = [(relative(Path(f.path), base), f.line, f.code) for f in check_paths(files, both=True)]
    rules = {
        **RULES,
        **{code: f"{meaning} (left to the runtime guard)" for code, meaning in CANDIDATES.items()},
    }
    runtime = _asyncmock_runtime(root)
    suite = scan_suite([f for f in files if is_test_file(f)], base)
    return [
        Report(
            "asyncmock.md",
            asyncmock_md(findings, len(files), f"a static scan of {scope}", rules, runtime),
        ),
        _plan_report(root),
        Report("test-suite.md", suite_md(suite, f"a static (AST) scan of {scope}")),
    ]


def _recorded_durations(root: Path) -> dict[str, float] | None:
    """Every session's per-test durations (``.infra/durations/<session>.json``, written by each
    pytest run), merged; a legacy ``.infra/durations.json`` too; None when there is none."""
    from infra import state

    merged: dict[str, float] = {}
    for path in [root / DURATIONS, *state.durations_files(root)]:
        merged.update(load_durations(path) or {})
    return merged or None


def generated(root: Path) -> tuple[list[Report], list[str]]:
    """Machine-specific reports (and ledger warnings); none when there is no ledger or durations."""
    from infra import ledger, plot, settings

    ledger_path = settings.load(root, os.environ).ledger
    durations = _recorded_durations(root)
    found: list[Report] = []
    warnings: list[str] = []
    if ledger_path.is_file():
        contents = ledger.read(ledger_path)
        warnings = contents.warnings
        source = f"`{relative(ledger_path, root)}`"
        found += [
            Report(f"{GENERATED}/timing.md", timing_md(contents.records, source)),
            Report(f"{GENERATED}/timing.svg", plot.render(contents.records)),
        ]
    if durations is not None:
        found.append(Report(f"{GENERATED}/slowest-tests.md", slowest_md(durations, "`.infra/durations/`")))
    if found:
        found.insert(
            0, Report(f"{GENERATED}/.gitignore", "# written by `infra reports`: machine-specific\n*\n")
        )
    return found, warnings
