"""A pytest plugin loaded into consolidated runs (``-p infra.pytest_report``).

It writes, to the file named by ``INFRA_PYTEST_REPORT``, every test's outcome and duration
and every collection error, with node ids relative to the repository root (for attribution
back to hooks), plus what each test read and wrote (``infra.tracker``).

With ``INFRA_RESTORE`` (a spec written by ``infra.selection``, read by ``infra.restore``) it
also puts back, after testmon's deselection, every test that must run anyway, and keeps every
test module collected (importing one can change what other tests see). Under xdist each
process tracks and restores; workers send their reads with their reports, and what they read
outside any test in a side file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from infra import restore, tracing, tracker, wire

ENV = tracker.ENV
WARM_MANIFEST_ENV = wire.WARM_MANIFEST
ALWAYS_MARK = tracker.ALWAYS_MARK
_RANK = {"passed": 0, "skipped": 1, "failed": 2}
_READS_PROPERTY = tracker.READS_PROPERTY
_WRITES_PROPERTY = tracker.WRITES_PROPERTY


class _Restorer:
    """Puts back what testmon deselected but must run (``infra.restore``)."""

    def __init__(self, config: pytest.Config, spec: restore.Spec) -> None:
        self.config = config
        self.spec = spec
        self.restored = 0
        self.collected: list[str] | None = None
        self.filtered: set[int] = set()  # items the run's own -m/-k/--deselect dropped

    def must_run(self, test_id: str) -> bool:
        return self.spec.must_run(test_id)

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        """pytest's own filters (``-m``, ``-k``, ``--deselect``) report what they drop; testmon
        reports stand-ins (not collected items). What the hook's own filter drops is never put back."""
        self.filtered.update(id(item) for item in items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """testmon skips collecting files it deems stable; collect them all the same.

        Importing a test module can change what other tests see (a module-level
        ``os.environ.setdefault``): a full run imports every module, so the narrowed run does too,
        and testmon only deselects tests after collection.
        """
        select = config.pluginmanager.get_plugin("TestmonSelect")
        if select is None or not select.pytest_ignore_collect(collection_path, config):
            return None
        return False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None]:
        before = list(items)
        yield
        kept = {id(item) for item in items}
        select = self.config.pluginmanager.get_plugin("TestmonSelect")
        stable = getattr(select, "deselected_tests", ())
        # What pytest itself collected (its own -k/-m/--deselect applied), before testmon's
        # deselection: a hook owning none of these fails with exit 5 under pre-commit.
        self.collected = [
            tracker.repo_id(self.config, i.nodeid)
            for i in before
            if id(i) in kept or (i.nodeid in stable and id(i) not in self.filtered)
        ]
        restored = [
            i
            for i in before
            if id(i) not in kept
            and id(i) not in self.filtered
            and (i.get_closest_marker(ALWAYS_MARK) or self.must_run(tracker.repo_id(self.config, i.nodeid)))
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
        self.reads: dict[str, list[str]] = {}
        self.writes: dict[str, list[str]] = {}
        self.collect_errors: list[str] = []
        self.collected: list[str] | None = None
        self.deselected = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's outcome is the worst of its phases (setup, call, teardown)."""
        key = tracker.repo_id(self.config, report.nodeid)
        previous = self.tests.get(key)
        if previous is None or _RANK[report.outcome] > _RANK[previous]:
            self.tests[key] = report.outcome
        self.durations[key] = round(self.durations.get(key, 0.0) + report.duration, 4)
        for name, value in report.user_properties:
            if name == _READS_PROPERTY and isinstance(value, list):
                self.reads[key] = [str(v) for v in value]
            elif name == _WRITES_PROPERTY and isinstance(value, list) and value:
                self.writes[key] = [str(v) for v in value]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(tracker.repo_id(self.config, report.nodeid))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """What pytest collected (after every deselection); an xdist controller collects nothing."""
        if not self.config.pluginmanager.hasplugin("dsession"):
            self.collected = [tracker.repo_id(self.config, i.nodeid) for i in session.items]

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        data: dict[str, Any] = {
            "exitstatus": int(exitstatus),
            "tests": self.tests,
            "durations": self.durations,
            "reads": self.reads,
            "writes": self.writes,
            "collect_errors": self.collect_errors,
            "deselected": self.deselected - (self.restorer.restored if self.restorer else 0),
            "cpu_s": _cpu_s(),
            "collected": self.restorer.collected if self.restorer else self.collected,
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.out)


def _cpu_s() -> float:
    """This process's CPU and its reaped children's (xdist workers): a forked warm child's
    (``infra.warm``) is not seen by the session's ``wait4``, so the report carries it."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, 3)


def _start_timeline() -> list[Any]:
    """A cold run under ``infra.warm`` records its imports from here on (``infra.warm_manifest``):
    this module is imported (``-p``) before the initial conftest files are."""
    manifest = os.environ.get(WARM_MANIFEST_ENV)
    if not manifest or not os.environ.get(wire.REPO_ROOT) or os.environ.get("PYTEST_XDIST_WORKER"):
        return []
    from infra import warm_manifest

    found = warm_manifest.plugin(manifest, os.environ[wire.REPO_ROOT])
    return [found] if found is not None else []


_TIMELINE = _start_timeline()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{ALWAYS_MARK}: never deselected by infra's test selection")
    out = os.environ.get(ENV)
    if not out:
        return
    if os.environ.get(wire.TRACK) != "0":
        config.pluginmanager.register(tracker.Tracker(config), "infra-tracker")
    config.pluginmanager.register(tracing.Tracing(config), "infra-tracing")
    restorer = None
    spec_path = os.environ.get(restore.ENV)
    if spec_path:
        restorer = _Restorer(config, restore.read(spec_path))
        config.pluginmanager.register(restorer, "infra-restorer")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(config, Path(out), restorer), "infra-recorder")
        if _TIMELINE:
            config.pluginmanager.register(_TIMELINE[0], "infra-warm-manifest")
