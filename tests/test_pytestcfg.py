"""The effective pytest configuration, as pytest itself would pick it."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.pytestcfg import PytestConfig, effective
from tests.conftest import write


def test_first_config_file_up_the_tree_wins(tmp_path: Path) -> None:
    """pytest.ini beats pyproject.toml above it; a pyproject without [tool.pytest] is passed over."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n",
            "a/pyproject.toml": "[project]\nname = 'x'\n",
            "a/b/pytest.ini": "[pytest]\n",
            "a/b/test_x.py": "",
            "a/test_y.py": "",
        },
    )
    assert effective(tmp_path, ["a/b/test_x.py::test"], []) == PytestConfig("a/b", "a/b/pytest.ini", ())
    assert effective(tmp_path, ["a/test_y.py"], []) == PytestConfig(".", "pyproject.toml", ())


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("tox.ini", "[pytest]\naddopts = -q\n", True),
        ("tox.ini", "[tox]\nenvlist = py\n", False),
        ("setup.cfg", "[tool:pytest]\n", True),
        ("setup.cfg", "[metadata]\nname = x\n", False),
        ("setup.cfg", "not = [an ini", False),
        ("pyproject.toml", "not toml = = =", False),
        (".pytest.ini", "", True),
    ],
)
def test_ini_files_count_only_with_a_pytest_section(
    tmp_path: Path, name: str, text: str, found: bool
) -> None:
    """tox.ini/setup.cfg/pyproject.toml configure pytest only with their pytest section."""
    write(tmp_path, {name: text, "tests/test_a.py": ""})
    cfg = effective(tmp_path, ["tests/test_a.py"], [])
    assert cfg.inifile == (name if found else None)


def test_explicit_ini_and_rootdir_options(tmp_path: Path) -> None:
    """-c and --rootdir (either spelling) decide the configuration."""
    write(tmp_path, {"ci/pytest.ini": "[pytest]\n", "tests/test_a.py": "", "pytest.ini": "[pytest]\n"})
    assert effective(tmp_path, ["tests/test_a.py"], ["-c", "ci/pytest.ini"]).inifile == "ci/pytest.ini"
    cfg = effective(tmp_path, ["tests/test_a.py"], ["--config-file=ci/pytest.ini", "--rootdir", "ci"])
    assert (cfg.rootdir, cfg.inifile) == ("ci", "ci/pytest.ini")
    assert effective(tmp_path, ["tests/test_a.py"], ["--rootdir=tests"]).rootdir == "tests"


def test_conftests_with_hooks_are_part_of_the_key(tmp_path: Path) -> None:
    """A conftest defining pytest_* hooks (or one that does not parse) is named; fixture-only ones are not."""
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "tests/conftest.py": "import pytest\n\n@pytest.fixture\ndef f():\n    return 1\n",
            "tests/a/conftest.py": "def pytest_configure(config):\n    pass\n",
            "tests/a/test_a.py": "",
            "tests/b/conftest.py": "def broken(:\n",
            "tests/b/test_b.py": "",
        },
    )
    assert effective(tmp_path, ["tests/a/test_a.py"], []).hook_conftests == ("tests/a/conftest.py",)
    assert effective(tmp_path, ["tests/b"], []).hook_conftests == ("tests/b/conftest.py",)
    assert effective(tmp_path, [], []).describe() == (
        "rootdir ., pytest.ini, conftest hooks in tests/a/conftest.py, tests/b/conftest.py"
    )


def test_no_config_file_and_missing_targets(tmp_path: Path) -> None:
    """Without any config the common ancestor is the rootdir; a missing target falls back to the root."""
    write(tmp_path, {"tests/test_a.py": ""})
    assert effective(tmp_path, ["tests/test_a.py"], []) == PytestConfig("tests", None, ())
    assert effective(tmp_path, ["gone/test_x.py"], []).rootdir == "."
    assert effective(tmp_path, [], []).describe() == "rootdir ., no ini file"


@pytest.mark.parametrize(
    ("name", "text", "options", "measured"),
    [
        ("pytest.ini", "[pytest]\naddopts = -q --cov=src\n", [], True),
        ("tox.ini", "[pytest]\naddopts = --cov\n", [], True),
        ("setup.cfg", "[tool:pytest]\naddopts = -q --cov-report=term\n", [], False),
        ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = ['-q', '--cov=pkg']\n", [], True),
        ("pyproject.toml", "[tool.pytest]\naddopts = ['-q']\n", ["--cov"], True),
        ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = '-q'\n", ["--no-cov"], False),
        ("pytest.ini", "[pytest]\naddopts = 'unbalanced\n", [], False),
    ],
)
def test_pytest_cov_is_seen_in_addopts_or_the_call(
    tmp_path: Path, name: str, text: str, options: list[str], measured: bool
) -> None:
    write(tmp_path, {name: text, "tests/test_a.py": ""})
    assert effective(tmp_path, ["tests/test_a.py"], options).coverage is measured
