"""``infra reports``: deterministic committed reports, a ``--check`` that fails when one is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import ledger, report_markdown, reports, suite
from infra.ledger import SessionRecord
from infra.main import main
from tests.conftest import commit, git_dir, write

CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: unit-tests
        name: unit tests
        entry: pytest tests/unit -q
        language: system
        pass_filenames: false
        files: ^(src|tests/unit)/.*\\.py$
        stages: [pre-push]
      - id: check-links
        name: links
        entry: python scripts/check_links.py
        language: system
        files: \\.md$
        exclude: ^vendor/
        types: [markdown]
        always_run: true
        stages: [pre-push]
"""

ORDERS = """\
import pytest
from unittest.mock import AsyncMock

pytestmark = [pytest.mark.unit]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_orders(n):
    assert n


@pytest.mark.skip(reason="flaky on CI")
def test_skipped():
    pass


async def test_guard_denies():
    guard = AsyncMock(return_value=False)
    assert not await guard()
"""

GUARD = """\
import pytest


class TestGuard:
    @pytest.mark.slow
    def test_a(self):
        pass
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small repository (config, two test files) as the working directory."""
    root = git_dir(tmp_path / "repo")
    write(
        root,
        {
            ".pre-commit-config.yaml": CONFIG,
            "tests/unit/test_orders.py": ORDERS,
            "tests/test_guard.py": GUARD,
            "tests/conftest.py": "",
        },
    )
    commit(root)
    monkeypatch.chdir(root)
    return root


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(["reports", "--check"])
    return rc, capsys.readouterr().out


def named(out: str) -> set[str]:
    """The reports ``--check`` called stale or missing."""
    return {line.split(":")[0] for line in out.splitlines() if line.endswith((": stale", ": missing"))}


def rec(run: int, session: str = "unit", wall: float = 10.0, **overrides: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "run_id": f"r{run:03d}",
        "session": session,
        "definition_hash": "d",
        "started_at": f"2025-01-01T{run // 60:02d}:{run % 60:02d}:00+00:00",
        "ended_at": f"2025-01-01T{run // 60:02d}:{run % 60:02d}:30+00:00",
        "machine": "0123456789abcdef",
        "status": "success",
        "exit_code": 0,
        "wall_s": wall,
    }
    values.update(overrides)
    return SessionRecord(**values)


def test_two_runs_on_an_unchanged_tree_are_byte_identical(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second run writes nothing, the bytes are the same, and no absolute path leaks in."""
    assert main(["reports"]) == 0
    first = snapshot(project / "reports")
    assert sorted(first) == ["asyncmock.md", "prepush-plan.md", "test-suite.md"]
    assert "(3 updated)" in capsys.readouterr().out
    assert main(["reports"]) == 0
    assert capsys.readouterr().out == "3 reports in reports (0 updated)\n"
    assert snapshot(project / "reports") == first
    for name, data in first.items():
        assert str(project).encode() not in data, name
        assert str(project.parent).encode() not in data, name


def test_check_passes_on_fresh_reports(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Fresh reports: exit 0 and a line saying so; nothing is written."""
    main(["reports"])
    capsys.readouterr()
    before = snapshot(project / "reports")
    assert check(capsys) == (0, "3 reports in reports are fresh\n")
    assert snapshot(project / "reports") == before


def test_unconfigured_asyncmock_makes_only_the_asyncmock_report_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new unconfigured AsyncMock names asyncmock.md (with the finding in the diff), then regenerating fixes it."""
    main(["reports"])
    capsys.readouterr()
    helper = "from unittest.mock import AsyncMock\n\n\nasync def deny(guard):\n    authz = AsyncMock()\n    return await guard(authz)\n"
    write(project, {"tests/unit/helpers.py": helper})
    rc, out = check(capsys)
    assert rc == 1
    assert named(out) == {"reports/asyncmock.md"}
    assert "+**1 finding** in 1 of 4 Python files scanned." in out
    assert "1 of 3 reports out of date: run `infra reports` and commit them" in out
    assert main(["reports"]) == 0
    assert capsys.readouterr().out.startswith("wrote reports/asyncmock.md\n")
    assert check(capsys)[0] == 0
    text = (project / "reports/asyncmock.md").read_text()
    assert "| AM001 | 1 |" in text
    assert "| tests/unit | 1 |" in text
    assert "- `tests/unit/helpers.py:5` AM001" in text


def test_a_new_test_makes_only_the_test_suite_report_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Adding a test names test-suite.md and nothing else; regenerating makes the check pass."""
    main(["reports"])
    capsys.readouterr()
    with (project / "tests/test_guard.py").open("a") as stream:
        stream.write("\n\ndef test_new():\n    pass\n")
    rc, out = check(capsys)
    assert rc == 1
    assert named(out) == {"reports/test-suite.md"}
    assert "+| test functions | 5 |" in out
    main(["reports"])
    assert check(capsys)[0] == 0


def test_a_config_change_makes_only_the_plan_report_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Editing a hook's files filter names prepush-plan.md only."""
    main(["reports"])
    capsys.readouterr()
    config = project / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace("files: \\.md$", "files: ^docs/.*\\.md$"))
    rc, out = check(capsys)
    assert rc == 1
    assert named(out) == {"reports/prepush-plan.md"}


def test_a_missing_report_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No reports directory at all: every report is named missing, exit 1."""
    rc, out = check(capsys)
    assert rc == 1
    assert named(out) == {"reports/asyncmock.md", "reports/prepush-plan.md", "reports/test-suite.md"}
    assert "reports/test-suite.md: missing" in out


def test_a_long_diff_is_cut() -> None:
    """A diff longer than the limit keeps its first lines and says how many more there are."""
    old = "".join(f"{n}\n" for n in range(50))
    lines = reports.diff("x.md", old, old.replace("\n", " changed\n"), 20)
    assert len(lines) == 21
    assert lines[0] == "--- x.md (committed)"
    assert lines[-1] == "... 83 more diff lines"
    assert reports.diff("x.md", "a\n", "b\n", 20)[-1] == "+b"
    assert reports.diff("x.md", "a\r\n", "a\n", 20) == [
        "(the lines are equal: line endings or the final newline differ)"
    ]


def test_generated_reports_come_from_the_ledger_and_are_never_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a ledger: generated/ gets timing.md, timing.svg and a .gitignore; --check ignores them."""
    main(["reports"])
    assert not (project / "reports/generated").exists()
    path = project / ".infra/ledger.jsonl"
    for run in range(3):
        ledger.append(path, rec(run))
    with path.open("ab") as stream:
        stream.write(b"not json\n")
    capsys.readouterr()
    assert main(["reports"]) == 0
    out, err = capsys.readouterr()
    assert "wrote reports/generated/timing.md" in out
    assert "skipped an unreadable line" in err
    generated = project / "reports/generated"
    assert (generated / ".gitignore").read_text().endswith("\n*\n")
    assert "| unit | 3 | 3 | 10.0 |" in (generated / "timing.md").read_text()
    assert (generated / "timing.svg").read_text().startswith("<svg")
    ledger.append(path, rec(9, wall=99.0))
    (generated / "timing.svg").unlink()
    assert check(capsys)[0] == 0


def test_slowest_tests_come_from_recorded_durations(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What prepush runs record per session (.infra/durations/) gives generated/slowest-tests.md,
    slowest first, ties by name."""
    (project / ".infra/durations").mkdir(parents=True)
    (project / ".infra/durations/pytest.json").write_text(
        '{"tests/a.py::test_fast": 0.5, "tests/b.py::test_slow": 3}'
    )
    (project / ".infra/durations/unit.json").write_text('{"tests/a.py::test_slow": 3}')
    assert main(["reports"]) == 0
    text = (project / "reports/generated/slowest-tests.md").read_text()
    assert "3 tests, 6.5 s in total" in text
    rows = [line for line in text.splitlines() if line.startswith("| tests/")]
    assert rows == [
        "| tests/a.py::test_slow | 3.00 |",
        "| tests/b.py::test_slow | 3.00 |",
        "| tests/a.py::test_fast | 0.50 |",
    ]
    assert not (project / "reports/generated/timing.md").exists()
    assert "slowest" not in "".join(map(str, snapshot(project / "reports"))).replace("slowest-tests", "")


@pytest.mark.parametrize("content", ["{not json", '["a"]', '{"t": "slow"}', '{"t": true}'])
def test_bad_durations_are_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """An unusable durations file: one line naming it and the fix, exit 2."""
    (project / ".infra").mkdir()
    (project / ".infra/durations.json").write_text(content)
    assert main(["reports"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "durations.json" in err and "fix or delete the file" in err
    assert len(err.splitlines()) == 1


def test_a_missing_test_tree_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--tests naming nothing: exit 2 with the fix."""
    assert main(["reports", "--tests", "nope"]) == 2
    assert capsys.readouterr().err == "error: nope: no such test directory; pass --tests DIR\n"


def test_no_config_gives_a_plan_report_saying_so(project: Path) -> None:
    """Without a pre-commit config the plan report says there is nothing to plan."""
    (project / ".pre-commit-config.yaml").unlink()
    assert main(["reports"]) == 0
    assert "No pre-commit config: nothing to plan." in (project / "reports/prepush-plan.md").read_text()


def test_a_broken_config_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid config stops with the config loader's one-line error, exit 2."""
    (project / ".pre-commit-config.yaml").write_text("repos: [\n")
    assert main(["reports"]) == 2
    assert "YAML" in capsys.readouterr().err


def test_plan_report_lists_sessions_hooks_and_filters(project: Path) -> None:
    """The plan report has each session, its hooks, runner and filters (pipes escaped for tables)."""
    write(project, {".pre-commit-config.yaml": CONFIG.replace("^(src|tests/unit)", "^(src|tests/unit|`x`)")})
    main(["reports"])
    text = (project / "reports/prepush-plan.md").read_text()
    assert "**2 hooks** pre-commit runs at pre-push, in **2 sessions**." in text
    assert (
        "| unit-tests | pytest | pytest | files `` ^(src\\|tests/unit\\|`x`)/.*\\.py$ ``; no filenames |"
        in text
    )
    assert "files `\\.md$`; exclude `^vendor/`; types markdown; always_run; filenames passed" in text
    assert (
        "pytest invocations (one per configuration):\n\n- rootdir tests/unit, no ini file; no options;"
        in text
    )


def test_plan_notes_carry_no_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a git tree the planner's note names the config: relative in the report."""
    root = tmp_path / "plain"
    write(root, {".pre-commit-config.yaml": CONFIG, "tests/test_a.py": "def test_a():\n    pass\n"})
    monkeypatch.chdir(root)
    assert main(["reports"]) == 0
    text = (root / "reports/prepush-plan.md").read_text()
    assert "- .pre-commit-config.yaml: no repository tree beside the config" in text
    assert str(tmp_path) not in text


def test_exclude_leaves_paths_out_of_both_scans(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--exclude drops a directory from the AsyncMock and test-suite scans and says so."""
    write(
        project,
        {
            "tests/corpus/test_bad.py": "from unittest.mock import AsyncMock\n\n\nasync def test_x(guard):\n"
            "    m = AsyncMock()\n    assert await guard(m)\n"
        },
    )
    main(["reports"])
    assert "`tests/corpus/test_bad.py:5` AM001" in (project / "reports/asyncmock.md").read_text()
    main(["reports", "--exclude", "tests/corpus"])
    rc, out = check(capsys)
    assert rc == 1
    assert "run `infra reports` and commit them" in out
    assert (
        main(["reports", "--check", "--out", "my reports", "--tests", "tests", "--exclude", "tests/corpus"])
        == 1
    )
    hint = "run `infra reports --out 'my reports' --exclude tests/corpus` and commit them"
    assert hint in capsys.readouterr().out
    assert main(["reports", "--check", "--tests", "tests/unit"]) == 1
    assert "run `infra reports --tests tests/unit` and commit them" in capsys.readouterr().out
    mock_report = (project / "reports/asyncmock.md").read_text()
    assert "AM001 |" not in mock_report.replace("| AM001 | 0 |", "")
    assert "scan of `tests/`, excluding `tests/corpus`;" in mock_report
    assert "| test files | 2 |" in (project / "reports/test-suite.md").read_text()


def test_a_test_tree_outside_the_root_is_labelled_from_its_parent(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tests elsewhere: paths relative to its parent directory, never absolute."""
    write(tmp_path, {"elsewhere/suite/test_x.py": "def test_x():\n    pass\n"})
    assert main(["reports", "--tests", str(tmp_path / "elsewhere/suite"), "--out", "out"]) == 0
    text = (project / "out/test-suite.md").read_text()
    assert "| suite | 1 | 1 | 1 |" in text
    assert str(tmp_path) not in text


def test_suite_report_counts_directories_markers_params_and_skips(project: Path) -> None:
    """test-suite.md: per directory, per marker (module pytestmark included), cases, skips, parse errors."""
    write(project, {"tests/unit/test_broken.py": "def test_(:\n"})
    main(["reports"])
    text = (project / "reports/test-suite.md").read_text()
    assert "| test files | 3 |" in text
    assert "| test functions | 4 |" in text
    assert "| test cases (parametrize expanded) | 6 |" in text
    assert "| tests | 1 | 1 | 1 |" in text
    assert "| tests/unit | 2 | 3 | 5 |" in text
    assert "| slow | 1 |\n| unit | 3 |" in text
    assert "| tests/unit/test_orders.py::test_orders | 3 |" in text
    assert "| tests/unit/test_orders.py:12 | test_skipped | skip | flaky on CI |" in text
    assert "## Files that do not parse\n\n- `tests/unit/test_broken.py`" in text


def test_scan_module_follows_pytest_collection_and_markers() -> None:
    """Classes with __init__ and nested non-test functions are not tests; marks inherit; params multiply."""
    source = """
import pytest
from pytest import fixture, mark

CASES = [1, 2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="posix only")

@mark.parametrize("a", [1, 2])
@pytest.mark.parametrize("b", argvalues=(1, 2, 3))
def test_grid(a, b):
    def test_inner():
        pass

@pytest.mark.parametrize("a", CASES)
@pytest.mark.parametrize("b", [*MORE])
@pytest.mark.parametrize("c", [1, 2])
def test_dynamic(a, b, c):
    pass

@pytest.mark.parametrize("x", [1, 2])
class TestOuter:
    pytestmark = [pytest.mark.db]

    @pytest.mark.xfail(reason="bug 7")
    async def test_a(self, x):
        pass

    class TestNested:
        @pytest.mark.skip
        def test_b(self, x):
            pass

        def helper(self):
            pass

class TestWithInit:
    def __init__(self):
        pass

    def test_never(self):
        pass

@pytest.mark.xfail(strict=True)
@pytest.mark.skip("positional reason")
@pytest.mark.skipif(CONDITION)
@pytest.mark.xfail(raises=ValueError)
@hypothesis.settings(deadline=None)
@given
def test_reasons():
    pass

def helper_test():
    pass

@pytest.mark.parametrize
def test_bare_parametrize():
    pass

@pytest.fixture
def test_data():
    return 1

@fixture(scope="module")
def test_more():
    return 2
"""
    tests, skips = suite.scan_module(source, "t.py")
    by_name = {t.name: t for t in tests}
    assert list(by_name) == [
        "test_grid",
        "test_dynamic",
        "TestOuter::test_a",
        "TestOuter::TestNested::test_b",
        "test_reasons",
        "test_bare_parametrize",
    ]
    assert by_name["test_bare_parametrize"][4:] == (1, True, True)
    assert by_name["test_grid"].cases == 6 and not by_name["test_grid"].dynamic
    assert (by_name["test_dynamic"].cases, by_name["test_dynamic"].dynamic) == (2, True)
    assert by_name["TestOuter::test_a"].markers == frozenset({"skipif", "db", "xfail"})
    assert by_name["TestOuter::TestNested::test_b"].cases == 2
    assert by_name["TestOuter::TestNested::test_b"].markers == frozenset({"skipif", "db", "skip"})
    assert not by_name["test_reasons"].parametrized and by_name["test_reasons"].cases == 1
    assert [(s.line, s.target, s.marker, s.reason) for s in skips] == [
        (6, "(module)", "skipif", "if sys.platform == 'win32': posix only"),
        (24, "TestOuter::test_a", "xfail", "bug 7"),
        (29, "TestOuter::TestNested::test_b", "skip", ""),
        (43, "test_reasons", "xfail", ""),
        (44, "test_reasons", "skip", "positional reason"),
        (45, "test_reasons", "skipif", "if CONDITION"),
        (46, "test_reasons", "xfail", ""),
    ]


def test_scan_module_raises_on_a_syntax_error() -> None:
    """An unparsable module is the caller's to report."""
    with pytest.raises(SyntaxError):
        suite.scan_module("def (:\n", "t.py")


def test_python_files_skip_hidden_cache_and_excluded_directories(tmp_path: Path) -> None:
    """Only *.py, sorted, outside .hidden, __pycache__ and excluded paths."""
    write(
        tmp_path,
        {
            name: ""
            for name in (
                "b/test_b.py",
                "a/test_a.py",
                "a/notes.txt",
                ".hidden/test_h.py",
                "__pycache__/test_c.py",
                "skip/test_s.py",
                "a/test_skip.py",
            )
        },
    )
    found = suite.python_files(tmp_path, [tmp_path / "skip", tmp_path / "a/test_skip.py"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/test_a.py", "b/test_b.py"]
    assert suite.is_test_file(Path("x_test.py")) and not suite.is_test_file(Path("conftest.py"))


def test_timing_report_shows_medians_trend_and_gate() -> None:
    """Per session: runs, comparable runs, medians, latest, trend over 20 runs, gate verdict."""
    records = [rec(n, wall=10.0, cpu_s=8.0) for n in range(25)]
    records += [rec(n, wall=11.5, cpu_s=9.0) for n in range(25, 30)]
    records += [rec(30, session="lint", wall=1.0, status="failed")]
    records += [rec(31, session="docs", wall=2.0)]
    text = report_markdown.timing_md(records, "`ledger`")
    assert "32 records, 32 runs." in text
    assert "| unit | 30 | 30 | 10.0 | 8.0 | 11.5 (success) | +15% | ok |" in text
    assert "| lint | 1 | 0 | - | - | 1.0 (failed) | n/a | skipped |" in text
    assert "| docs | 1 | 1 | 2.0 | - | 2.0 (success) | n/a | insufficient |" in text
    assert "No records." in report_markdown.timing_md([], "`ledger`")
    assert report_markdown._trend([0.0] * 5 + [1.0] * 5) == "n/a"


def test_markdown_cells_and_code_spans_are_escaped() -> None:
    """Pipes become \\| in table cells; code with a backtick gets a double fence; newlines collapse."""
    assert report_markdown.table(["a", "n"], [("x|y\nz", 1)], [1]) == [
        "| a | n |",
        "|---|---:|",
        "| x\\|y z | 1 |",
    ]
    assert report_markdown._code("a`b") == "`` a`b ``"
    assert report_markdown._code("ab") == "`ab`"


def test_a_ledger_outside_the_repository_is_named_as_given(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$INFRA_LEDGER elsewhere: the generated timing report names it as given."""
    elsewhere = tmp_path / "shared" / "ledger.jsonl"
    ledger.append(elsewhere, rec(1))
    monkeypatch.setenv("INFRA_LEDGER", str(elsewhere))
    assert main(["reports"]) == 0
    assert f"from `{elsewhere.as_posix()}`" in (project / "reports/generated/timing.md").read_text()


def test_the_installed_command_exits_1_on_a_stale_tree(project: Path) -> None:
    """``python -m infra reports --check`` in a real process: exit 1 and the stale report on stdout."""
    assert main(["reports"]) == 0
    (project / "reports/test-suite.md").write_text("edited by hand\n")
    done = subprocess.run(
        [sys.executable, "-m", "infra", "reports", "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stdout.startswith("reports/test-suite.md: stale\n    --- test-suite.md (committed)\n")
    assert done.stderr == ""
