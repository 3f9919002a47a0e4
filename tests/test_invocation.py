"""How nox was invoked: a prepush run's parent is recognised however nox was called, and nothing
else plans a push."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nox._options import NoxfileOptions

from infra import invocation
from tests.test_push import noxfile_repo


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
    assert invocation.parse(argv, NoxfileOptions()).prepush is prepush


def test_the_noxfiles_own_selection_counts_unless_the_command_line_selects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`nox.options.tags = ["prepush"]` makes plain `nox` a prepush run; `-s`, `-t` or `-k` on the
    command line replace the noxfile's selection, as nox merges them."""
    monkeypatch.delenv("NOXSESSION", raising=False)
    noxfile = NoxfileOptions()
    noxfile.tags = ["prepush"]
    assert invocation.parse(["nox"], noxfile).prepush
    assert not invocation.parse(["nox", "-s", "lint"], noxfile).prepush
    assert not invocation.parse(["nox", "-t", "lint"], noxfile).prepush
    selects_sessions = NoxfileOptions()
    selects_sessions.sessions = ["lint", "tests"]
    assert not invocation.parse(["nox"], selects_sessions).prepush
    assert invocation.parse(["nox", "-t", "prepush"], selects_sessions).prepush


def test_workers_and_posargs_are_read_as_nox_reads_them() -> None:
    """A parallel child is a worker; what follows `--` is the push's posargs, `--` itself dropped."""
    child = invocation.parse(
        ["nox", "-s", "pytest", "--parallel-worker", "--", "--all-files"], NoxfileOptions()
    )
    assert child == invocation.Invocation(prepush=False, worker=True, posargs=("--all-files",))
    parent = invocation.parse(["nox", "--tags=prepush", "--", "--full", "--timeout", "9"], NoxfileOptions())
    assert parent == invocation.Invocation(prepush=True, worker=False, posargs=("--full", "--timeout", "9"))


def test_nothing_is_planned_when_the_noxfile_is_imported_outside_nox(tmp_path: Path) -> None:
    """Importing the noxfile from another program (here: with this test's own command line)
    registers sessions and plans no push, even with a broken config."""
    root = noxfile_repo(tmp_path / "repo", "repos:\n- repo: local\n  hooks:\n  - {id: broken\n")
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
