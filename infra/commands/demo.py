"""``infra demo [DIR]``: the example's pre-push hooks under pre-commit and as nox sessions, side by side."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.errors import EXIT_FAILED, EXIT_OK, FatalError
from infra.hosts import prek
from infra.output import write_line

if TYPE_CHECKING:
    from infra.demo import ToolRun


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the example repository's pre-push hooks under pre-commit and under nox, side by side",
        description=(
            "Create the example repository (75 pre-push hooks), then time a full run and an incremental "
            "push under pre-commit (one hook after another) and under `nox -t prepush` (consolidated, "
            "parallel, incremental), and compare the verdicts hook by hook. Exit 0 when they agree."
        ),
    )
    parser.add_argument(
        "dir", metavar="DIR", type=Path, nargs="?", help="new or empty directory (default: a new temp dir)"
    )
    parser.add_argument(
        "--startup-manifests",
        metavar="N",
        type=int,
        default=None,
        help="manifests the example's conftest parses at start-up (default: >= 2 s of work per pytest)",
    )
    parser.add_argument(
        "--host",
        choices=("pre-commit", "prek"),
        default="pre-commit",
        help="the tool nox is compared with: pre-commit (default) or prek, its fast reimplementation",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Create the repository, run both scenarios, print the table and the verdict comparison."""
    import infra.example
    from infra import demo

    host = args.host
    if host == "prek" and shutil.which(prek.HOST.program()[0]) is None:
        raise FatalError(
            "infra demo --host prek: prek is not installed; install it (pip install prek) or omit --host"
        )

    dest = args.dir if args.dir is not None else Path(tempfile.mkdtemp(prefix="infra-demo-"))
    manifests = args.startup_manifests or infra.example.DEFAULT_STARTUP_MANIFESTS
    root = infra.example.create(dest, startup_manifests=manifests).resolve()
    write_line(f"example repository: {root} ({len(infra.example.PUSH_HOOK_IDS)} hooks run at pre-push)")
    env = dict(os.environ)
    load_start = os.getloadavg()

    write_line(f"\n[1/4] full, {host}: {host} run --hook-stage pre-push --all-files")
    full_pc = _done(demo.run_hook_tool(root, env, None, tool=host))
    write_line("[2/4] full, nox: nox -t prepush -- --all-files")
    full_nox = _done(demo.run_nox(root, env, None)[0])

    refs = demo.change_function(root)
    write_line(f"\ncommitted a change to {demo.CHANGED_FUNCTION}() in {demo.CHANGED_MODULE} (used by 1 test)")
    write_line(f"[3/4] incremental, {host}: ... --from-ref {refs[0][:10]} --to-ref {refs[1][:10]}")
    inc_pc = _done(demo.run_hook_tool(root, env, refs, tool=host))
    write_line("[4/4] incremental, nox: PRE_COMMIT_FROM_REF=... PRE_COMMIT_TO_REF=... nox -t prepush")
    inc_nox = _done(demo.run_nox(root, env, refs)[0])

    scenarios = [demo.Scenario("full", full_pc, full_nox), demo.Scenario("incremental", inc_pc, inc_nox)]
    write_line()
    write_line(demo.render_table(scenarios, baseline_tool=host))
    write_line(
        f"{host} runs each hook alone, one after another; nox runs the planned sessions in parallel,\n"
        "one pytest process per pytest configuration, and on a push only the tests whose code changed."
    )
    write_line(demo.load_line(load_start, os.getloadavg(), os.cpu_count() or 1))
    write_line()
    for line in demo.render_verdicts(scenarios):
        write_line(line)
    write_line()
    write_line(demo.REAL_REPLAY)
    from infra import warm

    stopped = warm.stop(root)  # a demo is one-shot: leave no warm pytest process behind
    if stopped:
        write_line(
            f"\nstopped the {len(stopped)} warm pytest process(es) the full run started for the incremental one"
        )
    write_line(f"\noutputs: {root / '.infra' / 'demo'}; per-session results: {root / '.infra' / 'runs'}")
    nox = Path(sys.executable).parent / "nox"  # the environment infra runs in; its bin/ may not be on PATH
    write_line(f"try it yourself: cd {root} && {nox} -t prepush -- --all-files")
    return EXIT_OK if demo.agree(scenarios) else EXIT_FAILED


def _done(tool_run: ToolRun) -> ToolRun:
    write_line(f"      {tool_run.wall_s:.1f} s, hooks run/passed/failed {tool_run.hooks()}")
    return tool_run
