"""Which files a push changes: the pushed range, the upstream merge base, or everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import changes
from infra.errors import FatalError
from tests.conftest import commit, git, git_dir, write


def _two_commits(repo: Path) -> tuple[str, str]:
    write(repo, {"a.py": "1\n", "b.md": "x\n"})
    base = commit(repo, "base")
    write(repo, {"a.py": "2\n", "c.yaml": "y\n"})
    return base, commit(repo, "head")


def test_pushed_range_from_pre_commit_env(repo: Path) -> None:
    """PRE_COMMIT_FROM_REF/TO_REF give `git diff FROM...TO`, as pre-commit does."""
    base, head = _two_commits(repo)
    found = changes.find(repo, {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head})
    assert (sorted(found.filenames), found.all_files) == (["a.py", "c.yaml"], False)
    assert found.source.startswith("pushed range")


def test_half_a_range_is_an_error(repo: Path) -> None:
    """FROM without TO is a mistake, said in one line."""
    _two_commits(repo)
    with pytest.raises(FatalError, match="without PRE_COMMIT_TO_REF"):
        changes.find(repo, {"PRE_COMMIT_FROM_REF": "HEAD"})


def test_to_without_from_is_a_push_from_a_root_commit(repo: Path) -> None:
    """prek sets only TO when the pushed history starts at a root commit: every file, as pre-commit."""
    _two_commits(repo)
    found = changes.find(repo, {"PRE_COMMIT_TO_REF": "HEAD"})
    assert found.all_files and "root commit" in found.source


def test_upstream_merge_base_then_all_files(tmp_path: Path) -> None:
    """Without a range: since the merge base with the upstream branch; without upstream: all files."""
    origin = git_dir(tmp_path / "origin")
    write(origin, {"a.py": "1\n", "b.md": "x\n"})
    commit(origin, "base")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert changes.find(clone, {}).filenames == ()
    write(clone, {"a.py": "2\n"})
    commit(clone, "local")
    found = changes.find(clone, {})
    assert (found.filenames, found.source) == (("a.py",), "since merge-base with origin/main")
    everything = changes.find(origin, {})
    assert (sorted(everything.filenames), everything.all_files) == ([".gitignore", "a.py", "b.md"], True)
    assert changes.find(clone, {}, force_all=True).source == "all files (--all-files)"


def test_unrelated_histories_fall_back_to_a_two_dot_diff(repo: Path) -> None:
    """With no merge base (`A...B` fails), the diff is `A..B`, as pre-commit falls back."""
    base, _ = _two_commits(repo)
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "rm", "-rq", "--cached", ".")
    write(repo, {"z.txt": "z\n"})
    git(repo, "add", "z.txt")
    other = commit(repo, "orphan")
    assert "z.txt" in changes.diff(repo, base, other)
