"""``infra.pytest_abort``: an aborted merged pytest run read as pre-commit would see each hook
(end to end: the renamed-node-id case of ``tests/test_fidelity.py``)."""

from __future__ import annotations

from pathlib import Path

from infra import config, pytest_abort
from infra.attribution import PytestReport
from infra.classify import classify
from infra.plan import Member, Runner

OUTPUT = (
    "ERROR: not found: /repo/tests/test_a.py::test_old\n"
    "(no match in any of [<Module test_a.py>])\n"
    "ERROR: file or directory not found: tests/test_gone.py\n"
    "ERROR: found no collectors for /repo/tests/test_c.py::TestX\n"
)


def _members(tmp_path: Path, *keys: str) -> list[Member]:
    """Local pytest hooks named ``keys``, read from a config as a real plan reads them."""
    path = tmp_path / ".pre-commit-config.yaml"
    hooks = "".join(f"  - id: {k}\n    name: {k}\n    entry: pytest\n    language: system\n" for k in keys)
    path.write_text(f"repos:\n- repo: local\n  hooks:\n{hooks}")
    return [Member(h, classify(h), Runner.PYTEST, "", None) for h in config.load(path).hooks]


def _report(exitstatus: int, tests: dict[str, str], collect_errors: tuple[str, ...] = ()) -> PytestReport:
    return PytestReport(exitstatus, tests, collect_errors, 0)


def test_aborted_means_no_test_ran_for_a_usage_internal_or_interrupt_exit() -> None:
    """Exit 2, 3 or 4 without a test result, or no report at all, is an abort; failures are not."""
    assert pytest_abort.aborted(None)
    assert pytest_abort.aborted(_report(4, {}))
    assert not pytest_abort.aborted(_report(2, {"tests/test_a.py::t": "passed"}))  # interrupted late
    assert not pytest_abort.aborted(_report(1, {}))


def test_not_found_names_the_hooks_whose_targets_pytest_could_not_find() -> None:
    """Relative or absolute (as pytest prints them after a ``cd``), node ids and files alike."""
    written = {
        "renamed": ["tests/test_a.py::test_old", "tests/test_a.py::test_kept"],
        "deleted": ["tests/test_gone.py"],
        "class": ["tests/test_c.py::TestX"],
        "fine": ["tests/test_b.py"],
    }
    assert pytest_abort.not_found(OUTPUT, Path("/repo"), written) == {
        "renamed": ["tests/test_a.py::test_old"],
        "deleted": ["tests/test_gone.py"],
        "class": ["tests/test_c.py::TestX"],
    }


def test_broken_hooks_are_those_whose_every_target_failed_to_collect(tmp_path: Path) -> None:
    """One target that collected keeps a hook out; a hook without targets is never broken."""
    members = _members(tmp_path, "all", "some", "none")
    targets = {"all": ["tests/a.py", "tests/b.py::t"], "some": ["tests/a.py", "tests/c.py"], "none": []}
    report = _report(2, {}, ("tests/a.py", "tests/b.py"))
    assert [m.hook.key for m in pytest_abort.broken(members, targets, report)] == ["all"]
    assert pytest_abort.broken(members, targets, None) == []
