"""``infra warm status|stop``: see and stop this repository's warm pytest processes (``infra.warm``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("warm", help="list or stop the warm pytest processes of this repository")
    parser.add_argument("action", choices=("status", "stop"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from infra import output, warm

    root = Path.cwd()
    if args.action == "stop":
        stopped = warm.stop(root)
        output.write_line(
            f"stopped {len(stopped)} warm process(es){': ' if stopped else ''}{', '.join(map(str, stopped))}"
        )
        return 0
    found = warm.servers(root)
    if not found:
        output.write_line("no warm pytest process runs for this repository")
    for s in found:
        up = time.time() - float(s.get("started", time.time()))
        output.write_line(
            f"pid {s['pid']}  up {up:.0f} s  "
            + (f"{s['modules']} modules preloaded  " if "modules" in s else "starting (preloading)  ")
            + f"in {s.get('cwd', '?')}  (key {s['key']})"
        )
    return 0
