"""A pytest plugin loaded into consolidated runs (``-p infra.pytest_report``).

It writes, to the file named by ``INFRA_PYTEST_REPORT``, every test's outcome and every
collection error, with node ids made relative to the directory pytest was started in (the
repository root), so results can be attributed back to the hooks whose targets own them. Under
xdist only the controller writes (workers forward their reports to it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from infra.attribution import FULL_TARGETS_ENV, owns

ENV = "INFRA_PYTEST_REPORT"
_RANK = {"passed": 0, "skipped": 1, "failed": 2}


def _repo_id(config: pytest.Config, nodeid: str) -> str:
    """A node id relative to the directory pytest started in (the repository root)."""
    path, sep, rest = nodeid.partition("::")
    absolute = config.rootpath / path if path else config.rootpath
    try:
        rel = absolute.relative_to(config.invocation_params.dir).as_posix()
    except ValueError:
        rel = absolute.as_posix()
    return f"{rel}{sep}{rest}"


class _Restorer:
    """Puts back what testmon deselected from targets that must run fully (every process:
    under xdist the workers collect and select)."""

    def __init__(self, config: pytest.Config, full_targets: list[str]) -> None:
        self.config = config
        self.full_targets = full_targets
        self.restored = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None]:
        before = list(items)
        yield
        kept = {id(item) for item in items}
        restored = [
            item
            for item in before
            if id(item) not in kept
            and any(owns(t, _repo_id(self.config, item.nodeid)) for t in self.full_targets)
        ]
        items.extend(restored)
        self.restored += len(restored)


class _Recorder:
    def __init__(self, config: pytest.Config, out: Path, restorer: _Restorer | None) -> None:
        self.config = config
        self.out = out
        self.restorer = restorer
        self.tests: dict[str, str] = {}
        self.durations: dict[str, float] = {}
        self.collect_errors: list[str] = []
        self.deselected = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's outcome is the worst of its phases (setup, call, teardown)."""
        key = _repo_id(self.config, report.nodeid)
        previous = self.tests.get(key)
        if previous is None or _RANK[report.outcome] > _RANK[previous]:
            self.tests[key] = report.outcome
        self.durations[key] = round(self.durations.get(key, 0.0) + report.duration, 4)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(_repo_id(self.config, report.nodeid))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        data: dict[str, Any] = {
            "exitstatus": int(exitstatus),
            "tests": self.tests,
            "durations": self.durations,
            "collect_errors": self.collect_errors,
            "deselected": self.deselected - (self.restorer.restored if self.restorer else 0),
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.out)


def pytest_configure(config: pytest.Config) -> None:
    full_targets = json.loads(os.environ.get(FULL_TARGETS_ENV, "[]"))
    restorer = _Restorer(config, full_targets) if full_targets else None
    if restorer is not None:
        config.pluginmanager.register(restorer, "infra-restorer")
    out = os.environ.get(ENV)
    if out and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(config, Path(out), restorer), "infra-recorder")
