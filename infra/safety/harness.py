"""Push each mutation through pre-commit and through ``nox -t prepush``; compare hook by hook.

For every mutation, as a developer would: commit it, then judge the SAME pushed range
(``base..head``) three times: ``pre-commit run --hook-stage pre-push --from-ref --to-ref``
with the repository's own config (the reference verdict), ``nox -t prepush`` with
``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` (incremental, the verdict under test) and
``nox -t prepush -- --full`` (to count what a full run executes). Between runs the working
tree is put back to what was pushed (hooks and tests may rewrite files), plus the unstaged
edits of a class-4 mutation. Then the mutation is reverted by a new commit, and that commit
is pushed through ``nox -t prepush`` too (not counted), as a developer's revert would be: the
next mutation's incremental run then starts from state that matches its base.

A disagreement is a hook that fails on one side only: pre-commit vs the incremental run
(``full`` also says whether the full run agreed with pre-commit, which tells execution
problems from selection problems).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from infra import demo, output, results, run
from infra.results import Status
from infra.safety.model import CLASSES, Mutation

ROOT_SESSION = "pytest"  # the planner's name for the root-configuration pytest session
TIMEOUT_S = 900.0  # one run of one tool on one mutation; a hang is a result, not a stuck harness


class NoxRun(NamedTuple):
    failed: frozenset[str]
    tests: Mapping[str, int]  # tests run, per session
    returncode: int

    @property
    def total(self) -> int:
        return sum(self.tests.values())


class Outcome(NamedTuple):
    mutation: Mutation
    precommit_failed: frozenset[str]
    incremental: NoxRun
    full: NoxRun
    precommit_ok: bool = True  # pre-commit gave a verdict for at least one hook

    @property
    def disagreements(self) -> frozenset[str]:
        """Hooks failing on one side only, pre-commit vs the incremental run."""
        if not self.precommit_ok:
            return frozenset({"<pre-commit gave no verdicts>"})
        return self.precommit_failed ^ self.incremental.failed

    @property
    def full_disagreements(self) -> frozenset[str]:
        return self.precommit_failed ^ self.full.failed if self.precommit_ok else frozenset()


def _env(extra: Mapping[str, str]) -> dict[str, str]:
    env = demo.child_env(os.environ, extra)
    env = {k: v for k, v in env.items() if not k.startswith(("NOX_", "PRE_COMMIT_FROM", "PRE_COMMIT_TO"))}
    # Mutations rewrite files within one second at the same size: a timestamp-checked .pyc
    # would run the old code and hide what the mutation did, on every side alike.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run_precommit(root: Path, base: str, head: str) -> tuple[frozenset[str], bool]:
    """Failing hook keys of ``pre-commit run`` over ``base..head``, and whether it gave verdicts."""
    cmd = demo.hook_tool_command([sys.executable, "-m", "pre_commit"], (base, head))
    result = run.run(cmd, cwd=root, env=_env({}), timeout=TIMEOUT_S)
    verdicts = demo.parse_verdicts(result.output)
    _log(root, "pre-commit", result.output)
    return frozenset(k for k, s in verdicts.items() if s is Status.FAILED), bool(verdicts)


def run_nox(root: Path, base: str, head: str, *posargs: str) -> NoxRun:
    """``nox -t prepush`` over ``base..head``: failing hook keys and tests run per session."""
    run_id = f"safety-{uuid.uuid4().hex[:10]}"
    env = _env({"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head, "INFRA_RUN_ID": run_id})
    cmd = [sys.executable, "-m", "nox", "-t", "prepush", *(["--", *posargs] if posargs else [])]
    result = run.run(cmd, cwd=root, env=env, timeout=TIMEOUT_S)
    _log(root, "nox-full" if posargs else "nox", result.output)
    failed, tests = read_results(results.runs_dir(root) / run_id)
    if result.returncode != 0 and not failed:
        failed = frozenset({f"<nox exit {result.returncode}, no failing hook reported>"})
    return NoxRun(failed, tests, result.returncode)


def read_results(directory: Path) -> tuple[frozenset[str], dict[str, int]]:
    """Failing hook keys and tests run per session, from the sessions' JSON results.

    Read as plain JSON, only the fields needed: the harness runs for most of an hour against
    a checkout that may change under it, and a field added to the results meanwhile must not
    make every later run unreadable (``results.SessionResult.from_dict`` is strict).
    """
    failed: set[str] = set()
    tests: dict[str, int] = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        failed.update(h["key"] for h in data["hooks"] if h["status"] == Status.FAILED.value)
        tests[data["session"]] = int((data.get("tests") or {}).get("selected") or 0)
    return frozenset(failed), tests


def _log(root: Path, name: str, text: str) -> None:
    directory = results.state_dir(root) / "safety"
    directory.mkdir(exist_ok=True)
    (directory / f"last-{name}.log").write_text(text)


def clean_tree(root: Path) -> None:
    """Tracked files back to HEAD, untracked (not ignored) files removed: what was pushed."""
    run.git(root, "checkout", "-q", "--", ".")
    run.git(root, "clean", "-qfd")


def _commit(root: Path, message: str) -> str:
    run.git(root, "add", "-A")
    run.git(root, "commit", "-q", "--no-verify", "-m", message)
    return run.git(root, "rev-parse", "HEAD").strip()


def judge(root: Path, mutation: Mutation, n: int, *, push_revert: bool = True) -> Outcome:
    """Commit ``mutation``, judge its range three ways, revert it by a new commit and push that
    (an uncounted incremental run: otherwise every next push also carries the undone change)."""
    base = run.git(root, "rev-parse", "HEAD").strip()
    mutation.apply(root)
    head = _commit(root, f"mutation {n}: {mutation.describe}")

    def prepare() -> None:
        clean_tree(root)
        if mutation.unstaged is not None:
            mutation.unstaged(root)

    prepare()
    pc_failed, pc_ok = run_precommit(root, base, head)
    prepare()
    incremental = run_nox(root, base, head)
    prepare()
    full = run_nox(root, base, head, "--full")
    clean_tree(root)
    run.git(root, "revert", "--no-edit", "HEAD")
    if push_revert:  # as the developer would: the revert is pushed too, so state follows the tree
        run_nox(root, head, run.git(root, "rev-parse", "HEAD").strip())
        clean_tree(root)
    return Outcome(mutation, pc_failed, incremental, full, pc_ok)


def seed(root: Path) -> None:
    """One ``--all-files`` run: testmon data and read records to start from."""
    clean_tree(root)
    head = run.git(root, "rev-parse", "HEAD").strip()
    run_nox(root, head, head, "--all-files")
    clean_tree(root)


def check(
    root: Path,
    mutations: Sequence[Mutation],
    *,
    progress: Callable[[int, Outcome], None] | None = None,
    push_reverts: bool = True,
) -> list[Outcome]:
    seed(root)
    outcomes = []
    for n, mutation in enumerate(mutations, 1):
        outcome = judge(root, mutation, n, push_revert=push_reverts)
        outcomes.append(outcome)
        if progress is not None:
            progress(n, outcome)
    return outcomes


# --- reporting (pure) -----------------------------------------------------------------------------

HEADERS = ("#", "mutation", "class", "pre-commit fails", "nox fails", "disagreement", "tests inc/full")


def _hooks(keys: frozenset[str]) -> str:
    return ",".join(sorted(keys)) or "-"


def row(n: int, o: Outcome) -> tuple[str, ...]:
    extra = " (full agrees)" if o.disagreements and not o.full_disagreements else ""
    return (
        str(n),
        o.mutation.name,
        o.mutation.cls,
        _hooks(o.precommit_failed),
        _hooks(o.incremental.failed),
        (_hooks(o.disagreements) + extra) if o.disagreements else "-",
        f"{o.incremental.total}/{o.full.total}",
    )


def progress_line(n: int, o: Outcome) -> str:
    return " | ".join(row(n, o))


def one_function_changes(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Ordinary one-function source changes on the src repository."""
    return [
        o
        for o in outcomes
        if o.mutation.repo == "src" and o.mutation.cls == "ordinary" and o.mutation.kind == "src"
    ]


def root_share(o: Outcome) -> float | None:
    full = o.full.tests.get(ROOT_SESSION, 0)
    return o.incremental.tests.get(ROOT_SESSION, 0) / full if full else None


def figures(outcomes: Sequence[Outcome]) -> list[str]:
    """The closing figures: mutations per class, disagreements, tests ratio, root-session share."""
    lines = ["mutations per class:"]
    for cls in CLASSES:
        count = [o for o in outcomes if o.mutation.cls == cls]
        if count:
            bad = sum(bool(o.disagreements) for o in count)
            lines.append(f"  {cls:12} {len(count):3}  disagreements {bad}")
    inc = sum(o.incremental.total for o in outcomes)
    full = sum(o.full.total for o in outcomes)
    ratio = f"{inc / full:.2f}" if full else "-"
    lines.append(
        f"{len(outcomes)} mutations, {sum(bool(o.disagreements) for o in outcomes)} with a disagreement "
        f"({sum(len(o.disagreements) for o in outcomes)} hook verdicts), "
        f"{sum(bool(o.full_disagreements) for o in outcomes)} where even the full run disagrees"
    )
    lines.append(f"tests run: {inc} incremental / {full} full = {ratio} (target <= 0.6)")
    shares = [s for o in one_function_changes(outcomes) if (s := root_share(o)) is not None]
    if shares:
        lines.append(
            f"src repo, one-function changes ({len(shares)}): root session '{ROOT_SESSION}' ran "
            f"mean {sum(shares) / len(shares):.0%}, max {max(shares):.0%} of its tests (target <= 25%)"
        )
    return lines


def report(outcomes: Sequence[Outcome]) -> None:
    bad = [(n, o) for n, o in enumerate(outcomes, 1) if o.disagreements]
    output.write_line("")
    output.write_line(f"disagreements ({len(bad)} mutations):")
    if bad:
        output.write_line(output.table(HEADERS, [row(n, o) for n, o in bad]))
    for line in figures(outcomes):
        output.write_line(line)
