"""Added Python files: which can change what an existing import finds (and force a full run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import shadowing
from infra.results import Status
from tests.conftest import commit, git_dir, write
from tests.test_selection import FILES, _meta_repo, _push, _repo, _run, _statuses

BEFORE = ("src/app/__init__.py", "src/app/core.py", "tests/test_core.py", "tests/helpers.py")


@pytest.mark.parametrize(
    ("added", "why"),
    [
        ("tests/test_new.py", None),
        ("src/app/extra.py", None),
        ("tests/unit/test_more.py", None),
        ("src/app/sub/__init__.py", "its directory becomes a regular package"),
        ("src/app/_speedups.so", "a .so file changes what imports find"),
        ("src/app/core.pyi", "a .pyi file"),
        ("tests/yaml.py", "'yaml' is already taken"),
        ("tests/json.py", "'json' is already taken"),
        ("tests/unit/helpers.py", "'helpers' is already taken"),
        ("tests/app.py", "'app' is already taken"),
    ],
)
def test_an_added_file_forces_a_full_run_only_when_imports_may_find_it(added: str, why: str | None) -> None:
    found = shadowing.why_full(BEFORE, (*BEFORE, added), {"json", "yaml"}.__contains__)
    assert found is None if why is None else why in (found or "")


def test_unrecorded_names_or_deletions() -> None:
    assert (
        shadowing.why_full((), BEFORE, lambda _: False)
        == "Python files were added or deleted since the last recorded run"
    )
    assert (
        shadowing.why_full(BEFORE, BEFORE[:2], lambda _: False) is None
    )  # deletions: testmon and collection see them


def test_installed_names_are_the_standard_library_and_what_sys_path_finds() -> None:
    assert all(shadowing.installed(n) for n in ("json", "os", "yaml", "pytest", "nox"))
    assert not shadowing.installed("surely_no_module_has_this_name_1234")
    assert shadowing.installed("a.b..c")  # cannot tell: taken


def test_a_new_test_module_keeps_selection_and_runs_its_tests(tmp_path: Path) -> None:
    """A hook running `pytest tests` collects the new module: its (failing) test runs, the rest
    stays deselected, and the hook fails as in the full run."""
    root = _meta_repo(tmp_path)
    new = "from calc import add\n\n\ndef test_add_more():\n    assert add(1, 1) == 3\n"
    incremental, full = _push(root, {"tests/test_more.py": new})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert (
        incremental.hooks[0].failed_tests
        == full.hooks[0].failed_tests
        == ("tests/test_more.py::test_add_more",)
    )
    assert (incremental.tests.selected or 0) < (full.tests.selected or 0)
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}


def test_a_module_that_shadows_an_installed_one_runs_everything(tmp_path: Path) -> None:
    """`tests/yaml.py` is found first by every test that imports yaml (prepend import mode)."""
    root = _repo(tmp_path)
    uses = (
        FILES["tests/test_text.py"]
        + "\n\ndef test_yaml():\n    import yaml\n\n    assert yaml.safe_load('a: 1') == {'a': 1}\n"
    )
    _push(root, {"tests/test_text.py": uses})
    incremental, full = _push(root, {"tests/yaml.py": "def safe_load(text):\n    return {}\n"})
    assert incremental.tests.mode == "full" and "'yaml' is already taken" in incremental.tests.why
    assert _statuses(incremental) == _statuses(full)


def test_a_new_test_module_alone_still_starts_pytest(tmp_path: Path) -> None:
    """No recorded test is affected, but only pytest can find the tests of a module added under a
    hook's directory: the push must not be decided 'nothing to run' from the records."""
    root = git_dir(tmp_path / "repo")
    hook = "    entry: pytest tests\n    language: system\n    pass_filenames: false\n    files: ^tests/\n"
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n  - id: suite\n    name: suite\n"
            + hook,
            "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
            "src/calc.py": FILES["src/calc.py"],
            "tests/test_calc.py": FILES["tests/test_calc.py"],
        },
    )
    commit(root, "init")
    _run(root, all_files=True)
    incremental, full = _push(root, {"tests/test_new.py": "def test_new():\n    assert False\n"})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert incremental.hooks[0].failed_tests == ("tests/test_new.py::test_new",)
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}
