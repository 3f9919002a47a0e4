"""The nox parent's hand-off to its children: the same plan and triggers, or nothing at all."""

from __future__ import annotations

import os
from pathlib import Path

from infra import changes, execute, handoff, project
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


def test_a_child_loads_exactly_what_the_parent_decided(tmp_path: Path) -> None:
    """Round trip: the child's plan, change set and triggers equal the parent's."""
    proj = _project(tmp_path / "repo")
    change = changes.find(proj.root, {}, force_all=True)
    decided = execute.decide_all(proj, os.environ, change)
    handoff.write(proj.root, "run1", handoff.Handoff(proj, change, decided))
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
