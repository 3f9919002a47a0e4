"""The CLI frame: one error handler, exit codes, and the installed script."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from infra.errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, FatalError
from infra.main import error_handler, main


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """`infra` alone shows the commands."""
    assert main([]) == 2
    assert "plan" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("exc", "code", "says"),
    [
        (FatalError("x.yaml: broken; fix it"), 2, "error: x.yaml: broken; fix it"),
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "error: interrupted"),
        (RuntimeError("boom"), EXIT_UNEXPECTED, "unexpected error"),
    ],
)
def test_error_handler(exc: BaseException, code: int, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    """User errors are one line; ^C is 130; a bug prints its traceback and exits 3."""
    with error_handler() as box:
        raise exc
    assert box == [code]
    err = capsys.readouterr().err
    assert says in err
    assert ("Traceback" in err) == (code == EXIT_UNEXPECTED)


def test_a_command_raising_reaches_the_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() returns the handler's code when the command raises."""

    import infra.commands.plan

    def boom(args: argparse.Namespace) -> int:
        raise FatalError("pyproject.toml: nope; fix it")

    monkeypatch.setattr(infra.commands.plan, "run", boom)
    assert main(["plan"]) == 2
    assert capsys.readouterr().err == "error: pyproject.toml: nope; fix it\n"


def test_installed_script_and_module_run(tmp_path: Path) -> None:
    """`python -m infra --version` and the `infra` console script both work."""
    out = subprocess.run(
        [sys.executable, "-m", "infra", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("infra ")
    script = Path(sys.executable).parent / "infra"
    proc = subprocess.run(
        [str(script), "plan", "--config", str(tmp_path / "nope.yaml")], capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "no such file" in proc.stderr
