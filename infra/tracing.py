"""testmon's line tracing on ``sys.monitoring``: the same per-test data at a fraction of the cost.

testmon learns which code each test runs from coverage.py, switching coverage's context at every
test. Under coverage's default C tracer (``sys.settrace``) every line of every call pays a
callback while a test runs, and the first test's set-up often imports the whole service: on the
reference repository's always-run pytest hook that set-up took 8.4 s traced against 5.3 s plain.

On Python 3.12+ coverage.py can trace with ``sys.monitoring`` (PEP 669) instead, which reports a
line once and then switches that line's event off. That is cheap, but on its own it is wrong for
testmon: a line that one test ran is never reported again, so every later test that runs it
loses it from its data, and a later change there deselects those tests (measured on the same
hook: 42 of the 74 file fingerprints a traced run records). Switching every event back on when a
test starts (``sys.monitoring.restart_events()``) makes each line reported once per test, which
is exactly what testmon keeps: the same run recorded the same 74 fingerprints as the C tracer,
and the set-up took 5.35 s.

So, in a pytest process infra starts while testmon collects:

- testmon's coverage is built on ``sys.monitoring`` where the interpreter has it, coverage.py is
  a version whose sys.monitoring core this module was checked against, nobody chose a core
  (``COVERAGE_CORE`` unset) and no other coverage measurement runs; otherwise on the C tracer
  (coverage's own default would be ``sys.monitoring`` on Python 3.14, unchecked there). The
  variable is set only while testmon builds its coverage, around the first test, so neither the
  tests nor anything they start ever sees it: hooks run with the environment pre-commit gives them;
- whenever testmon's coverage runs on ``sys.monitoring`` (chosen here or by the user), events are
  switched back on at every test's start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Mapping

import pytest

CORE_ENV = "COVERAGE_CORE"
# coverage.py 7.4 brought the sys.monitoring core; 7.15.3 warns when a context is switched on it
# (a warning a suite's ``filterwarnings = error`` would turn into a failure), so it stays off there.
CHECKED = ((7, 4), (7, 15, 3))


def testmon_core(environ: Mapping[str, str] = os.environ) -> str | None:
    """The coverage core testmon's measurement is built on; None: the user chose one."""
    if environ.get(CORE_ENV):
        return None
    low, high = CHECKED
    version, measuring = _coverage()
    if sys.version_info >= (3, 12) and low <= version < high and not measuring:
        return "sysmon"
    return "ctrace"


def _coverage() -> tuple[tuple[int, ...], bool]:
    """coverage.py's version, and whether a measurement already runs in this process (pytest-cov,
    ``coverage run``); ``((), False)`` when it is not installed."""
    try:
        import coverage
    except ImportError:
        return (), False
    return tuple(coverage.version_info[:3]), coverage.Coverage.current() is not None


def _monitoring_coverage() -> bool:
    """A coverage measurement runs on ``sys.monitoring`` (coverage.py's tool id is taken)."""
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and monitoring.get_tool(monitoring.COVERAGE_ID) is not None


class Tracing:
    """Registered by ``infra.pytest_report`` in every process that runs tests."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.pending = True  # until testmon has built its coverage
        self.set_here = False

    def _testmon_collects(self) -> bool:
        conf = getattr(self.config, "testmon_config", None)
        return bool(getattr(conf, "collect", False))

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outside testmon's: before it builds coverage
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None]:
        core = testmon_core() if self.pending and self._testmon_collects() else None
        if core:
            os.environ[CORE_ENV] = core
            self.set_here = True
        self.pending = False
        yield

    @pytest.hookimpl(tryfirst=True)  # before any fixture of the test runs
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.set_here:
            os.environ.pop(CORE_ENV, None)
            self.set_here = False
        if self._testmon_collects() and _monitoring_coverage():
            getattr(sys, "monitoring").restart_events()  # noqa: B009 - each line reported once for this test
