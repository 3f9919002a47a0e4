"""``python -m infra.safety`` (``nox -s selection-safety``): build the repositories, run the catalogue."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from infra import output
from infra.safety import catalogue, harness
from infra.safety.model import CLASSES, Mutation

REPOS = ("example", "src")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.safety",
        description="Push mutations through pre-commit and nox -t prepush; exit 1 on any disagreement.",
    )
    parser.add_argument("--repo", choices=(*REPOS, "both"), default="both")
    parser.add_argument("--only", metavar="CLASS", help=f"one class ({', '.join(CLASSES)}); '2' = every 2-*")
    parser.add_argument(
        "--limit", type=int, default=0, metavar="N", help="the first N mutations of each repo"
    )
    parser.add_argument("--list", action="store_true", help="print the catalogue, run nothing")
    parser.add_argument("--dir", type=Path, help="where to create the repositories (default: a temp dir)")
    parser.add_argument(
        "--no-push-reverts", action="store_true", help="do not push each revert through nox (faster, noisier)"
    )
    parser.add_argument(
        "--startup-manifests", type=int, default=20, help="the example conftest's start-up work"
    )
    return parser


def _select(mutations: list[Mutation], only: str | None, limit: int) -> list[Mutation]:
    if only:
        mutations = [m for m in mutations if m.cls == only or (only == "2" and m.cls.startswith("2-"))]
    return mutations[:limit] if limit else mutations


def _create(repo: str, root: Path, manifests: int) -> Path:
    if repo == "src":
        from infra.example import srcrepo

        return srcrepo.create(root)
    from infra import example

    return example.create(root, startup_manifests=manifests)


def _list(chosen: Sequence[tuple[str, list[Mutation]]]) -> None:
    rows = [(m.repo, m.cls, m.kind, m.describe) for _, ms in chosen for m in ms]
    output.write_line(output.table(("repo", "class", "kind", "mutation"), rows))
    everything = [m for _, ms in chosen for m in ms]
    for cls in CLASSES:
        output.write_line(f"{cls:12} {sum(m.cls == cls for m in everything):3}  {CLASSES[cls]}")
    output.write_line(f"{len(everything)} mutations")


def _printer(offset: int) -> Callable[[int, harness.Outcome], None]:
    def progress(n: int, outcome: harness.Outcome) -> None:
        output.write_line(harness.progress_line(offset + n, outcome))

    return progress


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.only and args.only != "2" and args.only not in CLASSES:
        _parser().error(f"--only {args.only}: choose one of {', '.join(CLASSES)} or 2")
    base = args.dir or Path(tempfile.mkdtemp(prefix="infra-safety-"))
    repos = REPOS if args.repo == "both" else (args.repo,)
    roots = {repo: _create(repo, base / repo, args.startup_manifests) for repo in repos}
    chosen = [(repo, _select(catalogue(repo, roots[repo]), args.only, args.limit)) for repo in repos]
    if args.list:
        _list(chosen)
        return 0
    outcomes: list[harness.Outcome] = []
    output.write_line(" | ".join(harness.HEADERS))
    for repo, mutations in chosen:
        output.write_line(f"{len(mutations)} mutations on {roots[repo]}")
        outcomes += harness.check(
            roots[repo], mutations, progress=_printer(len(outcomes)), push_reverts=not args.no_push_reverts
        )
    output.write_line("")
    output.write_line(output.table(harness.HEADERS, [harness.row(n, o) for n, o in enumerate(outcomes, 1)]))
    harness.report(outcomes)
    return 1 if any(o.disagreements for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
