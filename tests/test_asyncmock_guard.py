"""The runtime AsyncMock guard (``pytest -p infra.asyncmock_guard``), run in real pytest processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from infra.asyncmock_finding import Finding
from infra.asyncmock_guard import read_report
from infra.errors import FatalError

RUNTIME = Path(__file__).parent / "asyncmock_corpus" / "runtime"
_EXPECT = re.compile(r"#\s*expect:\s*AM\d{3}")
_USED = re.compile(r"#\s*used\b")


def run_pytest(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in ``root`` with the guard loaded and nothing inherited from this repo."""
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("INFRA_ASYNCMOCK", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "infra.asyncmock_guard", "-p", "no:cacheprovider", *args],
        cwd=root,
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def write(root: Path, name: str, source: str) -> Path:
    path = root / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def labelled(pattern: re.Pattern[str], files: list[Path]) -> set[str]:
    return {
        f"{file.name}:{n}"
        for file in files
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    }


BYPASS = """
    import asyncio
    from unittest.mock import AsyncMock

    async def guard(authz):
        return "granted" if await authz.check("bob") else "denied"

    def test_bypass():
        authz = AsyncMock()
        assert asyncio.run(guard(authz)) == "granted"

    def test_denied():
        authz = AsyncMock()
        authz.check.return_value = False
        assert asyncio.run(guard(authz)) == "denied"
"""


def test_runtime_shapes_are_reported_exactly(tmp_path: Path) -> None:
    """Every labelled shape is reported with its creation and using lines, and nothing else is."""
    files = [Path(shutil.copy(f, tmp_path)) for f in sorted(RUNTIME.glob("shape_*.py"))]
    report = tmp_path / "guard.json"
    result = run_pytest(tmp_path, *[f.name for f in files], f"--asyncmock-guard-report={report}")
    assert result.returncode == 0, result.stdout
    findings = read_report(report)
    assert {f.created for f in findings} == labelled(_EXPECT, files)
    assert {f.used_at for f in findings} == labelled(_USED, files)


def test_finding_names_test_mock_creator_use_and_line(tmp_path: Path) -> None:
    """A finding says which test, which mock, where it was made, how it was used and by which line."""
    write(tmp_path, "test_one.py", BYPASS)
    report = tmp_path / "guard.json"
    result = run_pytest(tmp_path, env={"INFRA_ASYNCMOCK_REPORT": str(report)})
    assert result.returncode == 0, result.stdout
    assert read_report(report) == [
        Finding(
            test="test_one.py::test_bypass",
            mock="authz.check",
            created="test_one.py:9",
            creator="AsyncMock()",
            use="truth value",
            used_at="test_one.py:6",
            code='return "granted" if await authz.check("bob") else "denied"',
        )
    ]
    assert "1 use(s) of unconfigured AsyncMock results" in result.stdout


def test_strict_mode_fails_exactly_the_tests_with_findings(tmp_path: Path) -> None:
    """In strict mode the bypassing test fails with the finding; the configured one passes."""
    write(tmp_path, "test_one.py", BYPASS)
    result = run_pytest(tmp_path, "--asyncmock-guard=strict", "-rA")
    assert result.returncode == 1
    assert "FAILED test_one.py::test_bypass" in result.stdout
    assert "PASSED test_one.py::test_denied" in result.stdout
    assert "awaited unconfigured authz.check (made at test_one.py:9" in result.stdout


def test_strict_mode_from_the_environment_keeps_a_failure_and_adds_a_section(tmp_path: Path) -> None:
    """A test that fails anyway keeps its own failure, with the guard's finding in a section."""
    write(tmp_path, "test_one.py", BYPASS.replace('== "granted"', '== "nope"'))
    result = run_pytest(tmp_path, env={"INFRA_ASYNCMOCK_GUARD": "strict"})
    assert result.returncode == 1
    assert "AssertionError" in result.stdout
    assert "asyncmock guard" in result.stdout


def test_off_mode_patches_nothing(tmp_path: Path) -> None:
    """`off` leaves unittest.mock alone and writes no report."""
    write(tmp_path, "test_one.py", BYPASS)
    report = tmp_path / "guard.json"
    result = run_pytest(tmp_path, "--asyncmock-guard=off", f"--asyncmock-guard-report={report}")
    assert result.returncode == 0
    assert not report.exists()
    assert "asyncmock guard" not in result.stdout


def test_bad_mode_in_the_environment_is_a_usage_error(tmp_path: Path) -> None:
    """An unknown INFRA_ASYNCMOCK_GUARD value stops pytest with a usage error naming it."""
    write(tmp_path, "test_one.py", BYPASS)
    result = run_pytest(tmp_path, env={"INFRA_ASYNCMOCK_GUARD": "loud"})
    assert result.returncode == 4
    assert "INFRA_ASYNCMOCK_GUARD='loud'" in result.stderr


def test_findings_reach_the_controller_under_xdist(tmp_path: Path) -> None:
    """Workers send findings with their reports; the controller writes one report."""
    write(tmp_path, "test_one.py", BYPASS)
    write(tmp_path, "test_two.py", BYPASS)
    report = tmp_path / "guard.json"
    result = run_pytest(tmp_path, "-n", "2", f"--asyncmock-guard-report={report}")
    assert result.returncode == 0, result.stdout
    assert sorted(f.test for f in read_report(report)) == [
        "test_one.py::test_bypass",
        "test_two.py::test_bypass",
    ]


GUARDED_FORMS = """
    import asyncio
    from unittest.mock import AsyncMock, MagicMock, patch

    async def use(m):
        value = await m.fetch()
        return value

    def test_identity_and_behaviour_are_kept():
        m = AsyncMock()
        value = asyncio.run(use(m))
        assert value is m.fetch.return_value
        assert asyncio.run(use(m)) is value
        assert len(value) == 0 and list(value) == [] and value.child is value.child
        assert asyncio.run(value.method(1)) is value.method.return_value
        assert value and value == value and value != m

    @patch("asyncio.sleep", new_callable=AsyncMock)
    def test_decorated(sleep):
        async def run():
            return f"{await asyncio.sleep(1)}"
        assert asyncio.run(run())

    def test_autospec_delegate():
        fake = patch.object(asyncio, "sleep", autospec=True)
        with fake as sleep:
            async def run():
                return 1 + await asyncio.sleep(1)
            assert asyncio.run(run()) is not None
"""


def test_armed_results_behave_as_before_and_name_decorator_patches(tmp_path: Path) -> None:
    """An armed result is the same object and behaves the same; a @patch names the decorated test."""
    write(tmp_path, "test_forms.py", GUARDED_FORMS)
    report = tmp_path / "guard.json"
    result = run_pytest(tmp_path, f"--asyncmock-guard-report={report}")
    assert result.returncode == 0, result.stdout
    by_test = {(f.test.split("::")[1], f.use): f for f in read_report(report)}
    assert (
        by_test[("test_decorated", "str()/formatting")].creator == "@patch(asyncio.sleep) on test_decorated"
    )
    assert by_test[("test_decorated", "str()/formatting")].created == "test_forms.py:18"
    assert ("test_identity_and_behaviour_are_kept", "len()") in by_test
    assert ("test_identity_and_behaviour_are_kept", ".child") in by_test
    assert ("test_autospec_delegate", "arithmetic") in by_test


def test_unittest_mock_is_restored_after_the_session(tmp_path: Path) -> None:
    """The plugin puts unittest.mock back when pytest unconfigures (in-process runs stay clean)."""
    write(tmp_path, "test_one.py", BYPASS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    code = (
        "import pytest, unittest.mock as m\n"
        "before = (m.AsyncMockMixin._execute_mock_call, m.NonCallableMock.__init__)\n"
        "assert pytest.main(['-q', '-p', 'infra.asyncmock_guard', '-p', 'no:cacheprovider']) == 0\n"
        "assert (m.AsyncMockMixin._execute_mock_call, m.NonCallableMock.__init__) == before\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_read_report_rejects_missing_and_foreign_files(tmp_path: Path) -> None:
    """A missing or foreign report is a FatalError naming the file and what to do."""
    with pytest.raises(FatalError, match="no such guard report"):
        read_report(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": 99, "findings": []}), encoding="utf-8")
    with pytest.raises(FatalError, match="not an asyncmock guard report"):
        read_report(bad)


def test_asyncmock_report_lists_the_runtime_findings_of_every_session(tmp_path: Path) -> None:
    """reports/asyncmock.md shows each session's guard findings (test, mock, made at, use, line)."""
    from infra.reports import committed

    tests = tmp_path / "tests"
    tests.mkdir()
    write(tests, "test_one.py", BYPASS)
    [before] = [r.text for r in committed(tmp_path, tests) if r.name == "asyncmock.md"]
    assert "None recorded: the runtime guard runs" in before
    (tmp_path / ".infra").mkdir()
    run_pytest(tests, env={"INFRA_ASYNCMOCK_REPORT": str(tmp_path / ".infra/asyncmock-guard.unit.json")})
    (tmp_path / ".infra/asyncmock-guard.json").write_text('{"schema": 1, "findings": []}', encoding="utf-8")
    [after] = [r.text for r in committed(tmp_path, tests) if r.name == "asyncmock.md"]
    assert "1 use of an unconfigured awaited result" in after
    row = "| test_one.py::test_bypass | authz.check | test_one.py:9 | truth value | test_one.py:6 |"
    assert row in after


def test_runner_options_write_a_report_only_for_full_runs(tmp_path: Path) -> None:
    """The runner loads the plugin always; only a full run names the session's report file."""
    from infra.asyncmock_guard import runner_options

    assert runner_options(tmp_path, "pytest", full=False) == (["-p", "infra.asyncmock_guard"], {})
    args, env = runner_options(tmp_path, "pytest-tests-x", full=True, mode="strict")
    assert args == ["-p", "infra.asyncmock_guard"]
    assert env == {
        "INFRA_ASYNCMOCK_GUARD": "strict",
        "INFRA_ASYNCMOCK_REPORT": str(tmp_path / ".infra" / "asyncmock-guard.pytest-tests-x.json"),
    }
