"""The mutation harness: its catalogue meets issue 13's counts, every mutation is a real edit,
and a verdict that differs from pre-commit's is counted as a disagreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import example, safety
from infra.errors import FatalError
from infra.example import srcrepo
from infra.safety import __main__ as cli
from infra.safety import harness
from infra.safety.model import CLASSES, Mutation, undo_in_worktree
from tests.conftest import git


@pytest.fixture(scope="module")
def small_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example.create(tmp_path_factory.mktemp("ex") / "repo", startup_manifests=5)


@pytest.fixture
def src_repo(tmp_path: Path) -> Path:
    return srcrepo.create(tmp_path / "src")


def _everything(example_root: Path) -> list[Mutation]:
    return [*safety.catalogue("example", example_root), *safety.catalogue("src")]


def test_catalogue_meets_the_issue_counts(small_example: Path) -> None:
    """>= 120 mutations, >= 5 per class 1-5, >= 3 per way of class 2, on both repositories."""
    mutations = _everything(small_example)
    count = {cls: sum(m.cls == cls for m in mutations) for cls in CLASSES}
    assert len(mutations) >= 120
    assert all(count[c] >= 5 for c in ("1", "3", "4", "5"))
    assert sum(n for c, n in count.items() if c.startswith("2-")) >= 5
    assert all(n >= 3 for c, n in count.items() if c.startswith("2-"))
    assert {m.repo for m in mutations if m.cls != "ordinary"} == {"example", "src"}
    assert len({m.name for m in mutations}) == len(mutations)


def test_every_src_mutation_changes_the_tree(src_repo: Path) -> None:
    """Each src-repo mutation applies to a fresh repository and leaves a diff for git to push."""
    for mutation in safety.catalogue("src"):
        mutation.apply(src_repo)
        assert git(src_repo, "status", "--porcelain").strip(), mutation.describe
        harness.clean_tree(src_repo)


def test_sampled_example_mutations_change_the_tree(tmp_path: Path) -> None:
    """Every class mutation and every 5th ordinary one on the example leaves a diff."""
    root = example.create(tmp_path / "repo", startup_manifests=5)
    mutations = safety.catalogue("example", root)
    chosen = [m for m in mutations if m.cls != "ordinary"] + [m for m in mutations if m.cls == "ordinary"][
        ::5
    ]
    for mutation in chosen:
        mutation.apply(root)
        assert git(root, "status", "--porcelain").strip(), mutation.describe
        harness.clean_tree(root)


def test_a_stale_catalogue_fails_loudly(src_repo: Path) -> None:
    """A mutation whose text is gone raises instead of silently mutating nothing."""
    (src_repo / "src/stockroom/report.py").write_text("# rewritten\n")
    report_edit = next(m for m in safety.catalogue("src") if m.describe.startswith("report.line: quantity"))
    with pytest.raises(FatalError, match="no longer matches"):
        report_edit.apply(src_repo)


def test_unstaged_fix_keeps_the_broken_commit(src_repo: Path) -> None:
    """Class 4: the working tree holds the parent's content, the index and HEAD the broken commit."""
    mutation = next(m for m in safety.catalogue("src") if m.cls == "4")
    mutation.apply(src_repo)
    git(src_repo, "commit", "-qam", "broken")
    undo_in_worktree(src_repo)
    assert git(src_repo, "diff", "HEAD~1", "--stat").strip() == ""
    assert git(src_repo, "diff", "--cached").strip() == ""
    assert git(src_repo, "diff", "HEAD", "--name-only").strip()


def _outcome(
    pc: set[str], inc: set[str], full: set[str], tests: tuple[int, int] = (2, 10)
) -> harness.Outcome:
    mutation = Mutation("src", "ordinary", "src", "x", lambda root: None)
    return harness.Outcome(
        mutation,
        frozenset(pc),
        harness.NoxRun(frozenset(inc), {"pytest": tests[0]}, 0),
        harness.NoxRun(frozenset(full), {"pytest": tests[1]}, 0),
    )


def test_a_disagreement_is_a_hook_failing_on_one_side_only() -> None:
    """Both directions count (false green, false failure); the full run is reported beside it."""
    green = _outcome({"a", "b"}, {"a"}, {"a", "b"})
    red = _outcome(set(), {"c"}, {"c"})
    same = _outcome({"a"}, {"a"}, {"a"})
    assert green.disagreements == {"b"} and not green.full_disagreements
    assert red.disagreements == red.full_disagreements == {"c"}
    assert not same.disagreements
    assert "(full agrees)" in harness.row(1, green)[5]
    assert harness.row(2, red)[5] == "c"


def test_no_precommit_verdict_is_a_disagreement() -> None:
    """A pre-commit run that printed no verdict cannot confirm anything: it is flagged."""
    outcome = _outcome(set(), set(), set())._replace(precommit_ok=False)
    assert outcome.disagreements == {"<pre-commit gave no verdicts>"}


def test_figures_give_the_ratio_and_the_root_share() -> None:
    """Tests ratio over all mutations; root-session share over one-function src changes."""
    lines = harness.figures([_outcome({"a"}, {"a"}, {"a"}, (1, 10)), _outcome(set(), set(), set(), (3, 10))])
    assert "tests run: 4 incremental / 20 full = 0.20" in "\n".join(lines)
    assert "mean 20%, max 30%" in lines[-1]
    assert "  ordinary       2  disagreements 0" in lines


def test_list_prints_the_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--list --repo src` prints every mutation and the counts per class, runs nothing."""
    assert cli.main(["--list", "--repo", "src", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(safety.catalogue('src'))} mutations" in out
    assert "2-cache" in out and "units.json: kg factor 1000 -> 100" in out
    assert not (tmp_path / "src" / ".infra").exists()


def test_only_and_limit_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--only 2 --limit 3` keeps the first three class-2 mutations; an unknown class is refused."""
    assert (
        cli.main(["--list", "--repo", "src", "--only", "2", "--limit", "3", "--dir", str(tmp_path / "a")])
        == 0
    )
    assert "3 mutations" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        cli.main(["--list", "--only", "9", "--dir", str(tmp_path / "b")])
    assert exc.value.code == 2


@pytest.mark.slow
def test_judge_agrees_with_precommit_on_plain_mutations(src_repo: Path) -> None:
    """A broken function fails unit-tests on every side; a comment fails nothing; each is reverted."""
    mutations = {m.describe: m for m in safety.catalogue("src")}
    broken, comment = mutations["text.slugify: body changed"], mutations["text.py: comment added"]
    outcomes = harness.check(src_repo, [broken, comment])
    assert [o.precommit_failed for o in outcomes] == [frozenset({"unit-tests"}), frozenset()]
    assert [o.disagreements for o in outcomes] == [frozenset(), frozenset()]
    assert 0 < outcomes[0].incremental.total < outcomes[0].full.total
    assert git(src_repo, "status", "--porcelain").strip() == ""
    assert "Revert" in git(src_repo, "log", "-1", "--format=%s")


def test_main_prints_every_row_and_exits_1_on_a_disagreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run path: a row per mutation, the disagreement table, the figures, exit 1 (harness faked)."""
    outcomes = [_outcome({"a"}, {"a"}, {"a"}), _outcome({"unit-tests"}, set(), {"unit-tests"})]
    monkeypatch.setattr(harness, "check", lambda root, mutations, progress, push_reverts: outcomes)
    assert cli.main(["--repo", "src", "--limit", "2", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "disagreements (1 mutations):" in out
    assert "unit-tests (full agrees)" in out
    assert "2 mutations, 1 with a disagreement (1 hook verdicts), 0 where even the full run disagrees" in out
