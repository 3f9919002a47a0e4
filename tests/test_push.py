"""The nox parent of a push: how a prepush run is recognised, and that nothing else plans one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nox._options import NoxfileOptions

from infra import push
from tests.conftest import commit, git_dir, write

HOOK = "  - id: {id}\n    name: {id}\n    entry: python -c pass\n    language: system\n    pass_filenames: false\n"
NOXFILE = (
    "import nox\nimport infra.sessions\n\n\n"
    "@nox.session(venv_backend='none')\ndef own(session):\n    print('own session ran')\n\n\n"
    "infra.sessions.register()\n"
)


def _nox(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", *args], cwd=root, capture_output=True, text=True, check=False
    )


def _repo(root: Path, config: str) -> Path:
    git_dir(root)
    write(root, {".pre-commit-config.yaml": config, "noxfile.py": NOXFILE})
    commit(root)
    return root


@pytest.mark.parametrize(
    ("argv", "prepush"),
    [
        (["nox", "-t", "prepush", "--", "--all-files"], True),
        (["nox", "--tags", "prepush"], True),
        (["nox", "--tags=prepush"], True),
        (["nox", "-tprepush"], True),
        (["nox", "--tags", "lint", "prepush"], True),
        (["nox", "-t", "prepush", "-j", "4", "-x"], True),
        (["nox", "-t", "prepush,lint"], False),  # nox matches that tag literally: no session has it
        (["nox", "-t", "prepush", "--parallel-worker"], False),  # a child runs one session
        (["nox", "--list", "-t", "prepush"], False),
        (["nox", "-l", "-t", "prepush"], False),
        (["nox", "--list", "--json", "-t", "prepush"], False),
        (["nox", "--usage", "-t", "prepush"], False),
        (["nox", "-s", "tests", "--", "prepush"], False),  # posargs are not options
        (["nox", "-s", "pytest"], False),  # one session started alone computes for itself
        (["nox", "-k", "prepush"], False),
        (["nox"], False),
        (["pytest", "-q", "tests/test_push.py"], False),  # not nox's command line: not a run
    ],
)
def test_prepush_run_detection(argv: list[str], prepush: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the parent of a prepush run re-plans and sizes -j; children and listings do not."""
    monkeypatch.delenv("NOXSESSION", raising=False)
    assert push.invocation(argv, NoxfileOptions()).prepush is prepush


def test_the_noxfiles_own_selection_counts_unless_the_command_line_selects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`nox.options.tags = ["prepush"]` makes plain `nox` a prepush run; `-s`, `-t` or `-k` on the
    command line replace the noxfile's selection, as nox merges them."""
    monkeypatch.delenv("NOXSESSION", raising=False)
    noxfile = NoxfileOptions()
    noxfile.tags = ["prepush"]
    assert push.invocation(["nox"], noxfile).prepush
    assert not push.invocation(["nox", "-s", "lint"], noxfile).prepush
    assert not push.invocation(["nox", "-t", "lint"], noxfile).prepush
    selects_sessions = NoxfileOptions()
    selects_sessions.sessions = ["lint", "tests"]
    assert not push.invocation(["nox"], selects_sessions).prepush
    assert push.invocation(["nox", "-t", "prepush"], selects_sessions).prepush


def test_workers_and_posargs_are_read_as_nox_reads_them() -> None:
    """A parallel child is a worker; what follows `--` is the push's posargs, `--` itself dropped."""
    child = push.invocation(
        ["nox", "-s", "pytest", "--parallel-worker", "--", "--all-files"], NoxfileOptions()
    )
    assert child == push.Invocation(prepush=False, worker=True, posargs=("--all-files",))
    parent = push.invocation(["nox", "--tags=prepush", "--", "--full", "--timeout", "9"], NoxfileOptions())
    assert parent == push.Invocation(prepush=True, worker=False, posargs=("--full", "--timeout", "9"))


def test_a_push_by_long_tag_option_is_planned_and_summed_up(tmp_path: Path) -> None:
    """`nox --tags=prepush` is a push like `nox -t prepush`: the parent plans it and prints every
    hook's verdict at the end."""
    root = _repo(tmp_path / "repo", "repos:\n- repo: local\n  hooks:\n" + HOOK.format(id="lint-check"))
    proc = _nox(root, "--tags=prepush", "--", "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "infra summary:" in out and "1 hooks in 1 sessions: 1 passed" in out


def test_a_broken_config_is_no_error_until_a_prepush_session_runs(tmp_path: Path) -> None:
    """Importing the noxfile only registers sessions: with a broken config, `nox --list`, the
    JSON listing and the noxfile's own sessions work and leave no run behind; running the
    prepush sessions fails with one `error:` line naming the file, and no traceback."""
    config = "repos:\n- repo: local\n  hooks:\n" + HOOK.format(id="lint-check") + "  - {id: broken\n"
    root = _repo(tmp_path / "repo", config)
    for args in (["--list"], ["-l", "--json", "-t", "prepush"], ["-s", "own"]):
        proc = _nox(root, *args)
        assert proc.returncode == 0 and "error:" not in proc.stdout + proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert "own session ran" in proc.stdout
    assert not (root / ".infra" / "runs").exists()
    proc = _nox(root, "-t", "prepush")
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("error:")]
    assert proc.returncode == 1  # nox's code for a failed session; a clean run is 0
    assert len(errors) == 1 and ".pre-commit-config.yaml:" in errors[0] and "YAML syntax error" in errors[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "infra summary:" not in proc.stdout  # nothing ran, nothing to sum up


def test_nothing_is_planned_when_the_noxfile_is_imported_outside_nox(tmp_path: Path) -> None:
    """Importing the noxfile from another program (here: with this test's own command line)
    registers sessions and plans no push, even with a broken config."""
    root = _repo(tmp_path / "repo", "repos:\n- repo: local\n  hooks:\n  - {id: broken\n")
    code = (
        "import runpy, sys, nox\n"
        "sys.argv = ['pytest', '-q']\n"
        "runpy.run_path('noxfile.py')\n"
        "print(sorted(nox.registry.get()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False, env=os.environ
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "'prepush-config-error'" in proc.stdout and "'own'" in proc.stdout
    assert not (root / ".infra" / "runs").exists()
