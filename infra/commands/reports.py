"""``infra reports [--out DIR] [--tests DIR] [--exclude PATH] [--check]``: regenerate or check reports.

Without ``--check`` it writes the committed reports that changed (the built-in ones and the
team's own from ``[tool.infra.reports]``, see ``infra.team_reports``), then the machine-specific
ones under ``<out>/generated/`` (git-ignored) when a ledger or recorded durations exist. With
``--check`` it writes nothing and exits 1 naming each committed report that regenerating would
change (with a short diff), 0 when all are fresh; generated reports are never checked. A team
generator that fails or hangs is one line naming its report, and exit 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.reports import Report


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
    from infra import reports, team_reports
    from infra.errors import EXIT_FAILED, EXIT_OK
    from infra.output import warn, write_line

    root = Path.cwd()
    built = reports.committed(root, args.tests, args.exclude)
    team, failed = team_reports.generate(root, team_reports.load(root))
    if args.check:
        stale = [(args.out / s.name, s) for s in reports.stale(built, args.out)]
        stale += [(Path(s.name), s) for s in reports.stale(team, root)]
        for path, item in stale:
            write_line(f"{path}: {'missing' if item.missing else 'stale'}")
            for line in item.diff:
                write_line(f"    {line}")
        for failure in failed:
            write_line(failure.line())
        total = len(built) + len(team) + len(failed)
        if stale:
            write_line(f"{len(stale)} of {total} reports out of date: run `{_again(args)}` and commit them")
        if stale or failed:
            return EXIT_FAILED
        write_line(f"{total} reports in {_where(args.out, team)} are fresh")
        return EXIT_OK
    changed = [str(args.out / name) for name in reports.write(built, args.out)]
    changed += reports.write(team, root)
    extra, warnings = reports.generated(root)
    for message in warnings:
        warn(message)
    changed += [str(args.out / name) for name in reports.write(extra, args.out)]
    for name in changed:
        write_line(f"wrote {name}")
    for failure in failed:
        write_line(failure.line())
    total = len(built) + len(team) + len(extra)
    failures = f", {len(failed)} not regenerated" if failed else ""
    write_line(f"{total} reports in {_where(args.out, team)} ({len(changed)} updated{failures})")
    return EXIT_FAILED if failed else EXIT_OK


def _where(out: Path, team: list[Report]) -> str:
    return f"{out} and [tool.infra.reports]" if team else str(out)
