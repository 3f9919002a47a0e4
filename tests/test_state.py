"""The owner of infra's files: safe names, atomic writes, the ledger path, runs kept and swept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from infra import ledger, resources, state
from infra.main import main
from tests.conftest import commit, git_dir, write

HOSTILE = [
    "../../../../../escape-probe",
    "..",
    ".",
    "",
    "a/b",
    "/etc/passwd",
    "x\x00y",
    "é" * 200,
    "-rf",
    ".git",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_stays_one_file_inside_its_directory(tmp_path: Path, name: str) -> None:
    """Every name, however hostile, becomes one plain file name inside the directory it is put in."""
    encoded = state.safe_name(name)
    assert "/" not in encoded and "\x00" not in encoded and encoded not in ("", ".", "..")
    assert not encoded.startswith(("-", ".")) and len(encoded) <= 80
    assert (tmp_path / encoded).resolve().parent == tmp_path.resolve()
    for path in (
        state.result_path(tmp_path, name, name),
        state.testmon_stem(tmp_path, name, name),
        state.durations_path(tmp_path, name),
    ):
        assert path.resolve().is_relative_to((tmp_path / ".infra").resolve()), path


def test_plain_names_are_kept_and_distinct_names_stay_distinct() -> None:
    """A plain name is its own file name; encoding never maps two names to one."""
    assert state.safe_name("pytest-tests-x_1.2") == "pytest-tests-x_1.2"
    assert len({state.safe_name(n) for n in [*HOSTILE, "a%2Fb", "a~2Fb", "a_b"]}) == len(HOSTILE) + 3
    assert all("%" not in state.safe_name(n) for n in HOSTILE)  # SQLite's file: URIs decode %XX
    assert state.name_of(state.safe_name("../x y")) == "../x y"


def test_durations_files_lists_every_sessions_record(tmp_path: Path) -> None:
    """Readers of per-test durations find each session's file where the writers put it."""
    assert state.durations_files(tmp_path) == []
    first, second = state.durations_path(tmp_path, "pytest"), state.durations_path(tmp_path, "../x")
    first.write_text("{}")
    second.write_text("{}")
    assert state.durations_files(tmp_path) == sorted([first.resolve(), second.resolve()])


def test_concurrent_atomic_writes_never_collide(tmp_path: Path) -> None:
    """600 writes of one file from 12 threads: no error, and the file is always one whole write."""
    target = tmp_path / "shared.json"
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(50):
                state.write_atomic(target, f'{{"writer": {n}, "i": {i}}}' + " " * 4000)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert target.read_text().startswith('{"writer": ') and len(target.read_text()) > 4000
    assert [p.name for p in tmp_path.iterdir()] == ["shared.json"]


def test_a_failed_atomic_write_leaves_neither_file_nor_temp(tmp_path: Path) -> None:
    """A write that fails (here: the target is a directory) removes its temp file and raises."""
    (tmp_path / "taken").mkdir()
    with pytest.raises(OSError):
        state.write_atomic(tmp_path / "taken", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_the_state_directory_is_created_git_ignored(tmp_path: Path) -> None:
    """The state directory comes with a `.gitignore` of `*`: infra never dirties the user's tree."""
    assert state.directory(tmp_path) == tmp_path.resolve() / ".infra"
    assert (tmp_path / ".infra" / ".gitignore").read_text().endswith("*\n")
    assert state.unwritable(tmp_path.resolve()) is None


def test_an_unwritable_state_directory_falls_back_to_a_temp_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the parent found `.infra/` unwritable, children take its word and use a throwaway directory."""
    root = (tmp_path / "ro").resolve()
    finding = {"root": str(root), "kind": "state", "why": "Permission denied"}
    monkeypatch.setenv(state.PROBLEM_ENV, json.dumps(finding))
    assert state.unwritable(root) == "Permission denied"
    fallback = state.directory(root)
    assert fallback != root / ".infra" and fallback.is_dir() and not (root / ".infra").exists()


def test_check_run_warns_once_and_tells_the_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unwritable ledger: one warning line in the parent, and the children are told to stay quiet."""
    monkeypatch.setenv(state.PROBLEM_ENV, "")  # restored afterwards: check_run sets it
    blocker = tmp_path / "file"
    blocker.write_text("")
    state.check_run(tmp_path, blocker / "ledger.jsonl")  # its parent is a file: cannot be created
    err = capsys.readouterr().err
    assert err.count("warning: ") == 1 and "timing records are not kept" in err
    assert json.loads(os.environ[state.PROBLEM_ENV])["kind"] == "ledger"
    monkeypatch.setattr(state, "_warned", set())
    state.warn_once("x", "y", tmp_path)
    assert capsys.readouterr().err == ""  # the parent said it already
    state.warn_once("x", "y", tmp_path / "elsewhere")  # a nested run of another repository
    assert capsys.readouterr().err.count("warning: x not recorded (y)") == 1


def test_a_nested_run_probes_for_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An enclosing run's finding (inherited env) is dropped by a nested run's parent, which probes anew."""
    root = tmp_path.resolve()
    monkeypatch.setenv(state.PROBLEM_ENV, json.dumps({"root": str(root), "kind": "state", "why": "outer"}))
    state.check_run(root, root / "ledger.jsonl")
    assert state.PROBLEM_ENV not in os.environ and state.unwritable(root) is None


def test_a_custom_ledger_path_is_used_by_every_reader_and_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`[tool.infra] ledger = "custom.jsonl"`: a prepush run writes there, and `infra ledger show`,
    `infra regress`, `infra reports` and the longest-first ordering read it."""
    root = git_dir(tmp_path / "repo")
    hook = "  - id: lint-check\n    name: lint-check\n    entry: python -c pass\n    language: system\n"
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n" + hook,
            "pyproject.toml": '[tool.infra]\nledger = "custom.jsonl"\n',
            "noxfile.py": "import infra.sessions\n\ninfra.sessions.register()\n",
        },
    )
    commit(root)
    cmd = [sys.executable, "-m", "nox", "-t", "prepush", "--", "--all-files"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(ledger.read(root / "custom.jsonl").records) == 1
    assert not (root / ".infra" / "ledger.jsonl").exists()
    monkeypatch.chdir(root)
    assert state.ledger_path(root) == root / "custom.jsonl"
    assert list(resources.recorded_durations(root)) == ["lint"]
    assert main(["ledger", "show"]) == 0
    assert main(["regress"]) == 0
    assert "1 records, 1 sessions" in capsys.readouterr().out
    from infra import reports

    timing = {r.name: r for r in reports.generated(root)[0]}
    assert "`custom.jsonl`" in timing["generated/timing.md"].text
