"""Machine fingerprint, git state and CI detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import fingerprint
from tests.conftest import commit, git, write


def test_machine_hash_is_stable_and_covers_the_hashed_facts(tmp_path: Path) -> None:
    """Two calls agree; the hash covers cpu model, cores, memory, os, arch, python only."""
    first, second = fingerprint.machine(), fingerprint.machine()
    assert first.hash == second.hash and len(first.hash) == 16 and int(first.hash, 16) >= 0
    assert set(fingerprint.HASHED) < set(first.info)
    assert {"freq_mhz", "loadavg", "os_release", "python_full"} <= set(first.info)
    assert first.info["logical_cores"] >= 1 and first.info["memory_gb"] >= 0
    assert first.info["python"].split()[-1].count(".") == 1  # major.minor only
    assert len(first.info["loadavg"]) == 3


def test_another_cpu_model_is_another_machine(tmp_path: Path) -> None:
    """A different CPU model (a fake /proc/cpuinfo) changes the hash; the load average does not count."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.write_text("processor\t: 0\nmodel name\t: Fast CPU 9000\n")
    two.write_text("processor\t: 0\nmodel name\t: Slow CPU 100\n")
    fast, slow = fingerprint.machine(one), fingerprint.machine(two)
    assert fast.info["cpu_model"] == "Fast CPU 9000"
    assert fast.hash != slow.hash
    assert fingerprint.machine(one).hash == fast.hash


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("processor : 0\nmodel name : AMD EPYC 7763\n", "AMD EPYC 7763"),
        ("processor : 0\nHardware : BCM2835\nModel : Raspberry Pi 4\n", "BCM2835"),
        ("processor : 0\nmodel name :   \n", None),
    ],
)
def test_cpu_model_from_cpuinfo(tmp_path: Path, text: str, model: str | None) -> None:
    """The model name line wins; an empty one falls back to what platform says."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(text)
    found = fingerprint.cpu_model(cpuinfo)
    if model is None:
        assert found == fingerprint.cpu_model(tmp_path / "missing") and found
    else:
        assert found == model


def test_git_state_of_a_repository(repo: Path) -> None:
    """Commit, branch, dirty (tracked changes only) and merge-base with a target branch."""
    write(repo, {"a.txt": "one\n"})
    base = commit(repo, "base")
    git(repo, "checkout", "-q", "-b", "topic")
    write(repo, {"a.txt": "two\n"})
    head = commit(repo, "topic")
    state = fingerprint.git_state(repo, "main")
    assert state == fingerprint.GitState(head, "topic", False, base)
    write(repo, {"untracked.txt": "x\n"})
    assert fingerprint.git_state(repo).dirty is False
    write(repo, {"a.txt": "three\n"})
    assert fingerprint.git_state(repo) == fingerprint.GitState(head, "topic", True, None)
    assert fingerprint.git_state(repo, "no-such-branch").merge_base is None


def test_git_state_detached_and_empty(repo: Path) -> None:
    """Detached HEAD has no branch; a repository without commits has a branch but no commit."""
    assert fingerprint.git_state(repo) == fingerprint.GitState(None, "main", False, None)
    first = commit(repo, "one")
    commit(repo, "two")
    git(repo, "checkout", "-q", "--detach", first)
    assert fingerprint.git_state(repo) == fingerprint.GitState(first, None, False, None)


def test_git_state_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a repository, or without git at all, every field is None."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    nowhere = tmp_path / "plain"
    nowhere.mkdir()
    assert fingerprint.git_state(nowhere, "main") == fingerprint.GitState(None, None, None, None)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert fingerprint.git_state(nowhere) == fingerprint.GitState(None, None, None, None)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_JOB": "t"},
            {"provider": "github", "run_id": "42", "run_attempt": "2", "job": "t"},
        ),
        (
            {"GITLAB_CI": "true", "CI_PIPELINE_ID": "9", "CI_JOB_ID": "3"},
            {"provider": "gitlab", "run_id": "9", "job": "3"},
        ),
        ({"CI": "true", "BUILD_ID": "b7"}, {"provider": "generic", "run_id": "b7"}),
        ({"CI": "1"}, {"provider": "generic", "run_id": None}),
        ({"CI": "false"}, None),
        ({}, None),
    ],
)
def test_ci_from_the_environment(environ: dict[str, str], expected: dict[str, str | None] | None) -> None:
    """GitHub Actions, GitLab CI and a generic CI=true are told apart; a laptop is None."""
    assert fingerprint.ci(environ) == expected


def test_ci_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping, ci() looks at the process environment."""
    for var in ("GITHUB_ACTIONS", "GITLAB_CI"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CI", "yes")
    monkeypatch.setenv("CI_RUN_ID", "5")
    assert fingerprint.ci() == {"provider": "generic", "run_id": "5"}


@pytest.mark.parametrize(
    ("value", "ci"),
    [
        ("", False),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("true", True),
        ("1", True),
    ],
)
def test_ci_has_one_reading_everywhere(value: str, ci: bool) -> None:
    """`CI=false` is not CI, for the ledger's record and for a session's full-run decision alike."""
    from infra import session_main

    environ = {"CI": value}
    assert fingerprint.is_ci(environ) is ci
    assert (fingerprint.ci(environ) is not None) is ci
    assert session_main.wants_all_files(False, environ) is ci
