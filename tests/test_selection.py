"""testmon selection: narrows only when safe, and never hides a failure a full run finds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infra import changes, execute, project, reads, selection
from infra.results import SessionResult, Status
from tests.conftest import commit, git, git_dir, write

CONFIG = """repos:
- repo: local
  hooks:
  - id: unit
    name: unit
    entry: pytest tests/test_calc.py tests/test_text.py
    language: system
    pass_filenames: false
    files: ^(src|tests)/.*\\.py$
  - id: data
    name: data
    entry: pytest tests/test_data.py
    language: system
    pass_filenames: false
    files: ^(src/.*\\.py|data/.*\\.yaml)$
"""

FILES = {
    ".pre-commit-config.yaml": CONFIG,
    "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n[tool.infra.sessions]\nchecks = ['unit', 'data']\n",
    "src/calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
    "src/text.py": "def shout(s):\n    return s.upper()\n",
    "tests/test_calc.py": "from calc import add, mul\n\n\ndef test_add():\n    assert add(2, 2) == 4\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n",
    "tests/test_text.py": "from text import shout\n\n\ndef test_shout():\n    assert shout('a') == 'A'\n",
    "tests/test_data.py": "from pathlib import Path\n\n\ndef test_limits():\n"
    "    assert 'replicas: 2' in Path('data/app.yaml').read_text()\n",
    "data/app.yaml": "replicas: 2\n",
}


def _repo(tmp_path: Path, pyproject_extra: str = "") -> Path:
    root = git_dir(tmp_path / "repo")
    write(root, {**FILES, "pyproject.toml": FILES["pyproject.toml"] + pyproject_extra})
    commit(root, "init")
    _run(root, all_files=True)  # seeds testmon data (a full run)
    return root


def _run(root: Path, *, all_files: bool = False, full: bool = False, base: str = "HEAD~1") -> SessionResult:
    proj = project.load(root)
    env = dict(os.environ)
    if not all_files:
        env.update(PRE_COMMIT_FROM_REF=git(root, "rev-parse", base).strip(), PRE_COMMIT_TO_REF="HEAD")
    (session,) = proj.plan.sessions
    return execute.run_session(proj, session.name, execute.Options(all_files=all_files, full=full), env)


def _push(root: Path, files: dict[str, str]) -> tuple[SessionResult, SessionResult]:
    """Commit ``files``, then run incrementally and fully over the same pushed range."""
    write(root, files)
    commit(root)
    return _run(root), _run(root, full=True)


def _statuses(result: SessionResult) -> dict[str, Status]:
    return {h.key: h.status for h in result.hooks}


@pytest.mark.parametrize(
    ("before", "edit"),
    [
        ("", "# a comment\n"),
        ("\n\ndef div(a, b):\n    return a // b\n", "\n\ndef div(a, b):\n    return a / b\n"),
    ],
    ids=["comment", "the-body-of-a-function-no-test-runs"],
)
def test_an_edit_outside_every_executed_block_starts_no_pytest(
    tmp_path: Path, before: str, edit: str
) -> None:
    """The file changed, but it still holds every code block the tests ran (testmon's own check,
    made before starting pytest): no pytest process, hooks pass as in the full run. (A new
    function changes the module's own block, which every test of it ran: testmon selects them.)"""
    root = _repo(tmp_path)
    if before:
        _push(root, {"src/calc.py": FILES["src/calc.py"] + before})
    incremental, full = _push(root, {"src/calc.py": FILES["src/calc.py"] + edit})
    assert (incremental.tests.mode, incremental.tests.selected) == (selection.SKIP, 0)
    assert full.tests.selected == 4
    assert _statuses(incremental) == _statuses(full) == {"unit": Status.PASSED, "data": Status.PASSED}


def test_changed_function_selects_its_tests_and_catches_the_failure(tmp_path: Path) -> None:
    """Breaking `mul` runs the mul test (and the data hook's test is not affected) and fails `unit`."""
    root = _repo(tmp_path)
    broken = FILES["src/calc.py"].replace("return a * b", "return a * b + 1")
    incremental, full = _push(root, {"src/calc.py": broken})
    assert incremental.tests.selected == 1
    assert _statuses(incremental) == _statuses(full) == {"unit": Status.FAILED, "data": Status.PASSED}
    (unit,) = [h for h in incremental.hooks if h.key == "unit"]
    assert unit.failed_tests == ("tests/test_calc.py::test_mul",)


def test_data_file_change_reruns_the_tests_that_read_it(tmp_path: Path) -> None:
    """testmon cannot see YAML; our read records can: the test that read it runs and fails."""
    root = _repo(tmp_path)
    incremental, full = _push(root, {"data/app.yaml": "replicas: 3\n"})
    assert (incremental.tests.mode, incremental.tests.selected) == ("testmon", 1)
    assert _statuses(incremental) == _statuses(full) == {"unit": Status.SKIPPED, "data": Status.FAILED}


def test_data_change_outside_a_hooks_filter_is_still_caught(tmp_path: Path) -> None:
    """A Python change triggers `data`; the YAML it reads changed too: that test runs (pre-commit's would)."""
    root = _repo(tmp_path)
    incremental, full = _push(
        root, {"data/app.yaml": "replicas: 3\n", "src/text.py": FILES["src/text.py"] + "\n"}
    )
    assert incremental.tests.mode == "testmon"
    assert _statuses(incremental) == _statuses(full)
    assert _statuses(full)["data"] is Status.FAILED


def test_always_full_members_run_everything_in_the_same_process(tmp_path: Path) -> None:
    """[tool.infra] always-full keeps a hook's tests in while testmon narrows the others."""
    root = _repo(tmp_path, "[tool.infra]\nalways-full = ['data']\n")
    incremental, _ = _push(root, {"src/calc.py": FILES["src/calc.py"] + "# comment\n"})
    assert incremental.tests.mode == "testmon"
    assert incremental.tests.selected == 1  # test_data, put back; the unit tests stay deselected
    reasons = {h.key: h.reason for h in incremental.hooks}
    assert reasons == {"unit": "no affected tests (testmon)", "data": "1 tests"}


@pytest.mark.parametrize("damage", [b"", b"garbage that is not sqlite" * 20])
def test_corrupt_testmon_data_is_set_aside_and_the_run_is_full(
    tmp_path: Path, damage: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """A truncated or garbage data file: moved aside (not deleted), one warning, a full run."""
    root = _repo(tmp_path)
    (datafile,) = (root / ".infra" / "testmon").glob("*.db")
    datafile.write_bytes(damage)
    incremental, _ = _push(root, {"src/calc.py": FILES["src/calc.py"] + "# comment\n"})
    assert incremental.tests.mode == "full" and "testmon data" in incremental.tests.why
    assert incremental.tests.selected == 4
    assert [p.read_bytes() for p in datafile.parent.glob("*.corrupt-1")] == [damage]
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "running these tests fully" in err


def test_branch_switch_and_back_gives_the_full_verdicts(tmp_path: Path) -> None:
    """After running on a broken branch and switching back, the incremental verdicts match a full run."""
    root = _repo(tmp_path)
    git(root, "checkout", "-q", "-b", "broken")
    incremental, full = _push(root, {"src/text.py": "def shout(s):\n    return s\n"})
    assert _statuses(incremental) == _statuses(full) == {"unit": Status.FAILED, "data": Status.PASSED}
    git(root, "checkout", "-q", "main")
    write(root, {"src/calc.py": FILES["src/calc.py"] + "# on main\n"})
    commit(root)
    incremental, full = _run(root), _run(root, full=True)
    assert _statuses(incremental) == _statuses(full) == {"unit": Status.PASSED, "data": Status.PASSED}


def test_full_reasons(tmp_path: Path) -> None:
    """Each condition that makes narrowing unprovable forces a full run, and says why."""
    tree = reads.TreeState("names", "config")
    records = reads.Records({"t.py::a": {"data/x.yaml": "d1"}}, {"deployments/catalog.yaml": "d2"}, tree)
    change = changes.ChangeSet(("src/a.py",), False, "test")

    def why(
        *,
        full: bool = False,
        recs: reads.Records | None = records,
        data: bool = True,
        now: reads.TreeState = tree,
        changed: frozenset[str] = frozenset(),
        all_files: bool = False,
    ) -> str | None:
        c = change._replace(all_files=all_files)
        return selection.full_reason(tmp_path, full, c, recs, data, now, set(changed))

    assert why(changed=frozenset({"data/x.yaml"})) is None  # a per-test read: that test reruns, no full run
    assert why(full=True) == "forced full run (--full or CI)"
    assert why(all_files=True) == "all files"
    assert why(recs=None) == why(data=False) == "no testmon data yet"
    assert (
        why(now=tree._replace(names="other"))
        == "Python files were added or deleted since the last recorded run"
    )
    assert why(now=tree._replace(config="other")) == "a conftest.py or pytest configuration file changed"
    assert "start-up" in (why(changed=frozenset({"deployments/catalog.yaml"})) or "")


def test_xdist_when_recorded_work_pays_and_testmon_still_narrows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded slow tests make a full run use xdist; verdicts hold and testmon data stays usable."""
    from infra import resources

    root = _repo(tmp_path, "[tool.infra]\nxdist = true\n")  # opt-in: tests may act differently under xdist
    (durations,) = (root / ".infra" / "durations").glob("*.json")
    durations.write_text(json.dumps({k: 30.0 for k in json.loads(durations.read_text())}))
    monkeypatch.setattr(resources, "cpu_count", lambda: 4)
    monkeypatch.setenv(resources.JOBS_ENV, "1")
    broken = FILES["src/calc.py"].replace("return a + b", "return a - b")
    write(root, {"src/calc.py": broken, "src/__init__.py": "# a new package forces a full run\n"})
    commit(root)
    result = _run(root)
    assert (result.tests.mode, result.tests.workers, result.tests.selected) == ("full", 4, 4)
    assert _statuses(result) == {"unit": Status.FAILED, "data": Status.PASSED}
    incremental, full = _push(root, {"src/calc.py": broken + "# comment\n"})
    assert incremental.tests.mode == "testmon" and incremental.tests.selected == 1  # the failing test_add
    assert _statuses(incremental) == _statuses(full)


META_FILES = {
    ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n  - id: suite\n    name: suite\n"
    "    entry: pytest tests\n    language: system\n    pass_filenames: false\n    files: ^(src|tests|data)/\n",
    "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
    "src/calc.py": FILES["src/calc.py"],
    "tests/test_calc.py": FILES["tests/test_calc.py"],
    "tests/conftest.py": "from pathlib import Path\n\nimport pytest\n\n\n@pytest.fixture(scope='session')\n"
    "def catalog():\n    return Path('data/catalog.yaml').read_text()\n",
    "tests/test_catalog.py": "def test_catalog(catalog):\n    assert 'ok' in catalog\n\n\ndef test_catalog_again(catalog):\n"
    "    assert catalog\n",
    "tests/test_meta.py": "from pathlib import Path\n\n\ndef test_no_sleeps():\n"
    "    bad = [p.name for p in Path('tests').glob('test_*.py') if 'time.' + 'sleep(' in p.read_text()]\n"
    "    assert bad == []\n",
    "tests/test_git.py": "import subprocess\n\n\ndef test_nothing_local_tracked():\n"
    "    out = subprocess.run(['git', 'status', '--porcelain'], capture_output=True, text=True).stdout\n"
    "    assert '.local' not in out\n",
    "data/catalog.yaml": "status: ok\n",
}


def _meta_repo(tmp_path: Path) -> Path:
    root = git_dir(tmp_path / "repo")
    write(root, META_FILES)
    commit(root, "init")
    _run(root, all_files=True)
    return root


def test_a_test_reading_test_files_as_text_is_rerun(tmp_path: Path) -> None:
    """A comment edit testmon ignores still reruns the meta test that scans that file's text."""
    root = _meta_repo(tmp_path)
    incremental, full = _push(
        root, {"tests/test_calc.py": META_FILES["tests/test_calc.py"] + "# time.sleep(5)\n"}
    )
    assert incremental.tests.mode == "testmon"
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}
    assert incremental.hooks[0].failed_tests == ("tests/test_meta.py::test_no_sleeps",)
    assert incremental.tests.selected == 2  # the meta test, and the git test (it starts a subprocess)


def test_a_file_read_by_a_shared_fixture_forces_a_full_run(tmp_path: Path) -> None:
    """A session fixture's reads serve every test using it: a change there runs everything."""
    root = _meta_repo(tmp_path)
    incremental, full = _push(root, {"data/catalog.yaml": "status: bad\n"})
    assert incremental.tests.mode == "full" and "data/catalog.yaml" in incremental.tests.why
    assert _statuses(incremental) == _statuses(full) == {"suite": Status.FAILED}


def test_subprocess_tests_always_run(tmp_path: Path) -> None:
    """A test that starts a subprocess reads what we cannot see: it runs on every push."""
    root = _meta_repo(tmp_path)
    incremental, _ = _push(root, {"src/calc.py": FILES["src/calc.py"] + "# comment\n"})
    assert incremental.tests.mode == "testmon"
    assert incremental.tests.selected == 1  # tests/test_git.py only
    (records,) = (root / ".infra" / "testmon").glob("*.reads.json")
    data = json.loads(records.read_text())
    assert data["tests"]["tests/test_git.py::test_nothing_local_tracked"] == {"<subprocess>": ""}
    assert "data/catalog.yaml" in data["outside"]


def test_a_ci_full_run_records_nothing_and_traces_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In CI no state survives the job: pytest runs without testmon and no read records are kept."""
    root = git_dir(tmp_path / "repo")
    write(root, FILES)
    commit(root, "init")
    monkeypatch.setenv("CI", "true")
    result = _run(root, all_files=True, full=True)
    assert {h.status for h in result.hooks} == {Status.PASSED}
    assert result.tests.selected == 4
    assert not list((root / ".infra" / "testmon").glob("*.reads.json"))
    assert not list((root / ".infra" / "testmon").glob("*.db"))
