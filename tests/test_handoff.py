"""The nox parent's hand-off to its children: the same plan and triggers, or nothing at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from infra import changes, execute, handoff, project, triggers
from tests.conftest import commit, git_dir, write

CONFIG = (
    "repos:\n- repo: local\n  hooks:\n"
    "  - id: docs-check\n    name: docs\n    entry: python -c pass\n    language: system\n    files: \\.md$\n"
)


def _project(root: Path) -> project.Project:
    git_dir(root)
    write(root, {".pre-commit-config.yaml": CONFIG, "README.md": "# x\n", "setup.cfg": ""})
    commit(root)
    return project.load(root)


def _decided(proj: project.Project) -> tuple[changes.ChangeSet, dict[str, triggers.Trigger]]:
    change = changes.find(proj.root, {}, force_all=True)
    return change, execute.decide_all(proj, os.environ, change)


def test_a_child_loads_exactly_what_the_parent_decided(tmp_path: Path) -> None:
    """Round trip: the child's plan, change set and triggers equal the parent's."""
    proj = _project(tmp_path / "repo")
    change, decided = _decided(proj)
    assert handoff.write(proj.root, "run1", handoff.Handoff(proj, change, decided, os.getpid()))
    got = handoff.load(proj.root, "run1")
    assert got is not None
    assert got.project.plan == proj.plan and got.change == change and got.decided == decided
    assert got.decided["docs-check"].filenames == ("README.md",)
    handoff.remove(proj.root, "run1")
    assert handoff.load(proj.root, "run1") is None
    handoff.remove(proj.root, "run1")  # gone already: no error


def test_no_run_id_or_a_broken_file_means_compute_it_yourself(tmp_path: Path) -> None:
    """A session run on its own, or a truncated / foreign file, gives None, never an exception."""
    proj = _project(tmp_path / "repo")
    assert handoff.load(proj.root, None) is None
    assert handoff.load(proj.root, "never-written") is None
    path = handoff.path(proj.root, "run2")
    path.parent.mkdir(parents=True)
    for content in (
        b"",
        b"not a pickle",
        b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.",
    ):  # last: int 1
        path.write_bytes(content)
        assert handoff.load(proj.root, "run2") is None


def test_a_hand_off_counts_only_in_its_writer_and_the_writers_children(tmp_path: Path) -> None:
    """A file left by a killed run (or found under a run id shared through the environment) is
    another process's: ignored, so no stale change set reaches this run."""
    proj = _project(tmp_path / "repo")
    change, decided = _decided(proj)
    other = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    handoff.write(proj.root, "run3", handoff.Handoff(proj, change, decided, int(other.stdout)))
    assert handoff.load(proj.root, "run3") is None
    handoff.write(proj.root, "run3", handoff.Handoff(proj, change, decided, os.getppid()))  # our parent's
    assert handoff.load(proj.root, "run3") is not None


def test_an_unwritable_state_directory_only_costs_the_shortcut(tmp_path: Path) -> None:
    """Writing is best effort: where it cannot be written, children compute for themselves."""
    proj = _project(tmp_path / "repo")
    change = changes.find(proj.root, {}, force_all=True)
    (proj.root / ".infra").write_text("a file where the state directory should be")
    assert handoff.write(proj.root, "run4", handoff.Handoff(proj, change, {}, os.getpid())) is None
    assert handoff.load(proj.root, "run4") is None
