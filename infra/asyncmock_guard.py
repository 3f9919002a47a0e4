"""A pytest plugin that reports the unconfigured AsyncMock results the code actually uses.

``pytest -p infra.asyncmock_guard``. Awaiting an ``AsyncMock`` whose ``return_value``,
``side_effect`` and ``wraps`` were never configured returns a new, truthy mock, so
``if await authz.check(user, "admin"):`` grants access in a test. Whether that matters is
decided where the result goes, usually in the code under test, often in another package: a
static scan of the test file cannot see it. This plugin watches it happen instead.

When such an await runs, the auto-created result is *armed*: it stays the very same mock (same
identity, same behaviour: a test passes or fails exactly as without the plugin), but the first
time it is *used* (truthiness, comparison, iteration, ``len``/``in``/``[...]``, attribute access,
calling it, arithmetic and numeric conversion, ``str``/``format``, ``with``/``async with``) the
plugin records a finding: the test, where the mock was made (captured cheaply when a root mock
is built: the first frame outside ``unittest.mock``), which mock was awaited, how the value was
used and the line that used it. A result awaited and thrown away (``await m.send(...)``) is
never used, and ``assert_awaited*`` looks at the mock, not at the result: neither is reported.
Uses made by ``unittest.mock`` itself (comparing call arguments in ``assert_called_with``) and
``repr`` do not count.

Modes (``--asyncmock-guard`` or ``INFRA_ASYNCMOCK_GUARD``): ``report`` (default) lists the findings
in the terminal summary and, with ``--asyncmock-guard-report PATH`` or
``INFRA_ASYNCMOCK_REPORT=PATH``, writes them as JSON (``{"schema": 1, "findings": [...]}``) for
``infra asyncmock fix --from-guard`` and ``reports/asyncmock.md``; ``strict`` also fails each
test with its findings; ``off`` patches nothing. Findings travel on the test reports, so they
reach the controller under pytest-xdist. The cost is one extra coroutine frame per await and a
short frame walk per root mock built.

Limits: what runs no method of the value is invisible: identity (``is None``), ``isinstance``,
``hash``, and a value the code only returns or passes on (its receiver decides: if that is the
test and it only checks ``is not None``, nothing is reported). Formatting inside ``logging``,
``structlog`` or ``loguru`` is not counted. Only the first use of each kind, per test, mock and
line, is reported.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from infra import asyncmock_armed, wire
from infra.asyncmock_armed import State
from infra.asyncmock_finding import Finding

MODE_ENV = wire.ASYNCMOCK_GUARD
REPORT_ENV = wire.ASYNCMOCK_REPORT
MODES = ("report", "strict", "off")
SCHEMA = 1
_ATTR = "asyncmock_guard"  # the attribute findings travel on, on pytest's reports


# -- pytest hooks ---------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asyncmock-guard", "unconfigured AsyncMock results (infra)")
    group.addoption(
        "--asyncmock-guard",
        choices=MODES,
        default=None,
        help=f"report (default), strict (fail the test) or off; env {MODE_ENV}",
    )
    group.addoption(
        "--asyncmock-guard-report",
        default=None,
        metavar="PATH",
        help=f"write the findings as JSON to PATH; env {REPORT_ENV}",
    )


def _mode(config: pytest.Config) -> str:
    mode = config.getoption("asyncmock_guard") or os.environ.get(MODE_ENV) or "report"
    if mode not in MODES:
        raise pytest.UsageError(f"{MODE_ENV}={mode!r}: expected one of {', '.join(MODES)}")
    return str(mode)


def pytest_configure(config: pytest.Config) -> None:
    mode = _mode(config)
    if mode == "off" or asyncmock_armed.active() is not None:
        return
    state = asyncmock_armed.install(config.rootpath)
    config.pluginmanager.register(_Plugin(state, strict=mode == "strict"), "infra-asyncmock-guard")


def pytest_unconfigure(config: pytest.Config) -> None:
    asyncmock_armed.uninstall()


class _Plugin:
    def __init__(self, state: State, *, strict: bool) -> None:
        self.state = state
        self.strict = strict

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.state.test, self.state.seen = item.nodeid, set()
        try:
            return (yield)
        finally:
            self.state.test = ""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        found, self.state.pending = self.state.pending, []
        if found:
            setattr(report, _ATTR, [f.to_dict() for f in found])
            if self.strict:
                message = "\n".join(["unconfigured AsyncMock results were used:", *map(str, found)])
                if report.passed:
                    report.outcome, report.longrepr = "failed", message
                else:
                    report.sections.append(("asyncmock guard", message))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for data in getattr(report, _ATTR, None) or ():
            self.state.collected.append(Finding.from_dict(data))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if hasattr(config, "workerinput"):
            return  # an xdist worker: its findings went to the controller with the reports
        target = config.getoption("asyncmock_guard_report") or os.environ.get(REPORT_ENV)
        if target:
            findings = sorted(set(self.state.collected))
            data = {"schema": SCHEMA, "findings": [f.to_dict() for f in findings]}
            Path(target).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        findings = sorted(set(self.state.collected))
        if not findings:
            return
        terminalreporter.section("asyncmock guard")
        for finding in findings:
            terminalreporter.write_line(str(finding))
        terminalreporter.write_line(
            f"{len(findings)} use(s) of unconfigured AsyncMock results: configure return_value/"
            "side_effect, or use infra.testing.deny_async_mock()"
        )


def runner_options(
    root: Path, session: str, *, full: bool, mode: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """What a consolidated pytest run adds to run under the guard: arguments and environment.

    Only a full run writes ``.infra/asyncmock-guard.<session>.json`` (what ``reports/asyncmock.md``
    shows): a run narrowed by test selection would drop the findings of the tests it skipped.
    """
    from infra import state  # the session name may be anything: state encodes it

    env = {MODE_ENV: mode} if mode else {}
    if full:
        env[REPORT_ENV] = str(state.directory(root) / f"asyncmock-guard.{state.safe_name(session)}.json")
    return ["-p", "infra.asyncmock_guard"], env


def read_report(path: Path) -> list[Finding]:
    """The findings of a JSON report written by this plugin."""
    from infra.errors import FatalError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema {data.get('schema')!r}, expected {SCHEMA}")
        return [Finding.from_dict(item) for item in data["findings"]]
    except FileNotFoundError:
        raise FatalError(f"{path}: no such guard report; run pytest -p infra.asyncmock_guard first") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FatalError(f"{path}: not an asyncmock guard report ({exc}); re-run the tests") from None
