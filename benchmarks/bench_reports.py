"""Time ``infra reports`` on a generated tree of ~400 test files (target: <= 10 s, median of runs).

Run: ``.venv/bin/python benchmarks/bench_reports.py [--files N] [--repeat R]``. Builds a git
repository in a temp dir (N test modules of ~25 tests each with parametrize, markers, skips and
AsyncMocks, a 40-hook pre-push config, a timing ledger) and times, end to end in a new process:
``infra reports`` (writes), ``infra reports --check`` (fresh tree) and ``nox -s reports`` (the
session as the project defines it, ``venv_backend="none"``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 10.0
DIRECTORIES = ("unit", "integration", "api", "deployment", "meta", "e2e", "regression", "security")

MODULE = '''\
"""Generated test module {index}."""

from __future__ import annotations

from unittest.mock import AsyncMock, MagicMock, patch

import pytest

pytestmark = [pytest.mark.{directory}]

CASES = [(n, n * 2) for n in range(5)]


@pytest.fixture
def client():
    client = MagicMock()
    client.fetch = AsyncMock(return_value={{"ok": True}})
    return client

'''

TESTS = """
@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_value_{n}(value):
    assert value * {n} >= 0


@pytest.mark.parametrize(("a", "b"), CASES)
@pytest.mark.parametrize("flag", [True, False])
def test_pairs_{n}(a, b, flag):
    assert b == a * 2 or flag


@pytest.mark.slow
async def test_fetch_{n}(client):
    result = await client.fetch("/orders/{n}")
    assert result["ok"]


@pytest.mark.skipif(sys.platform == "win32", reason="posix paths")
def test_paths_{n}(tmp_path):
    (tmp_path / "x").write_text("{n}")
    assert (tmp_path / "x").read_text() == "{n}"


class TestGuard{n}:
    @pytest.mark.xfail(reason="issue {n}", strict=False)
    async def test_denied(self):
        guard = AsyncMock()
        assert not await guard.check("user", "admin")

    def test_patch(self):
        with patch("os.getcwd", return_value="/"):
            assert True
"""

CONFIG_HEAD = "repos:\n  - repo: local\n    hooks:\n"
PYTEST_HOOK = """\
      - id: tests-{directory}-{n}
        name: tests {directory} {n}
        entry: uv run pytest tests/{directory}/test_{directory}_{n:03d}.py -v --tb=short
        language: system
        pass_filenames: false
        files: ^(src/{directory}|tests/{directory})/.*\\.py$
        stages: [pre-push]
"""
SCRIPT_HOOK = """\
      - id: validate-{n}
        name: validate {n}
        entry: python scripts/validate_{n}.py
        language: system
        files: ^(config|deployments)/.*\\.(yaml|json)$
        stages: [pre-push]
"""
NOXFILE = """\
import sys

import nox


@nox.session(venv_backend="none")
def reports(session):
    session.run(sys.executable, "-m", "infra", "reports", *session.posargs)
"""


def build(root: Path, files: int) -> None:
    """A git repository with ``files`` test modules, a 40-hook config, a noxfile and a ledger."""
    root.mkdir(parents=True)
    for index in range(files):
        directory = DIRECTORIES[index % len(DIRECTORIES)]
        path = root / "tests" / directory / f"test_{directory}_{index:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "import sys\n" + MODULE.format(index=index, directory=directory)
        path.write_text(body + "".join(TESTS.format(n=n) for n in range(5)))
    hooks = [PYTEST_HOOK.format(directory=DIRECTORIES[n % 8], n=n) for n in range(24)]
    hooks += [SCRIPT_HOOK.format(n=n) for n in range(16)]
    (root / ".pre-commit-config.yaml").write_text(CONFIG_HEAD + "".join(hooks))
    (root / "noxfile.py").write_text(NOXFILE)
    _ledger(root / ".infra" / "ledger.jsonl")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "tree"]):
        subprocess.run(["git", "-C", str(root), *command], check=True, capture_output=True, env=_git_env())


def _git_env() -> dict[str, str]:
    identity = {"NAME": "bench", "EMAIL": "bench@example.com"}
    return {
        **os.environ,
        **{f"GIT_{who}_{k}": v for who in ("AUTHOR", "COMMITTER") for k, v in identity.items()},
    }


def _ledger(path: Path, runs: int = 200, sessions: int = 10) -> None:
    from infra import ledger

    path.parent.mkdir(parents=True)
    lines = []
    for run in range(runs):
        for session in range(sessions):
            start = 1.7e9 + run * 900
            wall = 10.0 + session + (run % 7) / 10
            lines.append(
                ledger.encode(
                    ledger.SessionRecord(
                        run_id=f"run-{run:04d}",
                        session=f"session-{session}",
                        definition_hash="d",
                        started_at=ledger.utc_iso(start),
                        ended_at=ledger.utc_iso(start + wall),
                        machine="0123456789abcdef",
                        status="success",
                        exit_code=0,
                        wall_s=wall,
                        cpu_s=wall * 0.8,
                    )
                )
            )
    path.write_bytes(b"".join(lines))


def timed(command: list[str], cwd: Path, expect: int = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return elapsed


def run(files: int, repeat: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        build(root, files)
        infra = [sys.executable, "-m", "infra", "reports"]
        write = statistics.median(timed(infra, root) for _ in range(repeat))
        check = statistics.median(timed([*infra, "--check"], root) for _ in range(repeat))
        nox = shutil.which("nox", path=str(Path(sys.executable).parent))
        session = (
            statistics.median(timed([nox, "-s", "reports"], root) for _ in range(repeat)) if nox else None
        )
        suite = (root / "reports" / "test-suite.md").read_text().splitlines()
        mocks = (root / "reports" / "asyncmock.md").read_text().splitlines()
    print(f"tree: {files} test files; {next(line for line in suite if 'test functions' in line)}")
    print(f"asyncmock: {mocks[4]}")
    print(f"infra reports         (new process, median of {repeat}): {write:.2f} s (target <= {TARGET_S} s)")
    print(f"infra reports --check (new process, median of {repeat}): {check:.2f} s")
    if session is not None:
        print(f"nox -s reports        (new process, median of {repeat}): {session:.2f} s")
    return max(write, check, session or 0.0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    raise SystemExit(0 if run(options.files, options.repeat) <= TARGET_S else 1)
