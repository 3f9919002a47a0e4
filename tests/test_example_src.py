"""The second example (``infra example create --shape src``): its shape, and a clean pre-commit run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.errors import FatalError
from infra.example import srcrepo
from infra.main import main
from tests.conftest import git


@pytest.fixture(scope="module")
def src_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return srcrepo.create(tmp_path_factory.mktemp("srcshape") / "repo")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GIT_DIR"))}
    return subprocess.run(list(args), cwd=root, env=env, capture_output=True, text=True, check=False)


def _hooks(root: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    return {hook["id"]: hook for repo in data["repos"] for hook in repo["hooks"]}


def test_hooks_are_local_and_wrap_pytest_as_issue_13_describes(src_example: Path) -> None:
    """Local hooks only; a source wrapper, an env assignment, a cd wrapper, a pass_filenames-false fixer."""
    hooks = _hooks(src_example)
    entries = {str(h["entry"]) for h in hooks.values()}
    assert {str(h["language"]) for h in hooks.values()} <= {"system", "script", "python"}
    assert any(e.startswith("bash -c 'source .venv/bin/activate && pytest") for e in entries)
    assert any(e.startswith("bash -c 'STOCKROOM_MODE=ci pytest") for e in entries)
    assert any(e.startswith("bash -c 'cd tests/integration && pytest test_pipeline.py") for e in entries)
    fixer = hooks["fix-license-headers"]
    assert fixer["pass_filenames"] is False and "--check" not in str(fixer["entry"])
    assert set(srcrepo.ROOT_PYTEST_HOOKS + srcrepo.INTEGRATION_HOOKS) <= set(hooks)


def test_repository_is_committed_with_executable_launchers(src_example: Path) -> None:
    """One clean commit; git records the executable bit of the launchers and the script hook."""
    assert git(src_example, "status", "--porcelain") == ""
    entries = [line.split() for line in git(src_example, "ls-files", "-s").splitlines()]
    executable = sorted(path for mode, _sha, _stage, path in entries if mode == "100755")
    assert executable == ["bin/stockroom-report", "bin/stockroom-sync", "scripts/check-launchers"]


def test_pre_push_passes_cleanly(src_example: Path) -> None:
    """`pre-commit run --hook-stage pre-push --all-files` passes every hook and leaves no change."""
    result = _run(
        src_example,
        sys.executable,
        "-m",
        "pre_commit",
        "run",
        "--hook-stage",
        "pre-push",
        "--all-files",
        "--color",
        "never",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == len(_hooks(src_example))
    assert git(src_example, "status", "--porcelain") == ""


def test_integration_tests_run_from_their_own_ini(src_example: Path) -> None:
    """tests/integration is its own rootdir (its ini, no root conftest) and is the only user of report.py."""
    result = _run(
        src_example, sys.executable, "-m", "pytest", "tests/integration", "-q", "-p", "no:cacheprovider"
    )
    header = _run(
        src_example, sys.executable, "-m", "pytest", "tests/integration", "--co", "-p", "no:cacheprovider"
    )
    assert f"rootdir: {src_example / 'tests' / 'integration'}" in header.stdout
    assert "configfile: pytest.ini" in header.stdout
    assert result.returncode == 0, result.stdout
    unit_sources = "".join(
        p.read_text() for p in (src_example / "tests").rglob("*.py") if "integration" not in p.parts
    )
    assert "from stockroom import report" not in unit_sources


def test_the_locale_module_is_what_the_money_tests_rely_on(src_example: Path) -> None:
    """test_money passes in the suite and fails alone: an import-time side effect of another module."""
    alone = _run(
        src_example,
        sys.executable,
        "-m",
        "pytest",
        "tests/unit/test_money.py",
        "-q",
        "-p",
        "no:cacheprovider",
    )
    both = _run(
        src_example,
        sys.executable,
        "-m",
        "pytest",
        "tests/unit/test_money.py",
        "tests/unit/test_locale_setup.py",
        "-q",
        "-p",
        "no:cacheprovider",
    )
    assert alone.returncode == 1 and both.returncode == 0


def test_one_function_concerns_few_root_tests(src_example: Path) -> None:
    """A text.py helper has at most 5 of the root session's tests (>= 60): well under a fifth."""
    collected = _run(
        src_example, sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"
    ).stdout
    ids = [line for line in collected.splitlines() if "::" in line]
    assert len(ids) >= 60
    assert max(sum(f"test_{fn}_" in i for i in ids) for fn in ("slugify", "title_case", "pad_sku")) <= 5


def test_create_refuses_a_non_empty_dir(tmp_path: Path) -> None:
    """Like the first example, it never writes into a directory that holds something."""
    (tmp_path / "x").write_text("")
    with pytest.raises(FatalError, match="not an empty directory"):
        srcrepo.create(tmp_path)


def test_cli_shape_src(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`infra example create DIR --shape src` creates it; reference-only flags are refused."""
    assert main(["example", "create", str(tmp_path / "a"), "--shape", "src"]) == 0
    assert (tmp_path / "a" / "src" / "stockroom" / "units.py").is_file()
    assert "src layout" in capsys.readouterr().out
    assert main(["example", "create", str(tmp_path / "b"), "--shape", "src", "--seed-failure", "x"]) != 0
    assert "only for --shape reference" in capsys.readouterr().err
