"""``infra doctor``: check the pre-push set-up (config, git hook, CI); one line per check."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check that pre-push runs `nox -t prepush` once, with no hook lost, locally and in CI"
    )
    parser.add_argument("--config", type=Path, help="the pre-commit config (default: from [tool.infra])")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from infra import doctor, output, settings
    from infra.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError

    root = Path.cwd()
    path: Path = args.config or settings.load(root).config
    try:
        checks = doctor.diagnose(root, path)
    except ConfigError as exc:
        output.write_line(
            doctor.Check("config", False, str(exc), "fix the config, then run `infra doctor` again").line()
        )
        return EXIT_USAGE
    for check in checks:
        output.write_line(check.line())
    failed = sum(not c.ok for c in checks)
    output.write_line(
        f"doctor: {failed} of {len(checks)} checks failed"
        if failed
        else f"doctor: all {len(checks)} checks ok"
    )
    return EXIT_FAILED if failed else EXIT_OK
