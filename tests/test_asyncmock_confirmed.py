"""Fixing what the runtime guard confirmed (``infra asyncmock fix --from-guard``), and --explain."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from infra.asyncmock.confirmed import authorization_shaped, plan_file, rerun
from infra.asyncmock_finding import Finding
from infra.main import main

RUNTIME = Path(__file__).parent / "asyncmock_corpus" / "runtime"


def guard_finding(
    created: str, mock: str, creator: str = "AsyncMock()", test: str = "t.py::test_x"
) -> Finding:
    return Finding(test, mock, created, creator, "truth value", "t.py:1", "if x:")


@pytest.mark.parametrize(
    ("mock", "expected"),
    [
        ("authz.check_permission", True),
        ("factory.return_value.authorize", True),
        ("client.is_admin", True),
        ("openfga.check", True),
        ("mock().can_edit", True),
        ("store.list_user_conversations", False),
        ("client.get_token", False),
        ("cache.checkpoint", False),
    ],
)
def test_authorization_shaped_names(mock: str, expected: bool) -> None:
    """The awaited name's last part decides whether the fix denies (False) or returns None."""
    assert authorization_shaped(mock) is expected


SOURCE = textwrap.dedent(
    """\
    from unittest.mock import AsyncMock, MagicMock, patch


    def test_x(make):
        authz = AsyncMock()  # keep this comment
        store = AsyncMock()
        store.list.return_value = []
        make.return_value = AsyncMock()
        with patch("app.fetch", new_callable=AsyncMock) as fetch:
            pass
        run(Service(AsyncMock()))
        run(AsyncMock())
    """
)


def test_plan_file_configures_each_confirmed_mock_by_its_shape() -> None:
    """Deny for permission checks, `.child.return_value = None` after the assignment, return_value=None
    on a constructor or patch whose own result was used; an unnamed mock's child is left, with why."""
    findings = [
        guard_finding("t.py:5", "authz.check_permission"),
        guard_finding("t.py:6", "store.list_user_conversations"),
        guard_finding("t.py:8", "make.return_value.fetch_document"),
        guard_finding("t.py:9", "fetch", creator="patch(app.fetch)"),
        guard_finding("t.py:11", "mock.get"),
        guard_finding("t.py:12", "mock"),
        guard_finding("t.py:30", "gone"),
    ]
    fixed, planned = plan_file(SOURCE.encode(), "t.py", findings)
    text = fixed.decode()
    assert "    authz = deny_async_mock()  # keep this comment\n" in text
    assert "from infra.testing import deny_async_mock\n" in text
    assert "    store = AsyncMock()\n    store.list_user_conversations.return_value = None\n" in text
    assert (
        "    make.return_value = AsyncMock()\n    make.return_value.fetch_document.return_value = None\n"
        in text
    )
    assert 'patch("app.fetch", return_value=None, new_callable=AsyncMock) as fetch' in text
    assert "run(AsyncMock(return_value=None))" in text
    assert "run(Service(AsyncMock()))" in text
    why = {p.site: p.why for p in planned if not p.how}
    assert why == {
        "t.py:11": "the mock is not assigned to a name here",
        "t.py:30": "no mock call on that line",
    }


def test_a_decorator_patch_is_not_fixed_and_says_why() -> None:
    """A mock made by @patch is named by the test's line; the fix leaves it and says so."""
    source = b"from unittest.mock import patch\n\n@patch('a.b')\ndef test_x(b):\n    pass\n"
    finding = guard_finding("t.py:3", "b", creator="@patch(a.b) on test_x")
    fixed, [planned] = plan_file(source, "t.py", [finding])
    assert fixed == source
    assert (planned.how, planned.why) == ("", "made by a @patch decorator")


def run_guard(root: Path) -> Path:
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    report = root / "guard.json"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "infra.asyncmock_guard", "-p", "no:cacheprovider"],
        cwd=root,
        env={**os.environ, "INFRA_ASYNCMOCK_REPORT": str(report)},
        capture_output=True,
        check=True,
    )
    return report


def test_fix_from_guard_reports_the_masked_bugs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The confirmed mocks get configured; the tests that passed only thanks to them now fail."""
    for name in (
        "shape_001_bypass_through_code.py",
        "shape_002_discarded_result.py",
        "shape_007_patch_new_callable.py",
    ):
        shutil.copy(RUNTIME / name, tmp_path / name.replace("shape_", "test_"))
    report = run_guard(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["asyncmock", "fix", "--from-guard", str(report)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        "MASKED BUG test_001_bypass_through_code.py::test_admin_only: passed only because an unconfigured "
        "AsyncMock result was truthy\n"
    )
    assert "test_001_bypass_through_code.py:16: authz.check_permission: deny_async_mock()" in err
    assert "test_007_patch_new_callable.py:19: fetch_quota: return_value=None" in err
    assert "re-ran 2 test(s): 1 now fail" in err
    assert "authz = deny_async_mock()" in (tmp_path / "test_001_bypass_through_code.py").read_text()


def test_fix_from_guard_diff_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--diff prints the change, runs no test and leaves the files alone."""
    shutil.copy(RUNTIME / "shape_005_partly_configured.py", tmp_path / "test_five.py")
    before = (tmp_path / "test_five.py").read_text()
    report = run_guard(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["asyncmock", "fix", "--from-guard", str(report), "--diff"]) == 0
    out, err = capsys.readouterr()
    assert "+    store.list_user_conversations.return_value = None" in out
    assert "re-ran" not in err
    assert (tmp_path / "test_five.py").read_text() == before


def test_fix_from_guard_names_what_it_cannot_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A finding in a file missing from the tree is a warning and exit 1, with no test run."""
    report = tmp_path / "guard.json"
    data = {"schema": 1, "findings": [guard_finding("gone.py:3", "m.check")._asdict()]}
    report.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["asyncmock", "fix", "--from-guard", str(report), "--no-rerun"]) == 1
    err = capsys.readouterr().err
    assert "gone.py:3: m.check: not fixed (the file is not in this tree); used by t.py::test_x" in err


def test_rerun_reads_each_outcome(tmp_path: Path) -> None:
    """rerun maps node ids to passed/failed/error from pytest's -rA summary."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_a.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef boom():\n    yield\n    raise RuntimeError\n\n"
        "def test_ok():\n    pass\n\ndef test_bad():\n    assert False\n\ndef test_teardown(boom):\n    pass\n",
        encoding="utf-8",
    )
    outcomes = rerun(sys.executable, tmp_path, ["test_a.py"])
    assert outcomes == {
        "test_a.py::test_ok": "passed",
        "test_a.py::test_bad": "failed",
        "test_a.py::test_teardown": "error",
    }


# -- check --explain -------------------------------------------------------------------------

UNKNOWABLE = "from unittest.mock import AsyncMock\n\nasync def test_x(svc):\n    authz = AsyncMock()\n    await svc.run(authz)\n"


def test_check_is_silent_where_it_cannot_know_and_explain_says_who_judges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mock handed to unseen code is no finding (exit 0); --explain names the runtime guard."""
    test = tmp_path / "test_a.py"
    test.write_text(UNKNOWABLE, encoding="utf-8")
    assert main(["asyncmock", "check", str(test)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["asyncmock", "check", "--explain", str(test)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{test}:4:13: AM001 not reported: AsyncMock() handed to code")
    assert "pytest -p infra.asyncmock_guard" in out
    assert err == "no findings; 1 site(s) left to the runtime guard\n"
    assert main(["asyncmock", "check", "--explain", "--format", "json", str(test)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert (entry["code"], entry["reported"]) == ("AM001", False)


def test_explain_does_not_leave_a_reported_site_to_the_guard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A site AM007 reports (the code under test uses its unconfigured child) is a finding, not
    also a candidate; an unreached one stays a candidate."""
    reach = Path(shutil.copytree(Path(__file__).parent / "asyncmock_corpus" / "reach", tmp_path / "reach"))
    used, unreached = reach / "case_123_factory_reaches_use.py", reach / "case_124_factory_never_reached.py"
    assert main(["asyncmock", "check", "--explain", str(used), str(unreached)]) == 1
    out, err = capsys.readouterr()
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["AM007", "AM001"]
    assert out.splitlines()[1].startswith(f"{unreached}:14:30: AM001 not reported")
    assert err == "1 finding(s) in 1 file(s); 1 site(s) left to the runtime guard\n"


def test_check_with_a_guard_report_reports_the_confirmed_sites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--guard-report turns each construction site the guard saw used into AM006 at its call."""
    for name in ("shape_004_factory_return_value.py", "shape_002_discarded_result.py"):
        shutil.copy(RUNTIME / name, tmp_path / name.replace("shape_", "test_"))
    report = run_guard(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["asyncmock", "check", "."]) == 0
    capsys.readouterr()
    assert main(["asyncmock", "check", "--explain", "--guard-report", str(report), "."]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(
        "test_004_factory_return_value.py:22:30: AM006 confirmed at run time: make_auth.return_value.authorize "
        "is awaited unconfigured and used (truth value) at test_004_factory_return_value.py:15"
    )
    assert "test_002_discarded_result.py:15:14: AM001 not reported" in out
    assert err == "1 finding(s) in 1 file(s); 1 site(s) left to the runtime guard\n"
