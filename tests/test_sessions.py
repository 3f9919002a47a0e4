"""Registering planned sessions with nox: names, tags, order, sizing and the session cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra import sessions
from tests.conftest import commit, git_dir, write

HOOK = "  - id: {id}\n    name: {id}\n    entry: pytest {target}\n    language: system\n    pass_filenames: false\n"


def _repo(root: Path) -> Path:
    git_dir(root)
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n"
            + HOOK.format(id="unit", target="tests/unit/test_a.py")
            + HOOK.format(id="helm", target="tests/helm/test_h.py"),
            "tests/unit/test_a.py": "def test_a():\n    pass\n",
            "tests/helm/test_h.py": "def test_h():\n    pass\n",
            "noxfile.py": "import infra.sessions\n\ninfra.sessions.register()\n",
            "pytest.ini": "[pytest]\n",
        },
    )
    commit(root)
    return root


def _nox(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_list_json_gives_the_ci_matrix(tmp_path: Path) -> None:
    """`nox --list --json -t prepush` lists every planned session with its tags (the CI matrix)."""
    root = _repo(tmp_path / "repo")
    listing = json.loads(_nox(root, "--list", "--json", "-t", "prepush").stdout)
    assert [(s["session"], s["tags"]) for s in listing] == [("pytest", ["prepush", "pytest"])]


def test_a_new_pytest_ini_is_planned_at_the_next_run_despite_the_cache(tmp_path: Path) -> None:
    """The plan depends on the tree: a run after adding tests/helm/pytest.ini runs the new session."""
    root = _repo(tmp_path / "repo")
    first = _nox(root, "-t", "prepush", "--", "--all-files")
    assert "2 hooks in 1 sessions: 2 passed" in first.stdout, first.stdout + first.stderr
    write(root, {"tests/helm/pytest.ini": "[pytest]\n"})  # the cache key (config, pyproject) is unchanged
    commit(root)
    second = _nox(root, "-t", "prepush", "--", "--all-files")
    assert "2 hooks in 2 sessions: 2 passed" in second.stdout, second.stdout + second.stderr
    assert "pytest-tests-helm" in json.loads((root / sessions.CACHE).read_text())["sessions"][1]["name"]


def test_idle_sessions_are_settled_without_a_nox_child(tmp_path: Path) -> None:
    """With two busy sessions, the idle one is reported skipped by the parent and never run by nox."""
    root = _repo(tmp_path / "repo")
    script = "  - id: {id}\n    name: {id}\n    entry: python -c 'pass'\n    language: system\n    files: {files}\n"
    config = (root / ".pre-commit-config.yaml").read_text()
    write(
        root,
        {
            ".pre-commit-config.yaml": config
            + script.format(id="docs-check", files=r"\.md$")
            + script.format(id="lint-check", files=r"\.py$")
        },
    )
    base = commit(root)
    write(root, {"tests/unit/test_a.py": "def test_a():\n    assert 1\n"})
    head = commit(root)
    env = {**os.environ, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head}
    proc = _nox(root, "-t", "prepush", env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "session docs: skipped, no hook to run for this push" in out
    assert "* docs" not in out and "* pytest: success" in out and "* lint: success" in out
    assert "4 hooks in 3 sessions: 3 passed, 0 failed, 1 skipped" in out


def test_a_broken_config_fails_the_prepush_run_with_one_line(tmp_path: Path) -> None:
    """A config error does not break the noxfile: one prepush session fails with the one-line message."""
    root = _repo(tmp_path / "repo")
    with (root / ".pre-commit-config.yaml").open("a") as config:
        config.write("  - {id: broken\n")
    proc = _nox(root, "-t", "prepush")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "error: " in out and ".pre-commit-config.yaml:" in out and "YAML syntax error" in out
    assert "Traceback" not in out
    assert "Session prepush-config-error aborted" in out
    listing = _nox(root, "--list")  # importing the noxfile is not an error: only running that session is
    assert listing.returncode == 0 and "error" not in listing.stderr, listing.stderr


def test_short_sessions_run_folded_in_one_child_and_failures_still_name_the_hook(tmp_path: Path) -> None:
    """Once recorded, busy sessions share one nox child per job (`quick`: the four short ones, while
    the longest runs alone); each keeps its own block,
    ledger record and per-hook verdict, a failing hook still fails the run, and the plan handed to
    the children is gone afterwards."""
    root = git_dir(tmp_path / "repo")
    script = "  - id: {id}\n    name: {id}\n    entry: python -c 'import sys, time; time.sleep({sleep}); sys.exit({code})'\n    language: system\n"
    hooks = [("docs-check", 0.1), ("lint-check", 0.1), ("security-check", 0.1), ("lockfile-check", 0.1)]
    hooks += [("api-check", 0.7)]  # long enough to run alone, beside the batch of the short ones
    config = "repos:\n- repo: local\n  hooks:\n" + "".join(
        script.format(id=i, code=0, sleep=t) for i, t in hooks
    )
    write(
        root,
        {
            ".pre-commit-config.yaml": config,
            "noxfile.py": "import infra.sessions\n\ninfra.sessions.register()\n",
        },
    )
    commit(root)
    first = _nox(root, "-j", "2", "-t", "prepush", "--", "--all-files")  # nothing recorded: a child each
    assert first.returncode == 0 and "Running session quick" not in first.stdout, first.stdout + first.stderr
    assert "Running session docs" in first.stdout
    _as_if_recorded_quiet(root, {"docs", "lint", "security", "deps"}, wall_s=0.15)

    write(
        root,
        {
            ".pre-commit-config.yaml": config.replace(
                "sys.exit(0)'\n    language: system\n", "sys.exit(3)'\n    language: system\n", 1
            )
        },
    )
    commit(root)
    second = _nox(root, "-j", "2", "-t", "prepush", "--", "--all-files")
    out = second.stdout + second.stderr
    assert second.returncode != 0, out
    assert "* quick: failed" in out and "* api: success" in out
    assert "Running session quick" in out and "Running session docs" not in out
    for session in ("docs", "lint", "security", "deps"):
        assert f"session {session}: " in out
    assert (
        "Session quick failed" in out and "FAILED docs-check: exit code 3" in out.split("infra summary:")[1]
    )
    assert "5 hooks in 5 sessions: 4 passed, 1 failed" in out
    ledger = [json.loads(line) for line in (root / ".infra" / "ledger.jsonl").read_text().splitlines()]
    assert sorted(r["session"] for r in ledger[-5:]) == ["api", "deps", "docs", "lint", "security"]
    assert not list((root / ".infra" / "runs").glob("*/handoff.pickle"))


def test_a_child_runs_what_the_parent_handed_it(tmp_path: Path) -> None:
    """A parallel child takes the parent's triggers from the hand-off instead of deciding again:
    told that its hook has no files to check, it skips it although the hook would run."""
    from infra import changes, execute, handoff, project, triggers

    root = _repo(tmp_path / "repo")
    proj = project.load(root)
    change = changes.find(root, {}, force_all=True)
    decided = execute.decide_all(proj, os.environ, change)
    decided = {k: t._replace(runs=False, why=triggers.Why.NO_FILES, filenames=()) for k, t in decided.items()}
    handoff.write(root, "run42", handoff.Handoff(proj, change, decided, os.getpid()))  # we are its parent
    env = {**os.environ, "INFRA_RUN_ID": "run42"}
    child = _nox(root, "-s", "pytest", "--parallel-worker", "--", "--all-files", env=env)
    assert "unit......" in child.stdout and "Skipped  (no files to check)" in child.stdout, child.stdout
    alone = _nox(root, "-s", "pytest", "--", "--all-files")  # no hand-off: decides itself, runs it
    assert "Skipped" not in alone.stdout and "unit......" in alone.stdout, alone.stdout


def _as_if_recorded_quiet(root: Path, names: set[str], wall_s: float) -> None:
    """The clock is a platform fact: on a loaded machine a 0.1 s hook's session may record more than
    the 0.7 s one, so the recorded times are set to what a quiet machine measures."""
    from infra import state

    path = state.ledger_path(root)
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert {r["session"] for r in records} >= names
    for r in records:
        if r["session"] in names:
            r["wall_s"] = wall_s
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
