"""On the example repository, `nox -t prepush` fails exactly the hooks pre-commit fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra import example, precommit, results
from infra.results import Status

SEEDS = (
    "validate-cors-security",  # one of four node ids sharing a file
    "validate-docker-compose-health-checks",  # a class node id
    "validate-kustomize-builds",  # the pytest.ini subdirectory: a warning its own ini turns into an error
    "check-mermaid-styling",  # a pass_filenames script
    "prevent-local-config-commits",  # an always_run pytest hook without stages
)


def _pre_commit_failures(root: Path) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "pre-push", "--all-files", "--verbose"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    verdicts = precommit.parse_verdicts(proc.stdout)
    assert len(verdicts) == len(example.PUSH_HOOK_IDS), proc.stdout[-2000:]
    return {hook_id for hook_id, status in verdicts if status is Status.FAILED}


def _nox_failures(root: Path) -> set[str]:
    env = {**os.environ, "INFRA_RUN_ID": "parity"}
    subprocess.run(
        [sys.executable, "-m", "nox", "-t", "prepush", "--", "--all-files"],
        cwd=root,
        env=env,
        capture_output=True,
        check=False,
    )
    found = results.read_run(root, "parity")
    assert sum(len(r.hooks) for r in found) == len(example.PUSH_HOOK_IDS)
    return {h.id for r in found for h in r.hooks if h.status is Status.FAILED}


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_failure_gives_pre_commits_verdicts(tmp_path: Path, seed: str) -> None:
    """Each seeded failure: the failing hook ids reported equal pre-commit's, hook by hook."""
    root = example.create(tmp_path / "repo", startup_manifests=5, seed_failure=seed)
    theirs = _pre_commit_failures(root)
    assert seed in theirs
    assert _nox_failures(root) == theirs
