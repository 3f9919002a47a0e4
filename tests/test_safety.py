"""The mutation harness: mutations are real edits, and a miss is counted as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import example, safety
from tests.conftest import git


@pytest.fixture(scope="module")
def small_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example.create(tmp_path_factory.mktemp("ex") / "repo", startup_manifests=5)


def test_catalogue_has_every_kind_the_issue_asks_for(small_example: Path) -> None:
    """At least 60 mutations: src and test bodies, conftest, deployments, docs, delete, rename."""
    mutations = safety.catalogue(small_example)
    kinds = {m.kind for m in mutations}
    assert len(mutations) >= 60
    assert {"src", "test", "conftest", "deployments", "docs", "delete", "rename", "comment"} <= kinds
    assert len({m.describe for m in mutations}) == len(mutations)


def test_each_mutation_changes_the_tree(tmp_path: Path) -> None:
    """Applying a mutation leaves a diff for git to push (none is a no-op)."""
    root = example.create(tmp_path / "repo", startup_manifests=5)
    for mutation in safety.catalogue(root)[::7]:
        mutation.apply(root)
        assert git(root, "status", "--porcelain").strip(), mutation.describe
        git(root, "checkout", "-q", "--", ".")
        git(root, "clean", "-qfd")


def _outcome(full: set[str], incremental: set[str]) -> safety.Outcome:
    m = safety.Mutation("src", "x", lambda root: None)
    return safety.Outcome(m, frozenset(full), frozenset(incremental), 10, 2)


def test_a_hook_failing_only_in_the_full_run_is_a_miss() -> None:
    """Full fails a hook the incremental run passed: counted as missed; the reverse is not."""
    outcomes = [
        _outcome({"a"}, {"a"}),
        _outcome({"a", "b"}, {"a"}),
        _outcome(set(), {"c"}),
        _outcome(set(), set()),
    ]
    assert [o.missed for o in outcomes] == [frozenset(), frozenset({"b"}), frozenset(), frozenset()]
    assert safety.summary(outcomes) == {
        "mutations": 4,
        "failing_in_full_run": 2,
        "caught_incrementally": 1,
        "missed": 1,
        "tests_incremental": 8,
        "tests_full": 40,
    }


@pytest.mark.slow
def test_harness_end_to_end_catches_a_failing_mutation(tmp_path: Path) -> None:
    """Two mutations through real `nox -t prepush`: a flipped assert fails both ways, a comment passes."""
    root = example.create(tmp_path / "repo", startup_manifests=5)
    mutations = safety.catalogue(root)
    chosen = [
        next(m for m in mutations if m.kind == "test" and "test_fixture_names_are_unique" in m.describe),
        next(m for m in mutations if m.kind == "comment"),
    ]
    outcomes = safety.check(root, chosen, stream_progress=False)
    flipped, comment = outcomes
    assert flipped.full_failed and flipped.incremental_failed == flipped.full_failed
    assert comment.full_failed == frozenset() == comment.missed
    assert comment.tests_incremental < comment.tests_full


@pytest.mark.slow
def test_command_line_prints_the_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m infra.safety --limit 1` prints the mutation count, the totals, and exits 0 on no miss."""
    assert safety.main(["--dir", str(tmp_path / "repo"), "--startup-manifests", "3", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 mutations on ")
    assert "1 mutations, 0 fail a full run, 0 caught incrementally, 0 missed" in out
