"""``infra reports [--out DIR] [--tests DIR] [--exclude PATH] [--check]``: regenerate or check reports.

Without ``--check`` it writes the committed reports that changed, then the machine-specific ones
under ``<out>/generated/`` (git-ignored) when a ledger or recorded durations exist. With
``--check`` it writes nothing and exits 1 naming each committed report that regenerating would
change (with a short diff), 0 when all are fresh; generated reports are never checked.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reports",
        help="regenerate reports/ (AsyncMock scan, test suite, pre-push plan); --check fails when stale",
    )
    parser.add_argument("--out", type=Path, default=Path("reports"), help="reports directory (reports)")
    parser.add_argument("--tests", type=Path, default=Path("tests"), help="test tree to scan (tests)")
    parser.add_argument(
        "--exclude",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="file or directory of the test tree to leave out of the scans (repeatable)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each stale committed report"
    )
    parser.set_defaults(func=run)


def _again(args: argparse.Namespace) -> str:
    """The command that regenerates what ``--check`` compared against."""
    import shlex

    words = ["infra", "reports"]
    if args.out != Path("reports"):
        words += ["--out", str(args.out)]
    if args.tests != Path("tests"):
        words += ["--tests", str(args.tests)]
    for path in args.exclude:
        words += ["--exclude", str(path)]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    from infra import reports
    from infra.errors import EXIT_FAILED, EXIT_OK
    from infra.output import warn, write_line

    root = Path.cwd()
    built = reports.committed(root, args.tests, args.exclude)
    if args.check:
        stale = reports.stale(built, args.out)
        for item in stale:
            state = "missing" if item.missing else "stale"
            write_line(f"{args.out / item.name}: {state}")
            for line in item.diff:
                write_line(f"    {line}")
        if stale:
            write_line(
                f"{len(stale)} of {len(built)} reports out of date: run `{_again(args)}` and commit them"
            )
            return EXIT_FAILED
        write_line(f"{len(built)} reports in {args.out} are fresh")
        return EXIT_OK
    changed = reports.write(built, args.out)
    extra, warnings = reports.generated(root)
    for message in warnings:
        warn(message)
    changed += reports.write(extra, args.out)
    for name in changed:
        write_line(f"wrote {args.out / name}")
    total = len(built) + len(extra)
    write_line(f"{total} reports in {args.out} ({len(changed)} updated)")
    return EXIT_OK
