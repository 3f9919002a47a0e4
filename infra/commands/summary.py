"""``infra summary``: every original hook's verdict from the last ``nox -t prepush`` run."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("summary", help="per-hook verdicts of the last prepush run")
    parser.add_argument("--run", help="run id (default: the latest)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from infra import output, results, rundirs
    from infra.errors import FatalError
    from infra.results import Status

    root = Path.cwd()
    run_id = args.run or results.latest_run(root)
    if run_id is None:
        raise FatalError(f"{results.runs_dir(root)}: no recorded run; run `nox -t prepush` first")
    found = results.read_run(root, run_id)
    if not found and rundirs.expected_hooks(root, run_id) is None:
        raise FatalError(f"{results.runs_dir(root) / run_id}: no session results in this run")
    for result in found:
        for line in results.render_session(result):
            output.write_line(line)
    expected = rundirs.expected_hooks(root, run_id) or set()
    unfinished = sorted(expected - {h.key for r in found for h in r.hooks})
    if unfinished and rundirs.running(root, run_id):
        output.write_line(f"run {run_id} is still running: {len(unfinished)} hooks have not reported yet")
        unfinished = []
    for line in results.render_summary(found, interrupted=bool(unfinished), unfinished=unfinished):
        output.write_line(line)
    return 1 if unfinished or any(r.status is Status.FAILED for r in found) else 0
