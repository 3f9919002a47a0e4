"""Running sessions: verdicts per hook, as pre-commit gives them, on real repositories."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from infra import execute, project, pytest_group
from infra.results import Status
from tests.conftest import commit, git, git_dir, write

HOOK = "  - id: {id}\n    name: {id}\n    entry: {entry}\n    language: system\n    pass_filenames: {pf}\n{extra}"


def _config(*hooks: tuple[str, str, bool, str]) -> str:
    return "repos:\n- repo: local\n  hooks:\n" + "".join(
        HOOK.format(id=i, entry=e, pf=str(pf).lower(), extra=x) for i, e, pf, x in hooks
    )


MINI_HOOKS = (
    ("node-a", "pytest tests/test_helm.py::test_a -v", False, "    files: ^deploy/\n"),
    ("node-b", "python -m pytest tests/test_helm.py::test_b", False, "    files: ^(deploy/|tests/)\n"),
    ("class-node", "pytest tests/test_helm.py::TestC::test_c", False, "    files: ^deploy/\n"),
    (
        "three-files",
        "pytest tests/test_one.py tests/test_two.py tests/test_helm.py",
        False,
        "    files: ^tests/\n",
    ),
    ("docs-check", "python scripts/check_docs.py", True, "    files: \\.md$\n"),
    ("always", "python scripts/always.py", False, "    always_run: true\n"),
)

MINI_FILES = {
    "tests/test_helm.py": "def test_a():\n    assert True\n\ndef test_b():\n    assert 1 + 1 == 2\n\n"
    "class TestC:\n    def test_c(self):\n        assert 'c'\n",
    "tests/test_one.py": "def test_one():\n    assert True\n",
    "tests/test_two.py": "import pytest\n\n@pytest.mark.parametrize('n', [1, 2])\ndef test_two(n):\n    assert n\n",
    "scripts/check_docs.py": "import sys\nbad = [f for f in sys.argv[1:] if 'TODO' in open(f).read()]\n"
    "print('TODO in', bad) if bad else None\nsys.exit(1 if bad else 0)\n",
    "scripts/always.py": "import pathlib, sys\nsys.exit(pathlib.Path('FAIL').exists())\n",
    "docs/a.md": "# doc\n",
    "deploy/x.yaml": "a: 1\n",
}

SEEDS = {
    "node-a": {"tests/test_helm.py": MINI_FILES["tests/test_helm.py"].replace("assert True", "assert False")},
    "class-node": {"tests/test_helm.py": MINI_FILES["tests/test_helm.py"].replace("assert 'c'", "assert ''")},
    "three-files": {"tests/test_two.py": MINI_FILES["tests/test_two.py"].replace("[1, 2]", "[1, 0]")},
    "docs-check": {"docs/a.md": "# doc TODO\n"},
    "always": {"FAIL": "x\n"},
    "collection": {"tests/test_one.py": "import nonexistent_module\n"},
    "bad-node-id": {},
}


HookSpec = tuple[tuple[str, str, bool, str], ...]


def _mini(root: Path, hooks: HookSpec = MINI_HOOKS) -> Path:
    git_dir(root)
    write(root, {".pre-commit-config.yaml": _config(*hooks), **MINI_FILES})
    commit(root, "init")
    return root


def _ours(root: Path, *, all_files: bool = True, environ: dict[str, str] | None = None) -> dict[str, Status]:
    proj = project.load(root)
    env = {**os.environ, **(environ or {})}
    out: dict[str, Status] = {}
    for session in proj.plan.sessions:
        result = execute.run_session(proj, session.name, execute.Options(all_files=all_files), env)
        out.update({h.key: h.status for h in result.hooks})
    return out


_PC_LINE = re.compile(r"^(?P<name>[\w -]+?)\.+(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$")


def _pre_commit(root: Path, *args: str) -> dict[str, Status]:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "pre-push", "--color", "never", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    out = {}
    for line in proc.stdout.splitlines():
        m = _PC_LINE.match(line.strip())
        if m:
            out[m.group("name")] = Status(m.group("status").lower())
    return out


@pytest.mark.slow
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_failing_hooks_match_pre_commit(tmp_path: Path, seed: str) -> None:
    """With a failure seeded, the hooks we fail are exactly the hooks pre-commit fails."""
    hooks: HookSpec = MINI_HOOKS
    if seed == "bad-node-id":
        hooks = (*MINI_HOOKS, ("gone", "pytest tests/test_helm.py::test_gone", False, "    files: ^tests/\n"))
    root = _mini(tmp_path / "repo", hooks)
    write(root, SEEDS[seed])
    commit(root, f"seed {seed}")
    theirs = _pre_commit(root, "--all-files")
    ours = _ours(root)
    failing = {k for k, v in ours.items() if v is Status.FAILED}
    assert failing == {k for k, v in theirs.items() if v is Status.FAILED}
    assert failing, "the seed must fail at least one hook"
    assert ours == theirs


def test_clean_repo_passes_and_a_push_gates_hooks(tmp_path: Path) -> None:
    """All pass on a clean tree; a push touching only docs runs only docs-check and always_run."""
    root = _mini(tmp_path / "repo")
    assert set(_ours(root).values()) == {Status.PASSED}
    base = git(root, "rev-parse", "HEAD").strip()
    write(root, {"docs/a.md": "# doc changed\n"})
    head = commit(root)
    ours = _ours(root, all_files=False, environ={"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head})
    assert ours == _pre_commit(root, "--from-ref", base, "--to-ref", head)
    assert {k for k, v in ours.items() if v is Status.PASSED} == {"docs-check", "always"}


def test_merged_pytest_runs_each_hook_once_and_counts_tests(tmp_path: Path) -> None:
    """The helm node ids and the three-file hook share one pytest process; counts are per test."""
    root = _mini(tmp_path / "repo")
    proj = project.load(root)
    (session,) = [s for s in proj.plan.sessions if "node-a" in s.hook_keys]
    assert {"node-a", "node-b", "class-node", "three-files"} <= set(session.hook_keys)
    result = execute.run_session(proj, session.name, execute.Options(all_files=True), os.environ)
    assert result.tests.selected == 6  # test_a, test_b, TestC::test_c, test_one, test_two[1], test_two[2]
    reasons = {h.key: h.reason for h in result.hooks}
    assert reasons["node-a"] == "1 tests" and reasons["three-files"] == "6 tests"


def test_union_targets_drops_node_ids_covered_by_a_file() -> None:
    """A node id inside a targeted file is not passed twice (it would run twice)."""
    assert pytest_group.union_targets([["t/a.py::x", "t/b.py"], ["t/a.py", "t/b.py::y[1]"], ["t/a.py"]]) == [
        "t/b.py",
        "t/a.py",
    ]


def test_a_hook_that_modifies_its_files_fails(tmp_path: Path) -> None:
    """Like pre-commit, a hook that rewrites the files it was given fails."""
    fixer = "python -c \"import sys; [open(f, 'a').write('x') for f in sys.argv[1:]]\""
    root = _mini(tmp_path / "repo", (("fixer", fixer, True, "    files: \\.md$\n"),))
    assert _ours(root) == {"fixer": Status.FAILED} == _pre_commit(root, "--all-files")


def test_a_fixer_that_also_exits_non_zero_names_both(tmp_path: Path) -> None:
    """`ruff --fix` style: rewrites its file and exits 1; the reason says both."""
    fixer = "python -c \"import sys; [open(f, 'a').write('x') for f in sys.argv[1:]]; sys.exit(1)\""
    root = _mini(tmp_path / "repo", (("fixer", fixer, True, "    files: \\.md$\n"),))
    proj = project.load(root)
    result = execute.run_session(
        proj, proj.plan.sessions[0].name, execute.Options(all_files=True), dict(os.environ)
    )
    assert [(h.status, h.reason) for h in result.hooks] == [
        (Status.FAILED, "exit code 1; files were modified by this hook: docs/a.md")
    ]
    assert _pre_commit(root, "--all-files") == {"fixer": Status.FAILED}


def test_missing_tool_fails_like_pre_commit_and_self_skipping_tool_passes(tmp_path: Path) -> None:
    """A missing executable fails; an entry that skips itself when the tool is absent passes, noted."""
    skipper = "bash -c 'command -v helm-nope >/dev/null || { echo not installed; exit 0; }; helm-nope lint'"
    root = _mini(
        tmp_path / "repo",
        (
            ("missing", "helm-nope lint chart", False, "    always_run: true\n"),
            ("skipper", skipper, False, "    always_run: true\n"),
        ),
    )
    proj = project.load(root)
    result = execute.run_session(
        proj, proj.plan.sessions[0].name, execute.Options(all_files=True), os.environ
    )
    by_key = {h.key: h for h in result.hooks}
    assert by_key["missing"].status is Status.FAILED and by_key["missing"].tool_missing == "helm-nope"
    assert by_key["skipper"].status is Status.PASSED and by_key["skipper"].tool_missing == "helm-nope"
    assert _pre_commit(root, "--all-files") == {"missing": Status.FAILED, "skipper": Status.PASSED}


def test_meta_hooks_run_through_pre_commit(tmp_path: Path) -> None:
    """Hooks we do not run ourselves go through pre-commit, which reports each verdict."""
    root = git_dir(tmp_path / "repo")
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: meta\n  hooks:\n  - id: identity\n"
            "  - id: check-useless-excludes\n",
            "a.txt": "x\n",
        },
    )
    commit(root)
    assert _ours(root) == {"identity": Status.PASSED, "check-useless-excludes": Status.PASSED}
    nothing = {"PRE_COMMIT_FROM_REF": "HEAD", "PRE_COMMIT_TO_REF": "HEAD"}
    assert _ours(root, all_files=False, environ=nothing) == {
        "identity": Status.SKIPPED,
        "check-useless-excludes": Status.SKIPPED,
    }
    assert _pre_commit(root, "--from-ref", "HEAD", "--to-ref", "HEAD") == {
        "identity": Status.SKIPPED,
        "Check for useless excludes": Status.SKIPPED,
    }


def test_session_timeout_stops_a_hung_hook(tmp_path: Path) -> None:
    """A hook past the session timeout is stopped, fails, and leaves no process behind."""
    root = _mini(
        tmp_path / "repo",
        (("hang", "python -c 'import time; time.sleep(60)'", False, "    always_run: true\n"),),
    )
    proj = project.load(root)
    start = time.monotonic()
    result = execute.run_session(
        proj, proj.plan.sessions[0].name, execute.Options(all_files=True, timeout=1.0), os.environ
    )
    assert time.monotonic() - start < 10
    assert result.hooks[0].status is Status.FAILED and result.hooks[0].reason == "timed out"
    assert result.timed_out
    assert not [
        p for p in psutil.Process().children(recursive=True) if "time.sleep(60)" in " ".join(p.cmdline())
    ]


def _descendants_with(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if marker in " ".join(p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_nox_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    """^C (or SIGTERM) to `nox -t prepush` mid-run: exit 130-ish, and 0 processes of the run alive."""
    marker = f"infra-sleep-marker-{sig.value}-{os.getpid()}-{time.monotonic_ns()}"
    hooks = tuple(
        (
            f"sleeper-{d}",
            f"python -c 'import time; time.sleep(120)' {marker}",
            False,
            f"    always_run: true\n    files: {d}\n",
        )
        for d in ("deploy", "docs", "types")
    )
    root = _mini(tmp_path / "repo", hooks)
    write(root, {"noxfile.py": "import infra.sessions\ninfra.sessions.register()\n"})
    commit(root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nox", "-t", "prepush", "-j", "3"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while len(_descendants_with(marker)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_descendants_with(marker)) == 3, "all three sleeping hooks must be running"
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    out = proc.communicate(timeout=30)[0].decode()
    time.sleep(0.5)
    assert proc.returncode != 0
    assert _descendants_with(marker) == [], out


@pytest.mark.parametrize(
    ("rel", "others", "only_some"),
    [
        ("tests/unit/test_a.py", ["tests/unit"], True),  # a test module is its hook's own
        ("tests/conftest.py", ["tests/meta/test_x.py", "tests/unit"], False),  # loaded for them too
        ("tests/unit/conftest.py", ["tests/meta/test_x.py"], True),  # not for tests/meta
        ("conftest.py", ["scripts/tests"], False),  # the root conftest: every hook's
    ],
)
def test_a_conftest_reaches_other_hooks_when_their_targets_lie_below_it(
    rel: str, others: list[str], only_some: bool
) -> None:
    assert execute._reaches_only_some(rel, others) is only_some
