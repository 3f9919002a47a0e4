"""A team's own reports from ``[tool.infra.reports]``: regenerated, checked and failing like built-ins."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infra import team_reports
from infra.errors import ConfigError
from infra.main import main
from tests.conftest import commit, git_dir, write

SCAN = """\
import pathlib, sys
tests = sorted(p.name for p in pathlib.Path("tests").glob("test_*.py"))
print("# Memory-safety scan")
print()
for name in tests:
    print(f"- {name}: ok")
"""


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two team reports registered: one from stdout, one written to {output}."""
    root = git_dir(tmp_path / "repo")
    py = sys.executable
    write(
        root,
        {
            "tests/test_a.py": "def test_a():\n    pass\n",
            "scripts/scan.py": SCAN,
            "scripts/count.py": "import sys\nopen(sys.argv[1], 'w').write('tests: 1\\n')\n",
            "pyproject.toml": "[tool.infra.reports]\n"
            f'"reports/memory-safety.md" = "{py} scripts/scan.py"\n'
            f'"docs/count.txt" = {{ command = "{py} scripts/count.py {{output}}", timeout = 60 }}\n',
        },
    )
    monkeypatch.chdir(root)
    assert main(["reports"]) == 0
    commit(root)
    return root


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["reports", "--check"])
    return rc, capsys.readouterr().out


def test_team_reports_are_written_and_then_fresh(team: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`infra reports` writes each registered report where its key says; `--check` then passes."""
    assert (team / "reports/memory-safety.md").read_text() == "# Memory-safety scan\n\n- test_a.py: ok\n"
    assert (team / "docs/count.txt").read_text() == "tests: 1\n"
    assert check(capsys) == (0, "5 reports in reports and [tool.infra.reports] are fresh\n")


def test_a_stale_team_report_is_named_with_a_short_diff(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new test file makes the scan stale: --check exits 1 naming it, with the changed line."""
    write(team, {"tests/test_b.py": "def test_b():\n    pass\n"})
    rc, out = check(capsys)
    assert rc == 1
    lines = out.splitlines()
    assert "reports/memory-safety.md: stale" in lines
    assert "    +- test_b.py: ok" in lines
    assert "docs/count.txt: stale" not in lines
    assert lines[-1].startswith("3 of 5 reports out of date: run `infra reports`")  # and 2 built-in scans
    assert main(["reports"]) == 0 and check(capsys)[0] == 0


def test_a_failing_generator_is_one_line_and_leaves_its_report(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A generator that prints half a report then fails: one line naming it, the old file intact."""
    before = (team / "reports/memory-safety.md").read_bytes()
    write(team, {"scripts/scan.py": "print('# half')\nraise SystemExit('scanner broke')\n"})
    capsys.readouterr()
    assert main(["reports"]) == 1
    out = capsys.readouterr().out.splitlines()
    failures = [line for line in out if ": not regenerated: " in line]
    assert failures == [
        f"reports/memory-safety.md: not regenerated: `{sys.executable} scripts/scan.py` exited with code 1: "
        "scanner broke; the file is left as it was"
    ]
    assert (team / "reports/memory-safety.md").read_bytes() == before
    assert check(capsys)[0] == 1


def test_a_hanging_generator_is_stopped_and_named(team: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A generator past its timeout is stopped: one line naming it, no report written."""
    write(
        team,
        {
            "pyproject.toml": "[tool.infra.reports]\n"
            f'"reports/hang.md" = {{ command = "{sys.executable} -c \'import time; time.sleep(60)\'", timeout = 0.5 }}\n'
        },
    )
    capsys.readouterr()
    assert main(["reports"]) == 1
    out = capsys.readouterr().out
    assert "reports/hang.md: not regenerated: " in out and "did not finish in 0.5 s (stopped)" in out
    assert not (team / "reports/hang.md").exists()


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('"/tmp/x.md" = "true"', "inside the repository"),
        ('"../x.md" = "true"', "inside the repository"),
        ('"x.md" = 3', "expected a command string"),
        ('"x.md" = { command = "true", timeout = 0 }', "timeout must be a positive number"),
        ('"x.md" = { command = "true", every = "week" }', "unknown key(s) every"),
    ],
)
def test_bad_registrations_are_config_errors(tmp_path: Path, table: str, problem: str) -> None:
    """A bad entry is one ConfigError naming pyproject.toml, the table and the key."""
    write(tmp_path, {"pyproject.toml": f"[tool.infra.reports]\n{table}\n"})
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.infra.reports\]") as caught:
        team_reports.load(tmp_path)
    assert problem in str(caught.value)


def test_no_pyproject_or_table_means_no_team_reports(tmp_path: Path) -> None:
    """Without pyproject.toml or the table there is nothing to generate; an empty output is a failure."""
    assert team_reports.load(tmp_path) == []
    write(tmp_path, {"pyproject.toml": "[tool.infra]\n"})
    assert team_reports.load(tmp_path) == []
    empty = team_reports.Generator("x.md", "true", 5.0)
    reports, failed = team_reports.generate(tmp_path, [empty])
    assert reports == [] and [f.reason for f in failed] == ["`true` succeeded but wrote nothing"]


def test_unreadable_tables_and_a_missing_output_file(tmp_path: Path) -> None:
    """Invalid TOML or a non-table is a ConfigError; a command given {output} that writes nothing fails."""
    write(tmp_path, {"pyproject.toml": "[tool.infra\n"})
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML .*; fix the file"):
        team_reports.load(tmp_path)
    write(tmp_path, {"pyproject.toml": '[tool.infra]\nreports = "x"\n'})
    with pytest.raises(ConfigError, match=r"\[tool.infra.reports\] must be a table"):
        team_reports.load(tmp_path)
    silent = team_reports.Generator("x.md", "true {output}", 5.0)
    assert [f.reason for f in team_reports.generate(tmp_path, [silent])[1]] == [
        "`true {output}` succeeded but did not write {output}"
    ]
