"""Reads after collection (a plugin's ``pytest_collection_finish`` check) keep selection on,
and never hide a failure a full run finds.

Real suites scan their own test tree once collection is done (a fixture-organisation
check reading every test file): a read outside any test that made every push full. Each test
here pushes a change the scan sees, then runs the same range narrowed and in full.
"""

from __future__ import annotations

from pathlib import Path

from infra.results import Status
from tests.conftest import commit, git_dir, write
from tests.test_selection import _push, _run, _statuses

SCAN_ALL = (
    "from pathlib import Path\n\nimport pytest\n\n\n"
    "def pytest_collection_finish(session):\n"
    "    tests = sorted(Path(session.config.rootpath, 'tests').glob('test_*.py'))\n"
    "    bad = [p.name for p in tests if 'FORBID' + 'DEN' in p.read_text()]\n"
    "    if bad:\n"
    "        pytest.exit('forbidden word in ' + ', '.join(bad), returncode=1)\n"
)
SCAN_SELECTED = (  # reads only the files of the tests it is shown
    "import pytest\n\n\n"
    "def pytest_collection_finish(session):\n"
    "    files = sorted({item.path for item in session.items})\n"
    "    bad = [p.name for p in files if 'FORBID' + 'DEN' in p.read_text()]\n"
    "    if bad:\n"
    "        pytest.exit('forbidden word in ' + ', '.join(bad), returncode=1)\n"
)
CACHING = (  # loads data once, after collection, and hands it to the tests that ask
    "import json\nfrom pathlib import Path\n\nimport pytest\n\nLIMITS = {}\n\n\n"
    "def pytest_collection_finish(session):\n"
    "    LIMITS.update(json.loads(Path(session.config.rootpath, 'data/limits.json').read_text()))\n\n\n"
    "@pytest.fixture\ndef limits():\n    return LIMITS\n"
)
VALIDATING = (  # a session-level check of a data file no test reads
    "from pathlib import Path\n\nimport pytest\n\n\n"
    "def pytest_collection_finish(session):\n"
    "    if 'replicas' not in Path(session.config.rootpath, 'data/app.yaml').read_text():\n"
    "        pytest.exit('data/app.yaml: replicas missing', returncode=1)\n"
)
CONFIG = (
    "repos:\n- repo: local\n  hooks:\n  - id: suite\n    name: suite\n    entry: pytest tests\n"
    "    language: system\n    pass_filenames: false\n    files: ^(src|tests|data)/\n"
)
FILES = {
    ".pre-commit-config.yaml": CONFIG,
    "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
    "src/calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n",
    "tests/test_mul.py": "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
    "tests/test_limits.py": "def test_limit(limits):\n    assert limits.get('max', 0) < 10\n",
    "data/limits.json": '{"max": 5}\n',
    "data/app.yaml": "replicas: 2\n",
}


def _repo(tmp_path: Path, conftest: str) -> Path:
    root = git_dir(tmp_path / "repo")
    files = {**FILES, "tests/conftest.py": conftest}
    if "def limits" not in conftest:  # the test brings its own: no test runs the conftest's code
        local = "import pytest\n\n\n@pytest.fixture\ndef limits():\n    return {}\n\n\n"
        files["tests/test_limits.py"] = local + FILES["tests/test_limits.py"]
    write(root, files)
    commit(root, "init")
    _run(root, all_files=True)  # seeds testmon data and read records (a full run)
    return root


def test_a_test_file_scanned_after_collection_keeps_selection(tmp_path: Path) -> None:
    """A comment in a test file the scan reads: the push is narrowed, not full, and passes."""
    root = _repo(tmp_path, SCAN_ALL)
    incremental, full = _push(root, {"tests/test_mul.py": FILES["tests/test_mul.py"] + "# harmless\n"})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert full.tests.selected == 3 and (incremental.tests.selected or 0) < 3
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.PASSED}


def test_the_narrowed_run_makes_the_scan_again_and_fails_with_it(tmp_path: Path) -> None:
    root = _repo(tmp_path, SCAN_ALL)
    incremental, full = _push(root, {"tests/test_mul.py": FILES["tests/test_mul.py"] + "# FORBIDDEN\n"})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}


def test_a_scan_of_the_selected_tests_only_still_sees_the_changed_module(tmp_path: Path) -> None:
    """The scan reads only the files of the tests it is shown: every test of a changed module the
    scan read runs, or a comment testmon ignores would hide the word from it."""
    root = _repo(tmp_path, SCAN_SELECTED)
    incremental, full = _push(root, {"tests/test_mul.py": FILES["tests/test_mul.py"] + "# FORBIDDEN\n"})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}


def test_data_kept_by_the_late_reader_reruns_the_tests_that_ran_its_code(tmp_path: Path) -> None:
    """Read once after collection, handed out by a fixture: the tests that ran the reader's code
    run again; the others stay deselected."""
    root = _repo(tmp_path, CACHING)
    incremental, full = _push(root, {"data/limits.json": '{"max": 50}\n'})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert (
        incremental.hooks[0].failed_tests
        == full.hooks[0].failed_tests
        == ("tests/test_limits.py::test_limit",)
    )
    assert incremental.tests.selected == 1
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}


def test_a_late_check_of_a_file_no_test_reads_still_starts_pytest(tmp_path: Path) -> None:
    """No test is affected, but the session's own check reads the changed file: pytest starts
    (zero tests selected) so the check runs, instead of deciding 'nothing to run' up front."""
    root = _repo(tmp_path, VALIDATING)
    incremental, full = _push(root, {"data/app.yaml": "instances: 2\n"})
    assert incremental.tests.mode == "testmon", incremental.tests.why
    assert incremental.tests.selected == 0
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}
