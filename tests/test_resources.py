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
