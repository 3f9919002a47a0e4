"""``infra.ties``: the cases around a tie (the tie itself, end to end: ``tests/test_fidelity.py``).

Each test makes a real repository with real direct hooks, records the charges the sessions
would have left (``infra.claims``), and lets ``ties.resolve`` run the hooks again for real.
"""

from __future__ import annotations

import os
from pathlib import Path

from infra import changes, claims, execute, project, results, state, ties
from infra.results import HookResult, SessionResult, Status
from tests.conftest import commit, git_dir, write

FIXER = "python -c \"import pathlib; pathlib.Path('data/v.txt').write_text('fixed\\\\n')\""
IDLE = 'python -c "pass"'
DELETER = "python -c \"import pathlib; pathlib.Path('data/v.txt').unlink()\""


def _repo(root: Path, first: str, second: str) -> Path:
    git_dir(root)
    hooks = "".join(
        f"  - id: {hid}\n    name: {hid}\n    entry: {entry}\n    language: system\n    pass_filenames: false\n"
        for hid, entry in (("first", first), ("second", second))
    )
    write(
        root,
        {
            ".pre-commit-config.yaml": f"repos:\n- repo: local\n  hooks:\n{hooks}",
            "pyproject.toml": "[tool.infra.sessions]\none = ['first']\ntwo = ['second']\n",
            "data/v.txt": "1\n",
        },
    )
    commit(root, "base")
    return root


def _tied(root: Path, modified_now: str | None, *, clean: bool = True, besides: bool = False) -> list[str]:
    """Both hooks charged with data/v.txt on timing alone; the file as the run left it."""
    proj = project.load(root)
    run_id = "r"
    for session, key in (("one", "first"), ("two", "second")):
        failed = HookResult(
            key=key, id=key, status=Status.FAILED, reason="files were modified by this hook: data/v.txt"
        )
        results.write(root, SessionResult(session=session, run_id=run_id, hooks=(failed,), wall_s=1, cpu_s=1, peak_rss_mb=1, changes="x"))  # fmt: skip
        uncharged = HookResult(key=key, id=key, status=Status.PASSED, reason="").to_dict()
        tie = claims.Tie(("data/v.txt", "data/w.txt"), ("data/v.txt",) if clean else (), uncharged)
        if key == "first" or not besides:
            claims.stand(root, run_id, session, {key: tie})
        claims.publish(root, run_id, session, {"data/v.txt": claims.TIMED})
    target = root / "data/v.txt"
    if modified_now is None:
        target.unlink()
    else:
        target.write_text(modified_now)
    change = changes.find(root, os.environ, force_all=True)
    return ties.resolve(proj, run_id, execute.decide_all(proj, os.environ, change), os.environ)


def _verdicts(root: Path) -> dict[str, tuple[Status, str]]:
    return {h.key: (h.status, h.reason) for r in results.read_run(root, "r") for h in r.hooks}


def test_the_hook_that_does_not_rewrite_is_cleared_of_that_file_only(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", FIXER, IDLE)
    lines = _tied(root, "fixed\n")
    assert lines == ["data/v.txt: not modified by second when run again alone; charge dropped"]
    verdicts = _verdicts(root)
    assert verdicts["first"] == (Status.FAILED, "files were modified by this hook: data/v.txt")
    assert verdicts["second"] == (
        Status.FAILED,
        "files were modified by this hook: data/w.txt",
    )  # still charged
    assert (root / "data/v.txt").read_text() == "fixed\n"  # as the run left it


def test_when_no_hook_rewrites_the_file_every_charge_stays(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", IDLE, IDLE)
    assert _tied(root, "by someone\n") == []
    assert {s for s, _ in _verdicts(root).values()} == {Status.FAILED}
    assert (root / "data/v.txt").read_text() == "by someone\n"


def test_a_file_deleted_by_the_run_stays_deleted(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", DELETER, IDLE)
    assert _tied(root, None) == ["data/v.txt: not modified by second when run again alone; charge dropped"]
    assert not (root / "data/v.txt").exists()


def test_a_file_dirty_before_the_run_is_not_run_again(tmp_path: Path) -> None:
    """No clean content to start from: both keep the charge, and nothing runs."""
    root = _repo(tmp_path / "r", FIXER, IDLE)
    assert _tied(root, "dirty\n", clean=False) == []
    assert (root / "data/v.txt").read_text() == "dirty\n"


def test_a_tie_with_an_opaque_pytest_process_clears_only_the_direct_hook(tmp_path: Path) -> None:
    """The other side published a charge but cannot be run again (a pytest process, say): the
    direct hook that does not rewrite the file is cleared, the other keeps it."""
    root = _repo(tmp_path / "r", IDLE, FIXER)
    assert _tied(root, "fixed\n", besides=True) == ["data/v.txt: not modified by first when run again alone; charge dropped"]  # fmt: skip
    assert _verdicts(root)["second"][0] is Status.FAILED


def test_nothing_standing_nothing_to_do(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", IDLE, IDLE)
    proj = project.load(root)
    assert ties.resolve(proj, "none", {}, os.environ) == []
    assert not state.run_dir(root, "none").exists()
