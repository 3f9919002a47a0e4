"""``infra asyncmock check|fix``: find and fix AsyncMocks whose awaited result is never configured.

Exit codes: ``check`` 0 clean, 1 findings (unparsable files included, as AM000); ``fix`` 0 when
nothing is left to fix, 1 when findings remain (or, with ``--diff``, when it would change files);
2 for usage errors such as a missing path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.errors import EXIT_FAILED, EXIT_OK
from infra.output import warn, write_line

if TYPE_CHECKING:
    from infra.asyncmock import Finding


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "asyncmock",
        help="find and fix AsyncMocks whose awaited result is never configured",
        description="Awaiting an unconfigured AsyncMock returns a truthy mock, so authorization "
        "checks in tests pass for the wrong reason. `check` reports them, `fix` rewrites them "
        "into the fail-closed form (infra.testing.deny_async_mock).",
    )
    actions = parser.add_subparsers(dest="asyncmock_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="report unconfigured AsyncMocks (exit 1 when any)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.add_argument(
        "--guard-report",
        type=Path,
        metavar="REPORT",
        help="also report (AM006) the candidate sites this runtime guard report saw used",
    )
    check.add_argument(
        "--explain",
        action="store_true",
        help="also list the sites left to the runtime guard, and why the checker cannot judge them",
    )
    _add_paths(check)
    check.set_defaults(func=run_check)
    fix = actions.add_parser("fix", help="configure the awaited results of confirmed findings")
    fix.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    fix.add_argument(
        "--candidates",
        action="store_true",
        help="also rewrite every unconfirmed candidate site into the fail-closed form",
    )
    fix.add_argument(
        "--from-guard",
        type=Path,
        metavar="REPORT",
        help="fix what the runtime guard's JSON report confirmed, then re-run the affected tests",
    )
    fix.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter that runs the project's tests (default: this one)",
    )
    fix.add_argument("--no-rerun", action="store_true", help="with --from-guard: do not re-run the tests")
    _add_paths(fix)
    fix.set_defaults(func=run_fix)


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("tests")],
        metavar="PATH",
        help="files, or directories walked for *.py (default: tests)",
    )


def run_check(args: argparse.Namespace) -> int:
    from infra.asyncmock import RULES, check_paths

    every = check_paths(args.paths, both=args.explain or args.guard_report is not None)
    findings = [f for f in every if f.code in RULES]
    reported = {(f.path, f.line) for f in findings}  # a reported site is not left to the guard
    unjudged = [f for f in every if f.code not in RULES and (f.path, f.line) not in reported]
    if args.guard_report is not None:
        findings, unjudged = _confirmed(args, findings, unjudged)
    if args.format == "json":
        entries: list[dict[str, object]] = [f._asdict() for f in findings]
        if args.explain:
            entries = [{**e, "reported": True} for e in entries]
            entries += [{**f._asdict(), "reported": False} for f in unjudged]
        write_line(json.dumps(entries, indent=2))
    else:
        for finding in findings:
            write_line(str(finding))
        for site in unjudged:
            write_line(f"{site.path}:{site.line}:{site.col}: {site.code} not reported: {site.message}")
        files = len({f.path for f in findings})
        summary = f"{len(findings)} finding(s) in {files} file(s)" if findings else "no findings"
        if args.explain:
            summary += f"; {len(unjudged)} site(s) left to the runtime guard"
        write_line(summary, stream=sys.stderr)
    return EXIT_FAILED if findings else EXIT_OK


def _confirmed(
    args: argparse.Namespace, findings: list[Finding], unjudged: list[Finding]
) -> tuple[list[Finding], list[Finding]]:
    """Add the sites the guard's report saw used (AM006); they leave the unjudged list."""
    from infra.asyncmock.checker import iter_files
    from infra.asyncmock.confirmed import confirmed_sites
    from infra.asyncmock_guard import read_report

    checked = list(iter_files(args.paths))
    confirmed = confirmed_sites(checked, unjudged, read_report(args.guard_report), Path.cwd())
    done = {(f.path, f.line) for f in confirmed}
    left = [f for f in unjudged if (f.path, f.line) not in done] if args.explain else []
    return sorted([*findings, *confirmed]), left


def run_fix(args: argparse.Namespace) -> int:
    from infra.asyncmock.fixer import fix_paths, unified_diff

    if args.from_guard is not None:
        return _fix_from_guard(args)
    results = fix_paths(args.paths, write=not args.diff, candidates=args.candidates)
    for result in results:
        if args.diff and result.changed:
            write_line(unified_diff(result).rstrip("\n"))
        if result.note:
            warn(f"{result.path}: left untouched: {result.note}")
        for finding in result.remaining:
            write_line(f"{finding} (not fixed)", stream=sys.stderr)
    applied = sum(r.applied for r in results)
    changed = sum(1 for r in results if r.changed)
    remaining = sum(len(r.remaining) for r in results)
    verb = "would fix" if args.diff else "fixed"
    write_line(f"{verb} {applied} finding(s) in {changed} file(s); {remaining} left", stream=sys.stderr)
    return EXIT_FAILED if remaining or (args.diff and changed) else EXIT_OK


def _fix_from_guard(args: argparse.Namespace) -> int:
    from infra.asyncmock.confirmed import fix_from_report, rerun
    from infra.asyncmock.fixer import FixResult, unified_diff
    from infra.asyncmock_guard import read_report

    findings = read_report(args.from_guard)
    root = Path.cwd()
    tests = sorted({f.test for f in findings})
    before = {} if args.no_rerun or args.diff or not tests else rerun(args.python, root, tests)
    results = fix_from_report(findings, root, write=not args.diff)
    unfixed = 0
    for path, original, fixed, planned in results:
        if args.diff and fixed != original:
            write_line(unified_diff(FixResult(str(path), original, fixed, 0, [], None)).rstrip("\n"))
        for item in planned:
            if item.how:
                write_line(f"{item.site}: {item.mock}: {item.how}", stream=sys.stderr)
            else:
                unfixed += 1
                warn(f"{item.site}: {item.mock}: not fixed ({item.why}); used by {', '.join(item.tests)}")
    write_line(
        f"{len(findings)} runtime finding(s), {sum(len(p) for *_, p in results) - unfixed} mock(s) configured, "
        f"{unfixed} not fixed",
        stream=sys.stderr,
    )
    if not before:
        return EXIT_FAILED if unfixed else EXIT_OK
    after = rerun(args.python, root, tests)
    masked = sorted(t for t in tests if before.get(t) == "passed" and after.get(t) != "passed")
    for test in masked:
        write_line(f"MASKED BUG {test}: passed only because an unconfigured AsyncMock result was truthy")
    write_line(
        f"re-ran {len(tests)} test(s): {len(masked)} now fail (each a real bug the unconfigured mock hid)",
        stream=sys.stderr,
    )
    return EXIT_FAILED if masked or unfixed else EXIT_OK
