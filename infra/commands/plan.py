"""``infra plan``: show how the pre-push hooks are grouped into sessions, and why."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("plan", help="group the pre-push hooks into consolidated sessions")
    parser.add_argument("--config", type=Path, help="the pre-commit config (default: from [tool.infra])")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--explain", action="store_true", help="say why each hook is where it is")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from infra import output, project

    proj = project.load(Path.cwd(), args.config)
    the_plan = proj.plan
    if args.format == "json":
        output.write_line(json.dumps(the_plan.to_dict(), indent=2))
        return 0
    rows = []
    for session in the_plan.sessions:
        for n, m in enumerate(session.members):
            row = [session.name if n == 0 else "", m.hook.key, m.classified.kind.value, m.runner]
            rows.append([*row, m.reason] if args.explain else row)
    headers = ["session", "hook", "kind", "runs as"] + (["why"] if args.explain else [])
    output.write_line(output.table(headers, rows))
    total = sum(len(s.members) for s in the_plan.sessions)
    output.write_line(f"\n{total} hooks in {len(the_plan.sessions)} sessions")
    for note in the_plan.notes:
        output.write_line(f"note: {note}")
    return 0
