"""``infra migrate``: pre-commit runs one pre-push hook, ``nox -t prepush``; ``--revert`` undoes it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.migrate import Migration
    from infra.migrate_marks import Reversion


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="make `nox -t prepush` the only pre-push hook under pre-commit (keeps every hook; reversible)",
    )
    parser.add_argument("--config", type=Path, help="the pre-commit config (default: from [tool.infra])")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the config would change"
    )
    parser.add_argument(
        "--revert", action="store_true", help="restore the config as it was before `infra migrate`"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from infra import migrate, output, settings
    from infra.errors import EXIT_FAILED, EXIT_OK

    path: Path = args.config or settings.load(Path.cwd()).config
    if args.revert:
        lines = _reverted(migrate.revert(path, write=not args.check))
    else:
        lines = _migrated(migrate.migrate(path, write=not args.check))
    command = "infra migrate" + (" --revert" if args.revert else "")
    if not lines:
        output.write_line(f"{path}: up to date, nothing to {'revert' if args.revert else 'migrate'}")
        return EXIT_OK
    for line in lines:
        output.write_line(f"{path}: {'would be ' if args.check else ''}{line}")
    if args.check:
        output.write_line(f"{path}: would change; run `{command}`")
        return EXIT_FAILED
    follow_up = (
        ""
        if args.revert
        else "; next: `infra init` (installs the pre-push hook with this environment on PATH, runs doctor)"
    )
    output.write_line(f"{path}: written{follow_up}")
    return EXIT_OK


def _migrated(m: Migration) -> list[str]:
    lines = []
    if m.parked:
        lines.append(f"parked in `manual`: {len(m.parked)} hooks marked pre-push (stages kept in a marker)")
    if m.default_stages:
        lines.append(
            f"{m.default_stages}: default_stages without pre-push ({len(m.stageless)} hooks without "
            "`stages` stop running at pre-push under pre-commit)"
        )
    if m.runner_added:
        lines.append("added: the infra-prepush hook, now the only one pre-commit runs at pre-push")
    return lines


def _reverted(r: Reversion) -> list[str]:
    lines = [f"restored: {r.restored} stages lines"] if r.restored else []
    return lines + [f"removed: the {what}" for what in r.removed]
