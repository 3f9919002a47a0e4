"""``infra init``: make this repository's pre-push stage ``nox -t prepush`` in one idempotent command."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init",
        help="set up this repository: noxfile, [tool.infra], migrate, the pre-push hook, CI; then doctor",
    )
    parser.add_argument("--config", type=Path, help="the pre-commit config (default: from [tool.infra])")
    parser.add_argument(
        "--no-ci", action="store_true", help=f"do not write the GitHub Actions workflow ({_WORKFLOW})"
    )
    parser.set_defaults(func=run)


_WORKFLOW = ".github/workflows/infra.yml"


def run(args: argparse.Namespace) -> int:
    from infra import doctor, init, output, settings
    from infra.errors import EXIT_FAILED, EXIT_OK

    root = Path.cwd()
    path: Path = args.config or settings.load(root).config
    steps = init.init(root, path.absolute(), ci=not args.no_ci)
    for step in steps:
        output.write_line(step.line())
    checks = doctor.diagnose(root, path)
    for check in checks:
        output.write_line(check.line())
    todo = [s.name for s in steps if not s.ok] + [c.name for c in checks if not c.ok]
    if todo:
        output.write_line(f"init: not ready; see {', '.join(todo)} above")
        return EXIT_FAILED
    changed = sum(bool(s.done) for s in steps)
    output.write_line(
        f"init: ready ({changed} steps changed something); `git push` runs `nox -t prepush`"
        if changed
        else "init: already set up, nothing changed"
    )
    return EXIT_OK
