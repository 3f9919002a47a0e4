"""Sizing: job count from the machine, longest-first order, xdist only where it pays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import resources

GIB = 1024**3


def test_job_count_is_capped_by_cores_memory_and_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """One job per core, fewer when memory is short or there are fewer sessions."""
    monkeypatch.delenv(resources.JOBS_ENV, raising=False)
    assert resources.job_count(10, cpus=8, memory=64 * GIB) == 8
    assert resources.job_count(3, cpus=8, memory=64 * GIB) == 3
    assert resources.job_count(10, cpus=8, memory=2 * GIB) == 2
    assert resources.job_count(10, cpus=8, memory=0) == 1
    assert resources.job_count(0, cpus=8, memory=64 * GIB) == 1


@pytest.mark.parametrize(
    ("work_s", "jobs", "cpus", "workers"),
    [
        (None, 1, 8, 0),  # never timed: no xdist
        (5.0, 1, 8, 0),  # too little work to pay for a second worker
        (25.0, 1, 8, 2),
        (300.0, 1, 8, 8),  # capped by the cores
        (300.0, 4, 8, 2),  # nox runs 4 sessions: 2 cores left for this one
        (300.0, 2, 2, 0),  # 2 cores, 2 sessions: one core each, no xdist
        (300.0, 1, 2, 2),
    ],
)
def test_xdist_workers(work_s: float | None, jobs: int, cpus: int, workers: int) -> None:
    """Workers only when recorded test time pays for them, never more than the cores left."""
    assert resources.xdist_workers(work_s, jobs=jobs, cpus=cpus) == workers


@pytest.mark.parametrize(
    ("durations", "pole"),
    [
        ({"pytest": 300.0, "docs": 100.0, "meta": 40.0}, "pytest"),
        ({"pytest": 300.0, "docs": 200.0}, None),  # two long sessions share the cores
        ({"pytest": 3.0}, "pytest"),
        ({}, None),  # nothing recorded
    ],
)
def test_long_pole(durations: dict[str, float], pole: str | None) -> None:
    """Only a session twice as long as any other is the long pole."""
    assert resources.long_pole(durations, list(durations) or ["x"]) == pole


def test_the_long_pole_counts_as_running_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The long pole sizes xdist as if alone; the other sessions keep their share."""
    monkeypatch.setenv(resources.JOBS_ENV, "2")
    monkeypatch.setenv(resources.LONG_POLE_ENV, "pytest")
    assert resources.jobs_from_env("pytest") == 1
    assert resources.jobs_from_env("docs") == 2
    assert resources.xdist_workers(300.0, jobs=resources.jobs_from_env("pytest"), cpus=2) == 2


def test_longest_first_uses_recorded_medians(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ledger's recent walls order sessions; unknown ones use the static estimate."""
    monkeypatch.delenv("INFRA_LEDGER", raising=False)
    ledger = tmp_path / ".infra" / "ledger.jsonl"
    ledger.parent.mkdir()
    rows = [{"session": "docs", "wall_s": w, "status": "success"} for w in (9.0, 1.0, 8.0)]
    rows += [{"session": "meta", "wall_s": 3.0, "status": "failed"}, {"session": "x", "status": "skipped"}]
    ledger.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    durations = resources.recorded_durations(tmp_path)
    assert durations == {"docs": 8.0, "meta": 3.0}
    planned = [
        {"name": n, "estimate_s": e} for n, e in (("meta", 1.0), ("docs", 1.0), ("lint", 5.0), ("api", 5.0))
    ]
    assert [p["name"] for p in resources.longest_first(planned, durations)] == ["docs", "api", "lint", "meta"]


def test_no_ledger_means_no_durations(tmp_path: Path) -> None:
    """Without a ledger every session is ordered by its estimate."""
    assert resources.recorded_durations(tmp_path) == {}


def test_jobs_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent's job count reaches sessions through the environment; junk means 1."""
    monkeypatch.setenv(resources.JOBS_ENV, "3")
    assert resources.jobs_from_env() == 3
    monkeypatch.setenv(resources.JOBS_ENV, "lots")
    assert resources.jobs_from_env() == 1


@pytest.mark.parametrize(
    ("durations", "jobs", "alone", "batches"),
    [
        ({}, 2, ["a", "b", "c", "d"], []),  # nothing recorded: nothing folded
        ({"a": 3.0, "b": 0.2}, 2, ["a", "b", "c", "d"], []),  # two recorded sessions for two jobs
        ({"a": 3.0, "b": 0.2, "c": 0.1}, 2, ["a", "d"], [["b", "c"]]),  # d has no record yet
        ({"a": 4.6, "b": 1.8, "c": 1.4, "d": 1.2}, 2, ["a"], [["b", "c", "d"]]),  # the longest alone
        ({"a": 2.0, "b": 2.0, "c": 1.0, "d": 1.0}, 2, [], [["a", "c"], ["b", "d"]]),  # balanced halves
        ({"a": 0.4, "b": 0.4, "c": 0.3, "d": 0.2}, 1, ["a", "b", "c", "d"], []),  # one job: in-process
    ],
)
def test_fold_deals_recorded_sessions_into_one_batch_per_job(
    durations: dict[str, float], jobs: int, alone: list[str], batches: list[list[str]]
) -> None:
    """Recorded sessions share one child per job, longest first into the lightest batch (LPT)."""
    got_alone, got_batches = resources.fold(["a", "b", "c", "d"], durations, jobs=jobs)
    assert (got_alone, got_batches) == (alone, batches)
    folded = [n for b in got_batches for n in b]
    assert sorted(folded + got_alone) == ["a", "b", "c", "d"]  # every session exactly once
    if got_batches:  # one child per job, plus one per session nothing predicts
        assert len(got_alone) + len(got_batches) <= jobs + 4 - len(durations)


@pytest.mark.parametrize(
    ("names", "durations", "worth"),
    [
        (["pytest"], {"pytest": 9.0}, False),  # one session: nothing to run beside it
        (["pytest", "ci"], {"pytest": 2.7, "ci": 0.05}, False),  # ci costs less than its child would
        (["pytest", "ci"], {"pytest": 2.7}, True),  # ci never recorded: assume it pays
        (["pytest", "ci", "lint"], {"pytest": 2.7, "ci": 0.1, "lint": 0.2}, True),
    ],
)
def test_children_only_when_the_rest_outweighs_a_child(
    names: list[str], durations: dict[str, float], worth: bool
) -> None:
    """Parallel children pay only when what runs beside the longest session costs more than a child."""
    assert resources.worth_children(names, durations) is worth


def test_durations_come_from_runs_of_the_same_hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A history of small pushes must not make a full run's session look short: with the hooks that
    run now, only records where exactly those ran count (when there are any)."""
    monkeypatch.delenv("INFRA_LEDGER", raising=False)
    ledger = tmp_path / ".infra" / "ledger.jsonl"
    ledger.parent.mkdir()
    full, small = ["a", "b", "c"], ["a"]
    rows = [{"session": "lint", "wall_s": 0.9, "status": "success", "hooks_run": full}]
    rows += [{"session": "lint", "wall_s": 0.1, "status": "success", "hooks_run": small} for _ in range(4)]
    rows += [{"session": "docs", "wall_s": 0.3, "status": "success", "hooks_run": ["d"]}]
    ledger.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert resources.recorded_durations(tmp_path)["lint"] == 0.1  # all records: mostly small pushes
    now = {"lint": frozenset(full), "docs": frozenset({"d", "e"})}
    assert resources.recorded_durations(tmp_path, now) == {"lint": 0.9, "docs": 0.3}  # docs: no exact match
