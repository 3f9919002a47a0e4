"""Shared fixtures: real git repositories in tmp_path, an isolated HOME, a fixed git identity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

VENV_BIN = str(Path(sys.executable).parent)

# A suite started in the background without job control (`cmd &` in a script) inherits SIGINT
# ignored, and so would every nox it starts: the ^C tests need ^C to reach their processes.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Git identity via env, HOME and caches in a temp dir, our venv first on PATH."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path_factory.getbasetemp() / "pre-commit-home"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("PATH", VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    # Tests rewrite a module within the same second at the same size; a timestamp-based .pyc
    # would then be reused with the old code. No bytecode files: every edit is seen.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    # No warm pytest processes left behind by a test's pushes (tests/test_warm.py turns it on).
    monkeypatch.setenv("INFRA_WARM", "0")
    # A developer's push, even when the suite itself runs in CI (CI=true makes sessions full).
    for var in (
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "SKIP",
        "INFRA_LEDGER",
        "NOX_PARALLEL",
        "CI",
        "GITHUB_ACTIONS",
        "GITHUB_RUN_ID",
        "GITLAB_CI",
        "INFRA_RUN_ID",
        "INFRA_JOBS",
        # This suite may itself run under xdist; the pytest runs its tests start must not think so.
        "PYTEST_XDIST_WORKER",
        "PYTEST_XDIST_WORKER_COUNT",
        "PYTEST_XDIST_TESTRUNUID",
    ):
        monkeypatch.delenv(var, raising=False)
    yield


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def git_dir(path: Path) -> Path:
    """A fresh git repository with one branch, main, ignoring Python's caches."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "commit.gpgsign", "false")
    (path / ".gitignore").write_text("__pycache__/\n.pytest_cache/\n")  # as any real repository has
    return path


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def commit(root: Path, message: str = "change") -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_dir(tmp_path / "repo")
