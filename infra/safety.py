"""The mutation safety harness: incremental selection never passes what a full run fails.

On a fresh example repository, each mutation (a changed function body in ``src/`` or a test,
a conftest fixture, a data file under ``deployments/`` or ``docs/``, a deleted file, a
renamed file, and comment-only controls) is committed and pushed through ``nox -t prepush``
twice over the same range: incrementally (testmon + read records) and with ``--full``. A
hook that fails in the full run and passes incrementally is a MISS: the harness exits 1 if
there is one. The mutation is then reverted by a new commit, as a developer would.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from infra import output, results, run
from infra.results import Status


class Mutation(NamedTuple):
    kind: str
    describe: str
    apply: Callable[[Path], None]


class Outcome(NamedTuple):
    mutation: Mutation
    full_failed: frozenset[str]
    incremental_failed: frozenset[str]
    tests_full: int
    tests_incremental: int

    @property
    def missed(self) -> frozenset[str]:
        return self.full_failed - self.incremental_failed


def _replace_line(path: Path, line: int, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    lines[line - 1] = f"{indent}{new}\n"
    path.write_text("".join(lines))


def _functions(path: Path) -> Iterator[ast.FunctionDef]:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.body:
            yield node


def python_mutations(root: Path, pattern: str, kind: str, limit: int) -> list[Mutation]:
    """One mutation per function: its first ``return`` or ``assert`` line changed."""
    out: list[Mutation] = []
    for path in sorted(root.glob(pattern)):
        rel = path.relative_to(root).as_posix()
        for fn in _functions(path):
            for stmt in ast.walk(fn):
                if isinstance(stmt, ast.Return) and stmt.value is not None and stmt.lineno == stmt.end_lineno:
                    new = "return None  # mutated"
                elif isinstance(stmt, ast.Assert) and stmt.lineno == stmt.end_lineno:
                    new = f"assert not ({ast.unparse(stmt.test)})  # mutated"
                else:
                    continue
                line = stmt.lineno
                out.append(Mutation(kind, f"{rel}:{line} in {fn.name}()", _bind_line(path, line, new)))
                break
            if len([m for m in out if m.describe.startswith(rel)]) >= 3:
                break
    return _spread(out, limit)


def _bind_line(path: Path, line: int, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        _replace_line(path, line, new)

    return apply


def _spread(items: list[Mutation], limit: int) -> list[Mutation]:
    """At most ``limit`` items, taken evenly across the list (every file gets a turn)."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


_NUMBER = re.compile(r"(:\s*)(\d+)(\s*$)", re.M)


def data_mutations(root: Path, pattern: str, kind: str, limit: int) -> list[Mutation]:
    """Data files: a number changed, a line removed, a key added."""
    out: list[Mutation] = []
    for path in sorted(root.glob(pattern)):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        if _NUMBER.search(text):
            out.append(
                Mutation(kind, f"{rel}: a number changed", _bind_text(path, _NUMBER.sub(_bump, text, 1)))
            )
        lines = text.splitlines(keepends=True)
        if len(lines) > 3:
            mid = len(lines) // 2
            out.append(
                Mutation(
                    kind,
                    f"{rel}: line {mid + 1} removed",
                    _bind_text(path, "".join(lines[:mid] + lines[mid + 1 :])),
                )
            )
    return _spread(out, limit)


def _bump(match: re.Match[str]) -> str:
    return f"{match.group(1)}{int(match.group(2)) + 1}{match.group(3)}"


def _bind_text(path: Path, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path.write_text(text)

    return apply


def _delete(path: Path) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path.unlink()

    return apply


def _rename(path: Path) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path.rename(path.with_name("renamed-" + path.name))

    return apply


def structural_mutations(root: Path) -> list[Mutation]:
    """Deleted files, a renamed file, and comment-only controls."""
    docs = sorted((root / "docs").rglob("*.mdx"))
    src = sorted((root / "src").rglob("*.py"))
    tests = sorted((root / "tests").rglob("test_*.py"))
    out = [
        Mutation("delete", f"{docs[-1].relative_to(root)} deleted", _delete(docs[-1])),
        Mutation("rename", f"{docs[0].relative_to(root)} renamed", _rename(docs[0])),
        Mutation("delete", f"{tests[-1].relative_to(root)} deleted", _delete(tests[-1])),
    ]
    for path in (src[1], src[-1], tests[0], root / "tests" / "conftest.py"):
        text = path.read_text() + "\n# a comment only: nothing should run for it\n"
        out.append(Mutation("comment", f"{path.relative_to(root)}: comment added", _bind_text(path, text)))
    return out


def triggering_test_files(root: Path) -> list[str]:
    """Test files that pytest hooks run AND whose own ``files:`` filter matches them: mutating
    these makes pre-commit run the hook, so a broken test shows in the full run."""
    from infra import project
    from infra.pytestcfg import target_path

    out: set[str] = set()
    for session in project.load(root).plan.sessions:
        for member in session.members:
            call = member.classified.pytest
            for target in call.targets if call else ():
                path = target_path(target)
                if path.endswith(".py") and re.search(member.hook.files, path):
                    out.add(path)
    return sorted(out)


def catalogue(root: Path) -> list[Mutation]:
    test_files = triggering_test_files(root)
    tests = [m for f in test_files for m in python_mutations(root, f, "test", 3)]
    return [
        *python_mutations(root, "src/**/*.py", "src", 12),
        *_spread(tests, 28),
        *python_mutations(root, "tests/conftest.py", "conftest", 3),
        *data_mutations(root, "deployments/[!g]*/**/*.yaml", "deployments", 10),
        *data_mutations(root, "docs/**/*.mdx", "docs", 6),
        *structural_mutations(root),
    ]


def _env(base: str, head: str, run_id: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT_", "NOX_", "CI"))}
    env.update(PRE_COMMIT_FROM_REF=base, PRE_COMMIT_TO_REF=head, INFRA_RUN_ID=run_id)
    # Mutations rewrite files within one second at the same size: a timestamp-checked .pyc
    # would run the old code and hide what the mutation did, in both runs alike.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _push(root: Path, base: str, head: str, run_id: str, *posargs: str) -> tuple[frozenset[str], int]:
    cmd = [sys.executable, "-m", "nox", "-t", "prepush", *(["--", *posargs] if posargs else [])]
    run.run(cmd, cwd=root, env=_env(base, head, run_id))
    found = results.read_run(root, run_id)
    failed = frozenset(h.key for r in found for h in r.hooks if h.status is Status.FAILED)
    return failed, sum(r.tests.selected or 0 for r in found)


def _commit(root: Path, message: str) -> str:
    run.git(root, "add", "-A")
    run.git(root, "commit", "-q", "--no-verify", "-m", message)
    return run.git(root, "rev-parse", "HEAD").strip()


def check(root: Path, mutations: list[Mutation], *, stream_progress: bool = True) -> list[Outcome]:
    outcomes = []
    head = run.git(root, "rev-parse", "HEAD").strip()
    _push(root, head, head, "seed", "--all-files")  # testmon data and read records to start from
    for n, mutation in enumerate(mutations, 1):
        base = head
        mutation.apply(root)
        head = _commit(root, f"mutation {n}: {mutation.describe}")
        inc_failed, inc_tests = _push(root, base, head, f"m{n}-incremental")
        full_failed, full_tests = _push(root, base, head, f"m{n}-full", "--full")
        outcome = Outcome(mutation, full_failed, inc_failed, full_tests, inc_tests)
        outcomes.append(outcome)
        if stream_progress:
            verdict = "MISS " + ",".join(sorted(outcome.missed)) if outcome.missed else "ok"
            output.write_line(
                f"{n:3} {mutation.kind:11} {mutation.describe[:60]:60} full fails {len(full_failed):2} "
                f"tests {inc_tests:3}/{full_tests:3}  {verdict}"
            )
        run.git(root, "revert", "--no-edit", "HEAD")
        head = run.git(root, "rev-parse", "HEAD").strip()
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "mutations": len(outcomes),
        "failing_in_full_run": sum(bool(o.full_failed) for o in outcomes),
        "caught_incrementally": sum(bool(o.full_failed) and not o.missed for o in outcomes),
        "missed": sum(bool(o.missed) for o in outcomes),
        "tests_incremental": sum(o.tests_incremental for o in outcomes),
        "tests_full": sum(o.tests_full for o in outcomes),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    from infra import example

    parser = argparse.ArgumentParser(prog="python -m infra.safety", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where to create the example (default: a temp dir)")
    parser.add_argument("--startup-manifests", type=int, default=20)
    parser.add_argument("--limit", type=int, default=0, help="run only the first N mutations")
    args = parser.parse_args(argv)
    root = args.dir or Path(tempfile.mkdtemp(prefix="infra-safety-")) / "repo"
    example.create(root, startup_manifests=args.startup_manifests)
    mutations = catalogue(root)
    mutations = mutations[: args.limit] if args.limit else mutations
    output.write_line(f"{len(mutations)} mutations on {root}")
    outcomes = check(root, mutations)
    totals = summary(outcomes)
    output.write_line(json.dumps(totals))
    output.write_line(
        f"{totals['mutations']} mutations, {totals['failing_in_full_run']} fail a full run, "
        f"{totals['caught_incrementally']} caught incrementally, {totals['missed']} missed; "
        f"tests run: {totals['tests_incremental']} incremental vs {totals['tests_full']} full"
    )
    return 1 if totals["missed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
