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
never matter. The Markdown itself is rendered by ``infra.report_markdown`` (pure); this module
gathers what goes into it, writes it and checks it.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from infra.errors import FatalError
from infra.report_markdown import DURATIONS, GENERATED, asyncmock_md, plan_md, slowest_md, suite_md, timing_md
from infra.suite import is_test_file, python_files, relative, scan_suite

COMMITTED = ("asyncmock.md", "prepush-plan.md", "test-suite.md")
ASYNCMOCK_GUARD_REPORT = Path(".infra/asyncmock-guard.json")  # written by a full run under the guard


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


# --- putting it together (I/O) --------------------------------------------------------------


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
