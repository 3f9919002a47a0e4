"""Hook by hook, `nox -t prepush` gives pre-commit's verdict on the same pushed range.

Each test builds a small repository, records a full run (so test selection has data), pushes a
change, and compares the failing hooks of real `pre-commit run --hook-stage pre-push
--from-ref --to-ref` with real `nox -t prepush` over the same range. Every case here was a
false green (or a false failure) before its guard existed: each test fails without it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from infra import hosts, precommit, project, results, warm
from infra.results import Status
from tests.conftest import commit, git, git_dir, write

pytestmark = pytest.mark.slow
NOXFILE = "import infra.sessions\n\ninfra.sessions.register()\n"


def _hooks(*hooks: str) -> str:
    return "repos:\n- repo: local\n  hooks:\n" + "".join(hooks)


def _hook(
    hid: str, entry: str, *, files: str = "", pass_filenames: bool = False, always: bool = False
) -> str:
    lines = [
        f"  - id: {hid}\n    name: {hid}\n    entry: {entry}\n    language: system\n",
        f"    pass_filenames: {str(pass_filenames).lower()}\n",
        f"    files: {files}\n" if files else "",
        "    always_run: true\n" if always else "",
    ]
    return "".join(lines)


def _repo(root: Path, config: str, files: dict[str, str]) -> Path:
    git_dir(root)
    write(
        root,
        {
            ".pre-commit-config.yaml": config,
            "noxfile.py": NOXFILE,
            ".gitignore": ".infra/\n__pycache__/\n.pytest_cache/\n",
            **files,
        },
    )
    commit(root, "base")
    return root


def _two_hooks(
    tmp_path: Path, first: tuple[str, str], second: tuple[str, str], files: dict[str, str]
) -> Path:
    """A repository whose two hooks (id, entry) both run on changes under src/, tests/ or data/."""
    hooks = [_hook(hid, entry, files="^(src|tests|data)/") for hid, entry in (first, second)]
    return _repo(tmp_path / "r", _hooks(*hooks), files)


def _pre_commit(root: Path, frm: str, to: str) -> set[str]:
    argv = hosts.HOSTS["pre-commit"].run_argv(None, None, (frm, to))
    proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    return {hid for hid, status in precommit.parse_verdicts(proc.stdout) if status is Status.FAILED}


def _nox(root: Path, run_id: str, *args: str, frm: str = "", to: str = "") -> tuple[set[str], str]:
    env = {**os.environ, "INFRA_RUN_ID": run_id}
    if frm:
        env.update(PRE_COMMIT_FROM_REF=frm, PRE_COMMIT_TO_REF=to)
    proc = subprocess.run(
        [sys.executable, "-m", "nox", "-t", "prepush", "--", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )  # fmt: skip
    found = results.read_run(root, run_id)
    assert found, proc.stdout + proc.stderr
    return {h.id for r in found for h in r.hooks if h.status is Status.FAILED}, proc.stdout + proc.stderr


def _push(
    root: Path, files: dict[str, str], *, mode: str | None = None, edit: Callable[[Path], None] | None = None
) -> tuple[str, str]:
    """Commit ``files`` (and what ``edit`` does: a mode, a symlink); returns the pushed range."""
    frm = git(root, "rev-parse", "HEAD").strip()
    write(root, files)
    if mode:
        for name in files:
            git(root, "update-index", "--add", f"--chmod={mode}", name)
    if edit is not None:
        edit(root)
    to = commit(root, "push")
    return frm, to


def _agree(
    root: Path,
    files: dict[str, str],
    expect: set[str],
    *,
    mode: str | None = None,
    edit: Callable[[Path], None] | None = None,
) -> str:
    """Record a full run, push ``files``; both tools fail exactly ``expect``. Returns nox's output."""
    _nox(root, "full", "--all-files")
    frm, to = _push(root, files, mode=mode, edit=edit)
    theirs = _pre_commit(root, frm, to)
    git(root, "checkout", "--", ".")  # what a hook left modified is not part of the next run
    ours, out = _nox(root, "push", frm=frm, to=to)
    assert theirs == expect, theirs
    assert ours == theirs, out
    return out


def test_a_fixer_without_pass_filenames_fails_for_modifying_files(tmp_path: Path) -> None:
    """A hook that rewrites a tracked file (pass_filenames: false) fails, as pre-commit fails it."""
    fixer = "import pathlib; p = pathlib.Path('data.txt'); p.write_text(p.read_text().lower())"
    root = _repo(
        tmp_path / "r",
        _hooks(_hook("lower", f'python -c "{fixer}"', files="data.txt")),
        {"data.txt": "ok\n"},
    )
    out = _agree(root, {"data.txt": "NOT LOWER\n"}, {"lower"})
    assert "files were modified by this hook: data.txt" in out


def test_a_test_that_rewrites_a_tracked_file_fails_only_its_hook(tmp_path: Path) -> None:
    """In a merged pytest process, the hook whose test wrote the file fails; its neighbour passes."""
    root = _two_hooks(
        tmp_path,
        ("writer", "pytest tests/test_w.py"),
        ("reader", "pytest tests/test_r.py"),
        {
            "data/v.txt": "1\n",
            "tests/test_w.py": "import pathlib\n\ndef test_w():\n    pathlib.Path('data/v.txt').write_text('1\\n')\n",
            "tests/test_r.py": "def test_r():\n    assert True\n",
            "pytest.ini": "[pytest]\n",
        },
    )
    out = _agree(root, {"data/v.txt": "2\n"}, {"writer"})
    assert "files were modified by this hook: data/v.txt" in out


SLEEP = "python -c 'import time; time.sleep(4)'"
OWN_SESSION = "[tool.infra.sessions]\nchecks = ['bystander']\n"  # a second session, run beside


def test_a_test_writing_a_file_while_another_session_runs_fails_only_its_hook(tmp_path: Path) -> None:
    """The test's write is recorded: the direct hook that ran meanwhile in another session (its
    process alive at the write, so time alone cannot clear it) is not charged with the file."""
    writes_midway = (
        "import pathlib, time\n\ndef test_w():\n    time.sleep(1)\n"
        "    pathlib.Path('data/v.txt').write_text('1\\n')\n    time.sleep(1)\n"
    )
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("writer", "pytest tests/test_w.py", files="^(tests|data)/"),
            _hook("bystander", SLEEP, files="^data/"),
        ),
        {"data/v.txt": "1\n", "tests/test_w.py": writes_midway, "pytest.ini": "[pytest]\n", "pyproject.toml": OWN_SESSION},
    )  # fmt: skip
    out = _agree(root, {"data/v.txt": "2\n"}, {"writer"})
    assert "files were modified by this hook: data/v.txt" in out


def test_a_fixer_given_the_file_is_charged_not_a_hook_beside_it(tmp_path: Path) -> None:
    """A fixer rewrites the file it was given while a hook in another session runs: the fixer
    (its own file changed) fails, the bystander (only running at the time) passes."""
    fixer = (
        "import sys, time, pathlib; time.sleep(1); [pathlib.Path(f).write_text('1\\n') for f in sys.argv[1:]]"
    )
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("fixer", f'python -c "{fixer}"', files="^data/", pass_filenames=True),
            _hook("bystander", SLEEP, files="^data/"),
        ),
        {"data/v.txt": "1\n", "pyproject.toml": OWN_SESSION},
    )
    _agree(root, {"data/v.txt": "2\n"}, {"fixer"})


def test_a_fixer_without_its_files_is_charged_not_tests_that_only_read_the_file(tmp_path: Path) -> None:
    """A fixer (pass_filenames: false) rewrites a file while, in another session, a test reads it:
    the test's process records its own writes (none to that file), so the fixer is charged."""
    fixer = "import time, pathlib; time.sleep(1); pathlib.Path('data/v.txt').write_text('1\\n')"
    reads_it = "import time\n\ndef test_r():\n    for _ in range(30):\n        open('data/v.txt').read()\n        time.sleep(0.1)\n"
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("fixer", f'python -c "{fixer}"', files="^data/"),
            _hook("reader", "pytest tests/test_r.py", files="^(tests|data)/"),
        ),
        {"data/v.txt": "1\n", "tests/test_r.py": reads_it, "pytest.ini": "[pytest]\n", "pyproject.toml": "[tool.infra.sessions]\nchecks = ['fixer']\n"},
    )  # fmt: skip
    _agree(root, {"data/v.txt": "2\n"}, {"fixer"})


def test_two_opaque_hooks_beside_each_other_the_one_that_rewrites_the_file_fails(tmp_path: Path) -> None:
    """Neither hook is given the file and both ran at the write: only running each again alone
    tells them apart (``infra.ties``). The fixer fails; the bystander passes; the file is left
    as the fixer left it."""
    fixer = "import time, pathlib; time.sleep(1); pathlib.Path('data/v.txt').write_text('1\\n')"
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("fixer", f'python -c "{fixer}"', files="^data/"), _hook("bystander", SLEEP, files="^data/")
        ),
        {"data/v.txt": "1\n", "pyproject.toml": OWN_SESSION},
    )
    _nox(root, "full", "--all-files")
    frm, to = _push(root, {"data/v.txt": "2\n"})
    assert _pre_commit(root, frm, to) == {"fixer"}
    git(root, "checkout", "--", ".")
    ours, out = _nox(root, "push", frm=frm, to=to)
    assert ours == {"fixer"}, out
    assert "data/v.txt: not modified by bystander when run again alone" in out
    assert (root / "data/v.txt").read_text() == "1\n"


def test_a_failing_wrapper_step_fails_the_hook(tmp_path: Path) -> None:
    """`bash -c 'source missing && pytest ...'` fails under pre-commit: so it does here."""
    entry = "bash -c 'source .venv-missing/bin/activate && pytest tests/test_a.py'"
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("wrapped", entry, files="^tests/"),
            _hook("plain", "pytest tests/test_b.py", files="^tests/"),
        ),
        {
            "tests/test_a.py": "def test_a():\n    pass\n",
            "tests/test_b.py": "def test_b():\n    pass\n",
            "pytest.ini": "[pytest]\n",
        },
    )
    _agree(root, {"tests/test_a.py": "def test_a():\n    assert 1\n"}, {"wrapped"})


def test_cd_wrapper_resolves_paths_from_its_directory(tmp_path: Path) -> None:
    """`bash -c 'cd tests/sub && pytest test_x.py'` passes as it does under pre-commit."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("sub", "bash -c 'cd tests/sub && pytest test_x.py'", files="^tests/"),
            _hook("top", "pytest tests/test_top.py", files="^tests/"),
        ),
        {
            "tests/sub/test_x.py": "import pathlib\n\ndef test_x():\n    assert pathlib.Path('here.txt').exists()\n",
            "tests/sub/here.txt": "x\n",
            "tests/test_top.py": "def test_top():\n    pass\n",
        },
    )
    _agree(
        root,
        {
            "tests/sub/test_x.py": "import pathlib\n\ndef test_x():\n    assert pathlib.Path('here.txt').read_text()\n"
        },
        set(),
    )


def test_a_direct_run_judges_the_pushed_commits_not_unstaged_fixes(tmp_path: Path) -> None:
    """A broken commit with its fix left unstaged fails, and the fix is back in the tree afterwards."""
    root = _repo(
        tmp_path / "r",
        _hooks(_hook("check", "python check.py", files="value.txt")),
        {
            "check.py": "import sys\nsys.exit(open('value.txt').read().strip() != 'good')\n",
            "value.txt": "good\n",
        },
    )
    frm, to = _push(root, {"value.txt": "bad\n"})
    (root / "value.txt").write_text("good\n")  # the fix, never staged
    assert _pre_commit(root, frm, to) == {"check"}
    ours, out = _nox(root, "push", frm=frm, to=to)
    assert ours == {"check"}, out
    assert (root / "value.txt").read_text() == "good\n"
    assert not list((root / ".infra" / "patches").glob("*"))


def test_shell_keywords_are_never_missing_tools(tmp_path: Path) -> None:
    """`bash -c 'for f in ...; do true; done'` passes with no "not installed" note."""
    root = _repo(
        tmp_path / "r", _hooks(_hook("loop", "bash -c 'for f in a b; do true; done'", always=True)), {}
    )
    ours, out = _nox(root, "one", "--all-files")
    assert ours == set()
    assert "not installed" not in out


def test_a_renamed_node_id_fails_only_the_hook_naming_it(tmp_path: Path) -> None:
    """One hook's node id no longer exists: it fails (pytest exit 4), the others still pass."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("gone", "pytest tests/test_a.py::test_old", files="^tests/"),
            _hook("kept", "pytest tests/test_a.py::test_other", files="^tests/"),
            _hook("file", "pytest tests/test_b.py", files="^tests/"),
        ),
        {
            "tests/test_a.py": "def test_old():\n    pass\n\ndef test_other():\n    pass\n",
            "tests/test_b.py": "def test_b():\n    pass\n",
            "pytest.ini": "[pytest]\n",
        },
    )
    out = _agree(
        root, {"tests/test_a.py": "def test_new():\n    pass\n\ndef test_other():\n    pass\n"}, {"gone"}
    )
    assert out.count("-m pytest") <= 2, out  # the merged run, then the others together once


# --- test selection: each way a changed file reaches a test without testmon seeing it --------

PKG = {
    "pytest.ini": "[pytest]\npythonpath = src\n",
    "src/pkg/__init__.py": "",
    "src/pkg/other.py": "def unrelated():\n    return 1\n",
}


def _one_hook(root: Path, files: dict[str, str], target: str = "tests") -> Path:
    return _repo(
        root, _hooks(_hook("unit", f"pytest {target}", files="^(src|tests|data)/")), {**PKG, **files}
    )


OTHER_TEST = {
    "tests/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n"
}


def _unit_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """One `pytest tests` hook over ``files`` and an unrelated test."""
    return _one_hook(tmp_path / "r", {**files, **OTHER_TEST})


def _unit_agrees(tmp_path: Path, files: dict[str, str], push: dict[str, str]) -> str:
    """Pushing ``push`` to ``_unit_repo(files)`` fails its hook under both tools. Returns nox's output."""
    return _agree(_unit_repo(tmp_path, files), push, {"unit"})


def test_metadata_reads_are_tracked(tmp_path: Path) -> None:
    """A test that only checks a file's executable bit reruns when `chmod -x` is pushed."""
    root = _unit_repo(
        tmp_path,
        {
            "data/run.sh": "#!/bin/sh\n",
            "tests/test_meta.py": "import os\n\ndef test_exec():\n    assert os.access('data/run.sh', os.X_OK)\n",
        },
    )
    git(root, "update-index", "--chmod=+x", "data/run.sh")
    (root / "data/run.sh").chmod(0o755)
    commit(root, "exec")

    def chmod_minus_x(root: Path) -> None:
        git(root, "update-index", "--chmod=-x", "data/run.sh")
        (root / "data/run.sh").chmod(0o644)

    _agree(root, {}, {"unit"}, edit=chmod_minus_x)


def test_a_directory_entrys_stat_is_a_metadata_read(tmp_path: Path) -> None:
    """`os.scandir` entries carry their own `stat()` (no `os.stat` call): a test summing a data
    directory's sizes through them reruns when a file there grows."""
    test = (
        "import os\n\ndef test_budget():\n"
        "    with os.scandir('data') as entries:\n"
        "        assert sum(e.stat().st_size for e in entries if e.is_file()) < 20\n"
    )
    _unit_agrees(
        tmp_path, {"data/a.txt": "small\n", "tests/test_budget.py": test}, {"data/a.txt": "x" * 40 + "\n"}
    )


def test_data_behind_a_cache_reaches_every_test_that_ran_the_caching_code(tmp_path: Path) -> None:
    """An lru_cache filled by one test serves another that never opens the file: both rerun."""
    _unit_agrees(
        tmp_path,
        {
            "data/limits.txt": "5\n",
            "src/pkg/limits.py": "import functools\n\n@functools.cache\ndef limit():\n    return int(open('data/limits.txt').read())\n\ndef allowed(n):\n    return n <= limit()\n",
            "tests/test_a_load.py": "from pkg import limits\n\ndef test_load():\n    assert limits.limit() > 0\n",
            "tests/test_b_use.py": "from pkg import limits\n\ndef test_use():\n    assert limits.allowed(4)\n",
        },
        {"data/limits.txt": "3\n"},
    )


def test_resource_loader_reads_are_tracked(tmp_path: Path) -> None:
    """`pkgutil.get_data` reads go through the import system's loader and still count."""
    _unit_agrees(
        tmp_path,
        {
            "src/pkg/table.txt": "ok\n",
            "tests/test_res.py": "import pkgutil\n\ndef test_res():\n    assert pkgutil.get_data('pkg', 'table.txt') == b'ok\\n'\n",
        },
        {"src/pkg/table.txt": "changed\n"},
    )


def test_import_time_effects_of_another_test_module_count(tmp_path: Path) -> None:
    """A module-level `os.environ[...] = ...` change in one test file breaks a test in another."""
    root = _one_hook(
        tmp_path / "r",
        {
            "tests/test_a_env.py": "import os\n\nos.environ['PKG_MODE'] = 'fast'\n\ndef test_a():\n    pass\n",
            "tests/test_b_mode.py": "import os\n\ndef test_mode():\n    assert os.environ.get('PKG_MODE') == 'fast'\n",
        },
    )
    _agree(
        root,
        {"tests/test_a_env.py": "import os\n\nos.environ['PKG_MODE'] = 'slow'\n\ndef test_a():\n    pass\n"},
        {"unit"},
    )


def test_a_subdirectory_rootdir_runs_fully(tmp_path: Path) -> None:
    """Tests under their own pytest.ini exercise src/: testmon cannot see src/ there, so no narrowing."""
    root = _one_hook(
        tmp_path / "r",
        {
            "src/pkg/calc.py": "def double(x):\n    return 2 * x\n",
            "tests/integration/pytest.ini": "[pytest]\n",
            "tests/integration/test_calc.py": "import sys\nsys.path.insert(0, 'src')\nfrom pkg import calc\n\ndef test_double():\n    assert calc.double(2) == 4\n",
        },
        target="tests/integration",
    )
    out = _agree(root, {"src/pkg/calc.py": "def double(x):\n    return 3 * x\n"}, {"unit"})
    assert "not the repository root" in out


def test_selection_engages_when_a_fixture_walks_the_repository(tmp_path: Path) -> None:
    """A session fixture listing the whole tree (`.git/` included) does not force full runs."""
    conftest = (
        "import os\nimport pytest\n\n@pytest.fixture(scope='session')\ndef tree():\n"
        "    return [os.path.join(d, f) for d, _, fs in os.walk('.') for f in fs]\n"
    )
    out = _unit_agrees(
        tmp_path,
        {
            "tests/conftest.py": conftest,
            "tests/test_tree.py": "def test_tree(tree):\n    assert tree\n",
        },
        {"src/pkg/other.py": "def unrelated():\n    return 2\n"},
    )
    assert "mode testmon" in out and "1 selected" in out, out


def test_the_infra_always_marker_keeps_a_test_from_being_deselected(tmp_path: Path) -> None:
    """A test marked infra_always runs on every narrowed push (here: one whose code never changed)."""
    root = _one_hook(
        tmp_path / "r",
        {
            "pytest.ini": "[pytest]\npythonpath = src\nmarkers =\n    infra_always: always run\n",
            "tests/test_kept.py": "import pytest\n\n@pytest.mark.infra_always\ndef test_kept():\n    pass\n",
            "tests/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n",
        },
    )
    out = _agree(
        root,
        {"src/pkg/other.py": "def unrelated():\n    return 1  # same\n\n\ndef more():\n    return 2\n"},
        set(),
    )
    assert "2 selected" in out, out


def test_a_file_that_fails_to_collect_fails_its_hooks_without_a_rerun_each(tmp_path: Path) -> None:
    """Node ids and files in a broken test file fail; the healthy hook runs again once, not per hook."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("node", "pytest tests/test_bad.py::test_x", files="^tests/"),
            _hook("whole", "pytest tests/test_bad.py", files="^tests/"),
            _hook("ok", "pytest tests/test_ok.py", files="^tests/"),
        ),
        {
            "tests/test_bad.py": "def test_x():\n    pass\n",
            "tests/test_ok.py": "def test_ok():\n    pass\n",
            "pytest.ini": "[pytest]\n",
        },
    )
    out = _agree(
        root, {"tests/test_bad.py": "import not_a_module\n\ndef test_x():\n    pass\n"}, {"node", "whole"}
    )
    assert out.count("-m pytest") <= 2, out


GITIGNORE_TEST = (
    "import subprocess\n\n\ndef test_nothing_local_tracked():\n"
    "    out = subprocess.run(['git', 'ls-files'], capture_output=True, text=True, check=True).stdout\n"
    "    assert '.local' not in out\n"
)


def test_git_ls_files_depends_only_on_tracked_names(tmp_path: Path) -> None:
    """An always_run test listing tracked files: skipped without pytest until a file is added."""
    root = _repo(
        tmp_path / "r",
        _hooks(_hook("no-local", "pytest tests/test_names.py", always=True)),
        {"tests/test_names.py": GITIGNORE_TEST, "docs/a.md": "a\n", "pytest.ini": "[pytest]\n"},
    )
    out = _agree(root, {"docs/a.md": "b\n"}, set())
    assert "no affected tests (testmon data)" in out, out
    frm, to = _push(root, {"config.local": "x\n"})
    assert _pre_commit(root, frm, to) == {"no-local"}
    assert _nox(root, "added", frm=frm, to=to)[0] == {"no-local"}


def test_an_added_data_file_reaches_the_tests_that_list_or_check_it(tmp_path: Path) -> None:
    """No full run for an added YAML file: the tests that globbed its directory or checked the path rerun."""
    out = _unit_agrees(
        tmp_path,
        {
            "data/a.yaml": "a: 1\n",
            "tests/test_count.py": "from pathlib import Path\n\ndef test_one_manifest():\n    assert len(list(Path('data').glob('*.yaml'))) == 1\n",
            "tests/test_absent.py": "import os\n\ndef test_no_override():\n    assert not os.path.exists('data/override.txt')\n",
        },
        {"data/b.yaml": "b: 2\n", "data/override.txt": "x\n"},
    )
    assert "mode testmon" in out and "2 selected" in out, out


def test_no_xdist_unless_asked_a_test_that_skips_under_it_still_fails(tmp_path: Path) -> None:
    """Tests can tell xdist apart (PYTEST_XDIST_WORKER): however long the recorded work, a push is
    judged without it unless `[tool.infra] xdist = true`, so this failing test is not skipped."""
    slow_but_failing = (
        "import os\nimport pytest\n\ndef test_coverage():\n"
        "    if os.getenv('PYTEST_XDIST_WORKER'):\n        pytest.skip('must run outside xdist')\n"
        "    assert open('data/cov.txt').read().strip() == 'ok'\n"
    )
    root = _one_hook(tmp_path / "r", {"data/cov.txt": "ok\n", "tests/test_cov.py": slow_but_failing})
    _nox(root, "seed", "--all-files")
    (durations,) = (root / ".infra" / "durations").glob("*.json")
    durations.write_text('{"tests/test_cov.py::test_coverage": 600.0}')  # as if it took minutes
    frm, to = _push(
        root, {"data/cov.txt": "low\n", "src/pkg/sub/__init__.py": "NEW = 1\n"}
    )  # a new package: full
    assert _pre_commit(root, frm, to) == {"unit"}
    ours, out = _nox(root, "push", frm=frm, to=to)
    assert ours == {"unit"} and "mode full" in out, out


def test_a_long_hook_gets_its_own_pytest_process_beside_the_rest(tmp_path: Path) -> None:
    """Recorded as most of its group's time, a hook runs in a plain pytest process of its own,
    at the same time as the rest: verdicts as pre-commit's, each process's failures its own."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("slow", "pytest tests/test_slow.py", files="^(tests|data)/"),
            _hook("fast", "pytest tests/test_fast.py tests/test_more.py", files="^(tests|data)/"),
        ),
        {
            "data/v.txt": "1\n",
            "tests/test_slow.py": "def test_slow():\n    assert open('data/v.txt').read() == '1\\n'\n",
            "tests/test_fast.py": "def test_fast():\n    assert open('data/v.txt').read() == '1\\n'\n",
            "tests/test_more.py": "def test_more():\n    pass\n",
            "pytest.ini": "[pytest]\n",
        },
    )
    _nox(root, "seed", "--all-files")
    (durations,) = (root / ".infra" / "durations").glob("*.json")
    durations.write_text(
        '{"tests/test_slow.py::test_slow": 90.0, "tests/test_fast.py::test_fast": 20.0, "tests/test_more.py::test_more": 1.0}'
    )
    frm, to = _push(root, {"data/v.txt": "2\n"})
    assert _pre_commit(root, frm, to) == {"slow", "fast"}
    ours, out = _nox(root, "push", frm=frm, to=to)
    assert ours == {"slow", "fast"}, out
    commands = [line for line in out.splitlines() if line.startswith("$ ") and "-m pytest" in line]
    assert len(commands) == 2 and any(
        c.split()[c.split().index("pytest") + 1] == "tests/test_slow.py" for c in commands
    ), commands


def test_a_module_that_finds_its_own_file_does_not_force_full_runs(tmp_path: Path) -> None:
    """`Path(__file__).resolve()` at import stats the module: an edit to its code stays testmon's call."""
    module = "from pathlib import Path\n\nHERE = Path(__file__).resolve().parent\n\n\ndef unrelated():\n    return {}\n"
    root = _one_hook(
        tmp_path / "r",
        {
            "src/pkg/other.py": module.format(1),
            "tests/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n",
            "tests/test_quiet.py": "def test_quiet():\n    pass\n",
        },
    )
    out = _agree(root, {"src/pkg/other.py": module.format(2) + "\n# grown\n"}, {"unit"})
    assert "mode testmon" in out and "1 selected" in out, out


def test_a_hook_measured_by_pytest_cov_runs_as_written(tmp_path: Path) -> None:
    """`--cov-fail-under` judges the tests of one call: merged with another hook's tests the
    coverage would reach 100% and hide the failure, narrowed it would fall. Run as written."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("adds", "pytest tests/test_add.py", files="^(src|tests)/"),
            _hook("everything", "pytest tests/test_add.py tests/test_mul.py", files="^(src|tests)/"),
        ),
        {
            ".gitignore": ".infra/\n__pycache__/\n.pytest_cache/\n.coverage\n",
            "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n"
            "addopts = '--cov=src --cov-fail-under=100 -p no:cacheprovider'\n",
            "src/calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
            "tests/test_add.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n",
            "tests/test_mul.py": "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
        },
    )
    out = _agree(
        root,
        {"src/calc.py": "def add(a, b):\n    return b + a\n\n\ndef mul(a, b):\n    return a * b\n"},
        {"adds"},
    )
    notes = project.load(root).plan.notes
    assert "adds: pytest-cov measures exactly the tests it runs (--cov): run as written" in notes
    assert "adds" in out


def test_exitfirst_in_addopts_does_not_stop_one_hooks_tests_at_anothers_failure(tmp_path: Path) -> None:
    """`-x` in addopts: each hook's own pytest stops at its first failure, which fails only that
    hook. Merged, the first failure would end the process before the next hook's tests ran."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("first", "pytest tests/test_a.py", files="^(data|tests)/"),
            _hook("second", "pytest tests/test_b.py", files="^(data|tests)/"),
        ),
        {
            "pytest.ini": "[pytest]\naddopts = -x -p no:cacheprovider\n",
            "data/v.txt": "1\n",
            "tests/test_a.py": "def test_a():\n    assert open('data/v.txt').read() == '1\\n'\n",
            "tests/test_b.py": "def test_b():\n    assert open('data/v.txt').read() == '1\\n'\n",
        },
    )
    _agree(root, {"data/v.txt": "2\n"}, {"first", "second"})


def test_a_constant_read_without_running_its_module_reaches_the_test(tmp_path: Path) -> None:
    """`pkg.VERSION` read by a test runs no code testmon can fingerprint: the change runs fully."""
    _unit_agrees(
        tmp_path,
        {
            "src/pkg/version.py": '__version__ = "1.0"\n',
            "tests/test_version.py": "from pkg import version\n\ndef test_v():\n    assert version.__version__.startswith('1.')\n",
        },
        {"src/pkg/version.py": '__version__ = "2.0"\n'},
    )


def test_hooks_see_pre_commit_set_as_pre_commit_sets_it(tmp_path: Path) -> None:
    """pre-commit sets PRE_COMMIT=1 for every hook: a test skipped without it runs, and fails."""
    root = _one_hook(
        tmp_path / "r",
        {
            "tests/test_hooked.py": (
                "import os, pytest\n\n@pytest.mark.skipif(os.environ.get('PRE_COMMIT') != '1', reason='hook only')\n"
                "def test_hooked():\n    assert open('data/flag.txt').read() == 'ok\\n'\n"
            ),
            "data/flag.txt": "ok\n",
        },
    )
    _agree(root, {"data/flag.txt": "broken\n"}, {"unit"})


def test_a_narrowed_hook_left_with_no_test_collected_fails_as_exit_5(tmp_path: Path) -> None:
    """Renaming a hook's only test out of pytest's naming fails it (exit 5), narrowed or not."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("unit", "pytest tests/unit", files="^(src|tests)/"),
            _hook("layout", "pytest tests/test_layout.py", files="^(src|tests)/"),
        ),
        {
            **PKG,
            "tests/unit/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n",
            "tests/test_layout.py": "def test_layout():\n    assert True\n",
        },
    )
    out = _agree(root, {"tests/test_layout.py": "def check_layout():\n    assert True\n"}, {"layout"})
    assert "no tests collected" in out


def test_reads_are_tracked_in_a_repository_under_a_tooling_named_directory(tmp_path: Path) -> None:
    """A checkout under `.../coverage/` is not coverage.py's code: its tests' reads still count."""
    root = _one_hook(
        tmp_path / "coverage" / "pytest" / "r",
        {
            "data/units.txt": "kg\n",
            "tests/test_units.py": "def test_units():\n    assert open('data/units.txt').read() == 'kg\\n'\n",
            "tests/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n",
        },
    )
    _agree(root, {"data/units.txt": "lb\n"}, {"unit"})


@pytest.mark.parametrize("warm_on", ["0", "1"])
def test_the_pytest_script_does_not_put_the_working_directory_on_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_on: str
) -> None:
    """`pytest` cannot import `scripts/` from the repository root; `python -m pytest` could."""
    monkeypatch.setenv("INFRA_WARM", warm_on)
    root = _one_hook(
        tmp_path / "r",
        {
            "scripts/__init__.py": "",
            "scripts/check.py": "def ok():\n    return True\n",
            "tests/test_scripts.py": "def test_scripts():\n    from scripts import check\n    assert check.ok()\n",
            "tests/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n",
        },
    )
    try:
        _nox(root, "first", "--all-files")  # a warm process starts after this cold run
        frm, to = _push(
            root,
            {
                "tests/test_scripts.py": "def test_scripts():\n    from scripts import check\n    assert check.ok() is True\n"
            },
        )
        assert _pre_commit(root, frm, to) == {"unit"}
        ours, out = _nox(root, "push", frm=frm, to=to)
        assert ours == {"unit"}, out
    finally:
        warm.stop(root)  # no process outlives the test


def test_a_read_only_sqlite_uri_is_a_read_of_its_file(tmp_path: Path) -> None:
    """`sqlite3.connect("file:data/app.db?mode=ro", uri=True)` reads data/app.db."""
    import sqlite3

    root = _one_hook(
        tmp_path / "r",
        {
            "tests/test_db.py": (
                "import sqlite3\n\ndef test_db():\n"
                "    con = sqlite3.connect('file:data/app.db?mode=ro', uri=True)\n"
                "    assert con.execute('select count(*) from t').fetchone() == (1,)\n"
            ),
            "tests/test_other.py": "from pkg import other\n\ndef test_other():\n    assert other.unrelated() == 1\n",
        },
    )
    (root / "data").mkdir()
    with contextlib.closing(sqlite3.connect(root / "data/app.db")) as con:
        con.execute("create table t (x)")
        con.execute("insert into t values (1)")
        con.commit()
    commit(root, "db")
    _nox(root, "full", "--all-files")
    frm = git(root, "rev-parse", "HEAD").strip()
    with contextlib.closing(sqlite3.connect(root / "data/app.db")) as con:
        con.execute("insert into t values (2)")
        con.commit()
    to = commit(root, "a row added")
    assert _pre_commit(root, frm, to) == {"unit"}
    assert _nox(root, "push", frm=frm, to=to)[0] == {"unit"}


def test_a_hook_whose_test_module_sets_process_state_at_import_is_not_merged(tmp_path: Path) -> None:
    """`os.environ[...] = ...` at import in one hook's module reaches only that hook's tests under
    pre-commit: a test of another hook that relies on it fails there, and here."""
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("unit", "pytest tests/unit", files="^tests/"),
            _hook("layout", "pytest tests/test_layout.py", files="^tests/"),
        ),
        {
            **PKG,
            "tests/unit/test_locale.py": "import os\n\nos.environ['CURRENCY'] = 'EUR'\n\ndef test_locale():\n    pass\n",
            "tests/test_layout.py": "import os\n\ndef test_currency():\n    assert os.environ.get('CURRENCY') == 'EUR'\n",
        },
    )
    _agree(
        root,
        {
            "tests/test_layout.py": "import os\n\ndef test_currency():  # checked\n    assert os.environ.get('CURRENCY') == 'EUR'\n"
        },
        {"layout"},
    )
    _nox(root, "again", "--all-files")
    assert {"unit", "layout"} <= {h.id for r in results.read_run(root, "again") for h in r.hooks}


def test_a_pass_filenames_hook_split_by_pre_commit_is_split_the_same_way(tmp_path: Path) -> None:
    """pre-commit gives a `pass_filenames` hook its files over one process per CPU: a test
    module's import-time state reaches only its own process's tests, here as there."""
    dependent = "import os\n\ndef test_currency():  # {n}\n    assert os.environ.get('CURRENCY') == 'EUR'\n"
    files = {f"tests/test_d{n}.py": dependent.format(n=n) for n in range(7)}
    files["tests/test_setter.py"] = (
        "import os\n\nos.environ['CURRENCY'] = 'EUR'\n\ndef test_set():\n    pass\n"
    )
    root = _repo(
        tmp_path / "r",
        _hooks(_hook("unit", "pytest", files="^tests/.*\\.py$", pass_filenames=True)),
        {**PKG, **{k: v.replace("# ", "# was ") for k, v in files.items()}},
    )
    _agree(root, files, {"unit"})


def test_a_collect_only_hook_passes_when_it_collects_tests(tmp_path: Path) -> None:
    """`pytest --collect-only` runs no test and exits 0 when it collected some: it passes."""
    root = _repo(
        tmp_path / "r",
        _hooks(_hook("collect", "pytest --collect-only -q tests", files="^tests/")),
        {**PKG, "tests/test_a.py": "def test_a():\n    assert True\n"},
    )
    _agree(root, {"tests/test_a.py": "def test_a():  # changed\n    assert True\n"}, set())
    ours, out = _nox(root, "full", "--all-files", "--full")
    assert ours == set(), out


def test_a_retargeted_symlink_read_through_readlink_reaches_the_test(tmp_path: Path) -> None:
    """`os.readlink` has no audit event: its wrapper records the link, whose digest holds the target."""
    test = "import os\n\ndef test_link():\n    assert os.readlink('data/current.json') == 'a.json'\n"
    root = _unit_repo(tmp_path, {"data/a.json": "{}\n", "data/b.json": "{}\n", "tests/test_link.py": test})
    (root / "data/current.json").symlink_to("a.json")
    commit(root, "link")

    def retarget(root: Path) -> None:
        (root / "data/current.json").unlink()
        (root / "data/current.json").symlink_to("b.json")

    comment = "# a symlink is no file to pre-commit: this runs the hook\n"
    _agree(root, {"src/pkg/other.py": PKG["src/pkg/other.py"] + comment}, {"unit"}, edit=retarget)


def test_the_size_of_a_module_read_through_stat_reaches_the_test(tmp_path: Path) -> None:
    """Module sizes are left out of metadata digests (imports stat every module): a test that
    `os.stat`s a `.py` file depends on its content instead."""
    _unit_agrees(
        tmp_path,
        {
            "src/pkg/small.py": "X = 1\n",
            "tests/test_size.py": "import os\n\ndef test_small():\n    assert os.stat('src/pkg/small.py').st_size < 40\n",
        },
        {"src/pkg/small.py": "X = 1\n" + "# grown\n" * 10},
    )


def test_a_process_started_at_session_start_makes_the_group_run_fully(tmp_path: Path) -> None:
    """A `pytest_sessionstart` check that runs a subprocess reads files nobody can see: any push
    runs the session fully, and the check fails it as it fails under pre-commit."""
    check = "import json, subprocess, sys\n\ndef pytest_sessionstart(session):\n    subprocess.run([sys.executable, '-c', 'import json; json.load(open(\"data/limits.json\"))'], check=True)\n"
    root = _one_hook(tmp_path / "r", {"conftest.py": check, "data/limits.json": "{}\n", **OTHER_TEST})
    out = _agree(root, {"data/limits.json": "{broken\n"}, {"unit"})
    assert "--testmon-noselect" in out, out  # run fully, not skipped as "no test affected"


def test_a_process_started_by_a_shared_fixture_reaches_every_test_using_it(tmp_path: Path) -> None:
    """A session fixture runs a subprocess once, for its first user: the later users of the
    fixture depend on what it read too, and rerun."""
    fixture = (
        "import subprocess, sys\nimport pytest\n\n@pytest.fixture(scope='session')\ndef limit():\n"
        "    code = 'print(open(\"data/limit.txt\").read())'\n"
        "    return int(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout)\n"
    )
    _unit_agrees(
        tmp_path,
        {
            "tests/conftest.py": fixture,
            "data/limit.txt": "5\n",
            "tests/test_a_first.py": "def test_first(limit):\n    assert limit > 0\n",
            "tests/test_b_second.py": "def test_second(limit):\n    assert limit >= 5\n",
        },
        {"data/limit.txt": "3\n"},
    )


def test_a_function_run_at_import_by_a_test_module_reaches_its_tests(tmp_path: Path) -> None:
    """`settings.apply_defaults()` at module level runs at collection, where testmon sees nothing:
    a change to its body runs the group fully; a change to a function nobody runs at import
    keeps selection."""
    settings = "import os\n\ndef apply_defaults():\n    os.environ.setdefault('PKG_REGION', '{}')\n\ndef unused():\n    return {}\n"
    root = _one_hook(
        tmp_path / "r",
        {
            "src/pkg/settings.py": settings.format("eu", 1),
            "tests/test_region.py": "import os\nfrom pkg import settings\n\nsettings.apply_defaults()\n\ndef test_region():\n    assert os.environ['PKG_REGION'] == 'eu'\n",
            **OTHER_TEST,
        },
    )
    out = _agree(root, {"src/pkg/settings.py": settings.format("us", 1)}, {"unit"})
    assert "apply_defaults in src/pkg/settings.py changed" in out, out
    out = _agree(root, {"src/pkg/settings.py": settings.format("us", 2)}, {"unit"})
    assert "mode testmon" in out, out


def test_a_module_imported_lazily_by_two_tests_reaches_both(tmp_path: Path) -> None:
    """The second test to import a module gets it cached, its module-level code run by the first:
    a module-level change of a module first imported inside a test runs the group fully."""
    _unit_agrees(
        tmp_path,
        {
            "src/pkg/table.py": "TABLE = {'a': 1, 'b': 2}\n",
            "tests/test_a_first.py": "def test_first():\n    from pkg import table\n    assert table.TABLE['a'] == 1\n",
            "tests/test_b_second.py": "def test_second():\n    from pkg.table import TABLE\n    assert TABLE['b'] == 2\n",
        },
        {"src/pkg/table.py": "TABLE = {'a': 1, 'b': 3}\n"},
    )


def test_fail_fast_hooks_after_the_stopping_failure_count_as_not_run(tmp_path: Path) -> None:
    """pre-commit stops after a failing hook marked `fail_fast`: the later hooks report nothing.
    Here they ran side by side; they are reported as not run, what they did kept in the reason."""
    fail = "python -c 'import sys; sys.exit(1)'"
    config = _hooks(
        _hook("first", fail, files="^data/"),
        _hook("second", fail, files="^data/") + "    fail_fast: true\n",
        _hook("third", fail, files="^data/"),
        _hook("fourth", "pytest tests", files="^data/"),
    )
    root = _repo(
        tmp_path / "r",
        config,
        {**PKG, "data/x.txt": "1\n", "tests/test_a.py": "def test_a():\n    assert False\n"},
    )
    out = _agree(root, {"data/x.txt": "2\n"}, {"first", "second"})
    assert "infra: fail_fast: second failed, so the 2 hooks after it count as not run" in out, out
    third = next(h for r in results.read_run(root, "push") for h in r.hooks if h.id == "third")
    assert third.status is Status.SKIPPED and "(here it failed: exit code 1)" in third.reason, third
    git(root, "checkout", "--", ".")
    write(
        root,
        {
            ".pre-commit-config.yaml": "fail_fast: true\n"
            + _hooks(_hook("first", fail, files="^data/"), _hook("later", fail, files="^data/"))
        },
    )
    commit(root, "config-wide fail_fast")
    _agree(root, {"data/x.txt": "3\n"}, {"first"})


def test_a_test_outside_a_hooks_marker_expression_is_never_put_back_into_it(tmp_path: Path) -> None:
    """`pytest -m slow` runs only slow tests: a fast test that read the changed file fails the
    hook that runs it, never the `-m slow` hook selection narrowed."""
    root = _two_hooks(
        tmp_path,
        ("fast", "pytest -m 'not slow' tests"),
        ("slow", "pytest -m slow tests"),
        {
            **PKG,
            "pytest.ini": "[pytest]\npythonpath = src\nmarkers =\n    slow: slow\n",
            "data/v.txt": "1\n",
            "tests/test_fast.py": "def test_fast():\n    assert open('data/v.txt').read() == '1\\n'\n",
            "tests/test_slow.py": "import pytest\n\n@pytest.mark.slow\ndef test_slow():\n    assert open('data/v.txt').read()\n",
            **OTHER_TEST,
        },
    )
    _agree(root, {"data/v.txt": "2\n"}, {"fast"})


def test_a_plugin_starting_a_process_on_its_own_keeps_selection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed plugin asking git for the commit at start-up (pytest-benchmark does) runs no
    project code: that process is the plugin's business, and selection still engages."""
    plugins = tmp_path / "site"
    write(
        plugins,
        {
            "gitinfo_plugin.py": "import subprocess\n\ndef pytest_sessionstart(session):\n    subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True)\n"
        },
    )
    monkeypatch.setenv("PYTHONPATH", str(plugins))
    root = _repo(
        tmp_path / "r",
        _hooks(_hook("unit", "pytest -p gitinfo_plugin tests", files="^(src|tests|data)/")),
        {**PKG, **OTHER_TEST, "tests/test_quiet.py": "def test_quiet():\n    pass\n"},
    )
    changed = OTHER_TEST["tests/test_other.py"].replace("== 1", "== 2")
    out = _agree(root, {"tests/test_other.py": changed}, {"unit"})
    assert "mode testmon" in out and "1 selected" in out, out


def test_a_hook_after_a_fixer_sees_the_files_as_the_fixer_left_them(tmp_path: Path) -> None:
    """pre-commit runs a licence fixer first and the tests after it, on the fixed files: the
    fixer fails, the test passes. Here they run side by side (the fixer is slow, so the test reads
    the file first); run again in pre-commit's order, the test passes as there."""
    fixer = (
        "import sys, time; time.sleep(2)\n"
        "for name in sys.argv[1:]:\n"
        "    text = open(name).read()\n"
        "    if not text.startswith('# licence'):\n"
        "        open(name, 'w').write('# licence\\n' + text)\n"
    )
    test = (
        "import pathlib\n\ndef test_headers():\n"
        "    for path in pathlib.Path('src').rglob('*.py'):\n"
        "        assert path.read_text().startswith('# licence'), path\n"
    )
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("licence", "python scripts/licence.py", files="^src/", pass_filenames=True),
            _hook("unit", "pytest tests", files="^(src|tests)/"),
        ),
        {
            **{name: "# licence\n" + text for name, text in PKG.items() if name.endswith(".py")},
            "pytest.ini": PKG["pytest.ini"],
            "scripts/licence.py": fixer,
            "tests/test_headers.py": test,
        },
    )
    out = _agree(root, {"src/pkg/extra.py": "EXTRA = 1\n"}, {"licence"})
    assert "infra: unit: passed when run again after licence, as pre-commit runs it" in out, out
    assert (root / "src/pkg/extra.py").read_text() == "# licence\nEXTRA = 1\n"  # as the run left it


def test_a_hook_before_a_fixer_sees_the_files_as_committed(tmp_path: Path) -> None:
    """The same race the other way: the tests come first in the config, the licence fixer after
    them. pre-commit runs the tests on the files as committed (they fail: a header is missing),
    then the fixer (it fails: it rewrote a file). Here the fixer writes at once and then takes
    longest (its session starts first, in parallel or not) and the test reads late, so it sees the
    fixed file and passes; run again on the files as committed, it fails as there."""
    fixer = (
        "import sys, time\n"
        "for name in sys.argv[1:]:\n"
        "    text = open(name).read()\n"
        "    if not text.startswith('# licence'):\n"
        "        open(name, 'w').write('# licence\\n' + text)\n"
        "time.sleep(6)\n"
    )
    test = (
        "import pathlib, time\n\ndef test_headers():\n"
        "    time.sleep(2)\n"
        "    for path in pathlib.Path('src').rglob('*.py'):\n"
        "        assert path.read_text().startswith('# licence'), path\n"
    )
    root = _repo(
        tmp_path / "r",
        _hooks(
            _hook("unit", "pytest tests", files="^(src|tests)/"),
            _hook("licence", "python scripts/licence.py", files="^src/", pass_filenames=True),
        ),
        {
            **{name: "# licence\n" + text for name, text in PKG.items() if name.endswith(".py")},
            "pytest.ini": PKG["pytest.ini"],
            "scripts/licence.py": fixer,
            "tests/test_headers.py": test,
        },
    )
    out = _agree(root, {"src/pkg/extra.py": "EXTRA = 1\n"}, {"unit", "licence"})
    assert "infra: unit: failed when run again on the files as committed" in out, out
    assert (root / "src/pkg/extra.py").read_text() == "# licence\nEXTRA = 1\n"  # as the run left it


def test_a_test_modules_own_import_time_code_reruns_its_tests_not_the_group(tmp_path: Path) -> None:
    """A constant of a test module (or a new test in it) reaches its own tests only: they all run
    again, and selection stays on. A test module another module imports reaches that module's
    tests too: that push runs the group fully."""
    module = (
        "LIMIT = {}\n\ndef test_limit():\n    assert LIMIT < 10\n\ndef test_other_in_module():\n    pass\n"
    )
    root = _unit_repo(
        tmp_path,
        {"tests/test_a.py": module.format(5), "tests/test_quiet.py": "def test_quiet():\n    pass\n"},
    )
    out = _agree(root, {"tests/test_a.py": module.format(50)}, {"unit"})
    assert "mode testmon" in out and "2 selected" in out, out
    importer = "from test_a import LIMIT\n\ndef test_uses():\n    assert LIMIT < 100\n"
    write(root, {"tests/test_a.py": module.format(5), "tests/test_b.py": importer})
    commit(root, "an importer")
    out = _agree(root, {"tests/test_a.py": module.format(500)}, {"unit"})
    assert "another module may import it" in out, out
