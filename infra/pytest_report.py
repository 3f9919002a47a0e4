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


class _Recorder:
    def __init__(self, config: pytest.Config, out: Path) -> None:
        self.config = config
        self.out = out
        self.tests: dict[str, str] = {}
        self.collect_errors: list[str] = []
        self.deselected = 0

    def _repo_id(self, nodeid: str) -> str:
        path, sep, rest = nodeid.partition("::")
        absolute = self.config.rootpath / path if path else self.config.rootpath
        try:
            rel = absolute.relative_to(self.config.invocation_params.dir).as_posix()
        except ValueError:
            rel = absolute.as_posix()
        return f"{rel}{sep}{rest}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's outcome is the worst of its phases (setup, call, teardown)."""
        key = self._repo_id(report.nodeid)
        previous = self.tests.get(key)
        if previous is None or _RANK[report.outcome] > _RANK[previous]:
            self.tests[key] = report.outcome

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(self._repo_id(report.nodeid))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None]:
        """Put back what testmon deselected from the targets that must run fully."""
        full_targets = json.loads(os.environ.get(FULL_TARGETS_ENV, "[]"))
        before = list(items)
        yield
        if not full_targets:
            return
        kept = {id(item) for item in items}
        restored = [
            item
            for item in before
            if id(item) not in kept and any(owns(t, self._repo_id(item.nodeid)) for t in full_targets)
        ]
        items.extend(restored)
        self.deselected -= len(restored)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        data: dict[str, Any] = {
            "exitstatus": int(exitstatus),
            "tests": self.tests,
            "collect_errors": self.collect_errors,
            "deselected": self.deselected,
            "collected": session.testscollected,
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.out)


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get(ENV)
    if out and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(config, Path(out)), "infra-recorder")
