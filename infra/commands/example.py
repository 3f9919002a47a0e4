"""``infra example create DIR``: generate the example repository (demo, benchmarks, tests)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from infra.errors import FatalError
from infra.output import write_line

SHAPES = ("reference", "src")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("example", help="generate the example repository")
    actions = parser.add_subparsers(dest="example_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create a git repository of the reference's shape in DIR",
        description="Create a git repository with 43 pre-push hooks, 32 hooks without stages and real tests"
        " (--shape src: a small src-layout package whose tests defeat naive test selection).",
    )
    create.add_argument("dir", metavar="DIR", type=Path, help="new or empty directory")
    create.add_argument(
        "--shape",
        choices=SHAPES,
        default="reference",
        help="reference: the reference's 75 push hooks (default); src: packaged data behind caches"
        " and resource loaders, a subdirectory pytest.ini, root-walking fixtures, wrapped hooks",
    )
    create.add_argument(
        "--seed-failure",
        metavar="HOOK_ID",
        help="commit an edit that makes this hook fail (an unknown id lists the seedable ones)",
    )
    create.add_argument(
        "--startup-manifests",
        metavar="N",
        type=int,
        default=None,
        help="generated manifests the example's conftest parses at start-up (default: >= 2 s of work)",
    )
    create.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Create the repository and print where it is and how to run its hooks."""
    import infra.example

    if args.shape == "src":
        return _create_src(args)

    manifests = args.startup_manifests
    if manifests is None:
        manifests = infra.example.DEFAULT_STARTUP_MANIFESTS
    root = infra.example.create(args.dir, startup_manifests=manifests, seed_failure=args.seed_failure)
    seeded = f", seeded to fail {args.seed_failure}" if args.seed_failure else ""
    write_line(f"created {root} ({len(infra.example.PUSH_HOOK_IDS)} hooks run at pre-push{seeded})")
    write_line(f"run: cd {root} && pre-commit run --hook-stage pre-push --all-files")
    return 0


def _create_src(args: argparse.Namespace) -> int:
    from infra.example import srcrepo

    for flag, value in (
        ("--seed-failure", args.seed_failure),
        ("--startup-manifests", args.startup_manifests),
    ):
        if value is not None:
            raise FatalError(f"{flag}: only for --shape reference; drop it, or drop --shape src")
    root = srcrepo.create(args.dir)
    write_line(f"created {root} (src layout, stockroom package)")
    write_line(f"run: cd {root} && pre-commit run --hook-stage pre-push --all-files")
    return 0
