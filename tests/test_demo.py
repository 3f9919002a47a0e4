"""``infra demo``: verdict parsing, comparison, the side-by-side table, the incremental edit, and a real run."""

from __future__ import annotations

import ast
import re
import sys
import tempfile
from pathlib import Path

import pytest

import infra.example
from infra import demo
from infra.demo import Mismatch, Scenario, ToolRun
from infra.errors import FatalError
from infra.example import tree
from infra.main import main
from infra.results import Status

P, F, S = Status.PASSED, Status.FAILED, Status.SKIPPED

PRE_COMMIT_OUTPUT = """\
Trailing whitespace.......................................................Passed
- hook id: trailing-whitespace
- duration: 0.05s
Check yaml................................(no files to check)Skipped
- hook id: check-yaml
Run the helm tests........................................................Failed
- hook id: helm-tests
- exit code: 1

tests/test_helm.py::test_a PASSED
Looks like a status line..................................................Passed
not a hook id line
============================== 2 passed, 1 failed, 3 skipped in 0.31s ===============================
Run the helm tests again..................................................Passed
- hook id: helm-tests
5 passed, 1 xfailed, 2 errors in 12.10s (0:00:12)
"""


def _tool(tool: str, wall: float, verdicts: dict[str, Status], tests: int | None = None) -> ToolRun:
    return ToolRun(tool, wall, 0, verdicts, tests)


def test_parse_verdicts_keys_repeated_ids_like_the_config() -> None:
    """Only status lines followed by a hook id count; the 2nd hook with an id is ``id#2``."""
    assert demo.parse_verdicts(PRE_COMMIT_OUTPUT) == {
        "trailing-whitespace": P,
        "check-yaml": S,
        "helm-tests": F,
        "helm-tests#2": P,
    }


def test_count_tests_sums_run_outcomes_over_every_pytest_summary() -> None:
    """Passed, failed, xfailed and xpassed count; skipped and errors do not; no summary is None."""
    assert demo.count_tests(PRE_COMMIT_OUTPUT) == 2 + 1 + 5 + 1
    assert demo.count_tests("Trailing whitespace....Passed\n") is None
    assert demo.count_tests("== no tests ran in 0.01s ==\n3 deselected in 0.2s\n") == 0


def test_compare_names_each_disagreement_and_one_sided_hooks() -> None:
    """Equal maps give nothing; different, missing and extra hooks are each reported in baseline order."""
    assert demo.compare({"a": P, "b": S}, {"b": S, "a": P}) == []
    assert demo.compare({"a": P, "b": S, "c": F}, {"a": F, "c": F, "d": P}) == [
        Mismatch("a", P, F),
        Mismatch("b", S, None),
        Mismatch("d", None, P),
    ]
    # prek names no skipped hook: a hook nox skipped and prek did not report agrees; others do not
    assert demo.compare({"a": P}, {"a": P, "s": S, "d": P}, names_skipped=False) == [Mismatch("d", None, P)]


def test_tool_run_counts_hooks_run_passed_failed() -> None:
    """Skipped hooks are not run."""
    assert _tool("nox", 1.0, {"a": P, "b": F, "c": S, "d": P}).hooks() == "3/2/1"
    assert _tool("nox", 1.0, {}).hooks() == "0/0/0"


def test_render_table_puts_both_tools_side_by_side() -> None:
    """Seconds, speed-up, hooks run/passed/failed and tests per tool, one row per scenario."""
    scenarios = [
        Scenario(
            "full", _tool("pre-commit", 40.0, {"a": P, "b": P}, 62), _tool("nox", 8.0, {"a": P, "b": P}, 55)
        ),
        Scenario(
            "incremental", _tool("pre-commit", 6.04, {"a": P, "b": S}), _tool("nox", 0.0, {"a": F, "b": S})
        ),
    ]
    lines = demo.render_table(scenarios).splitlines()
    assert lines[0].split("  ")[0] == "scenario"
    assert "pre-commit hooks run/passed/failed" in lines[0]
    assert "tests run (pre-commit / nox)" in lines[0]
    assert set(lines[1]) == {"-", " "}
    assert lines[2].split() == ["full", "40.0", "8.0", "5.0x", "2/2/0", "2/2/0", "62", "/", "55"]
    assert lines[3].split() == ["incremental", "6.0", "0.0", "-", "1/1/0", "1/0/1", "-", "/", "-"]
    assert all(line == line.rstrip() for line in lines)


def test_render_table_names_another_baseline_tool() -> None:
    """The baseline's name heads its columns (the benchmark compares prek too)."""
    table = demo.render_table([Scenario("full", _tool("prek", 2.0, {}), _tool("nox", 1.0, {}))], "prek")
    assert "prek s" in table and "prek hooks run/passed/failed" in table and "2.0x" in table


def test_render_verdicts_and_agree() -> None:
    """Agreement is one line per scenario; a disagreement lists each hook and makes agree() false."""
    same = Scenario("full", _tool("pre-commit", 1, {"a": P, "b": S}), _tool("nox", 1, {"a": P, "b": S}))
    differ = Scenario("incremental", _tool("pre-commit", 1, {"a": P, "b": S}), _tool("nox", 1, {"a": F}))
    assert demo.render_verdicts([same]) == ["full: verdicts agree on all 2 hooks"]
    assert demo.agree([same])
    assert demo.render_verdicts([same, differ])[1:] == [
        "incremental: verdicts DIFFER on 2 of 2 hooks",
        "  a: pre-commit passed, nox failed",
        "  b: pre-commit skipped, nox not reported",
    ]
    assert not demo.agree([same, differ])
    assert demo.render_verdicts([Scenario("x", _tool("pre-commit", 1, {}), _tool("nox", 1, {"z": P}))])[
        1
    ] == ("  z: pre-commit not reported, nox passed")


def test_child_env_is_a_developer_push() -> None:
    """Our Python's bin directory comes first on PATH; CI, pushed refs and git redirects are dropped."""
    env = demo.child_env(
        {"PATH": "/usr/bin", "CI": "true", "GIT_DIR": "/elsewhere", "PRE_COMMIT_FROM_REF": "x", "HOME": "/h"},
        {"INFRA_RUN_ID": "r1"},
    )
    assert env == {"PATH": f"{Path(sys.executable).parent}:/usr/bin", "HOME": "/h", "INFRA_RUN_ID": "r1"}


def test_hook_tool_command_all_files_or_pushed_range() -> None:
    """``--all-files`` without refs, ``--from-ref/--to-ref`` with them; verbose, no colour, pre-push stage."""
    assert demo.hook_tool_command(["prek"], None) == [
        "prek",
        "run",
        "--hook-stage",
        "pre-push",
        "--color",
        "never",
        "--verbose",
        "--all-files",
    ]
    assert demo.hook_tool_command(["pc"], ("a1", "b2"))[-4:] == ["--from-ref", "a1", "--to-ref", "b2"]


def test_change_function_commits_one_edit_inside_the_function(tmp_path: Path) -> None:
    """One commit that changes only the chosen function's body, after its docstring."""
    root = infra.example.create(tmp_path / "ex", startup_manifests=1)
    before, after = demo.change_function(root)
    assert before != after
    assert tree.git(root, "rev-parse", "HEAD").strip() == after
    assert tree.git(root, "diff", "--name-only", before, after).split() == [demo.CHANGED_MODULE]
    assert tree.git(root, "status", "--porcelain") == ""
    module = ast.parse((root / demo.CHANGED_MODULE).read_text())
    func = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == demo.CHANGED_FUNCTION)
    assert ast.get_docstring(func)
    assert ast.unparse(func.body[1]) == "kind = kind.strip()"


def test_change_function_refuses_a_repository_of_another_shape(tmp_path: Path) -> None:
    """No module, or no such function in it: one line naming the file and what to do."""
    with pytest.raises(FatalError, match=r"cache\.py: not found; run the demo on a repository made by"):
        demo.change_function(tmp_path)
    (tmp_path / demo.CHANGED_MODULE).parent.mkdir(parents=True)
    (tmp_path / demo.CHANGED_MODULE).write_text("def other():\n    return 1\n")
    with pytest.raises(FatalError, match=r"cache\.py: no function ttl_for; regenerate the example"):
        demo.change_function(tmp_path)


def test_demo_into_a_non_empty_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DIR must be new or empty: exit 2 and one error line, nothing run."""
    (tmp_path / "keep.txt").write_text("mine\n")
    assert main(["demo", str(tmp_path), "--startup-manifests", "1"]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err.strip() == f"error: {tmp_path}: not an empty directory; choose a new or empty directory"
    )
    assert captured.out == ""


@pytest.mark.slow
@pytest.mark.parametrize("host", ["pre-commit", "prek"])
def test_demo_runs_both_tools_and_their_verdicts_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    """Without DIR the demo makes a temp dir, runs both scenarios, prints the table and agreeing verdicts."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("CI", "true")  # dropped for the children: the demo shows a developer's push
    assert main(["demo", "--startup-manifests", "3", "--host", host]) == 0
    out = capsys.readouterr().out
    root = next(tmp_path.glob("infra-demo-*"))
    assert out.startswith(f"example repository: {root} (75 hooks run at pre-push)\n")
    assert f"[1/4] full, {host}: {host} run --hook-stage pre-push --all-files" in out
    table = out[out.index("scenario ") :].splitlines()
    full, incremental = table[2].split(), table[3].split()
    assert full[0] == "full" and full[4:6] == ["75/75/0", "75/75/0"]
    assert incremental[0] == "incremental" and incremental[4] == incremental[5]
    assert int(incremental[-1]) < int(full[-1])  # nox: testmon runs only the tests whose code changed
    assert "full: verdicts agree on all 75 hooks" in out
    ran = 75 if host == "pre-commit" else 16  # prek names no skipped hook
    assert f"incremental: verdicts agree on all {ran} hooks" in out
    assert re.search(r"^load average \(1 min\) [0-9.]+ -> [0-9.]+ on [0-9]+ cores: ", out, re.M)
    assert "On a real repository" in out and "benchmarks/real-replay.md" in out
    assert sorted(p.name for p in (root / ".infra" / "demo").iterdir()) == sorted(
        ["full-nox.log", f"full-{host}.log", "range-nox.log", f"range-{host}.log"]
    )


def test_load_line_says_whether_the_figures_are_contended() -> None:
    assert demo.load_line((0.4, 0, 0), (1.1, 0, 0), 2).endswith("quiet enough for the times above")
    assert demo.load_line((0.4, 0, 0), (3.5, 0, 0), 2) == (
        "load average (1 min) 0.40 -> 3.50 on 2 cores: busy: the times above are contended"
    )


def test_demo_with_prek_missing_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no prek anywhere
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # nor next to our Python
    assert main(["demo", str(tmp_path / "d"), "--host", "prek"]) == 2
    err = capsys.readouterr().err
    assert "prek is not installed; install it (pip install prek)" in err
    assert not (tmp_path / "d").exists()
