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
from typing import Any

from infra.errors import EXIT_FAILED, EXIT_OK
from infra.output import warn, write_line


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
    _add_paths(check)
    check.set_defaults(func=run_check)
    fix = actions.add_parser("fix", help="rewrite unconfigured AsyncMocks into the fail-closed form")
    fix.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
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
    from infra.asyncmock import check_paths

    findings = check_paths(args.paths)
    if args.format == "json":
        write_line(json.dumps([f._asdict() for f in findings], indent=2))
    else:
        for finding in findings:
            write_line(str(finding))
        files = len({f.path for f in findings})
        summary = f"{len(findings)} finding(s) in {files} file(s)" if findings else "no findings"
        write_line(summary, stream=sys.stderr)
    return EXIT_FAILED if findings else EXIT_OK


def run_fix(args: argparse.Namespace) -> int:
    from infra.asyncmock.fixer import fix_paths, unified_diff

    results = fix_paths(args.paths, write=not args.diff)
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
