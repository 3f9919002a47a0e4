"""A pytest plugin loaded into consolidated runs (``-p infra.pytest_report``).

It writes, to the file named by ``INFRA_PYTEST_REPORT``:

- every test's outcome and duration, and every collection error, with node ids relative to
  the directory pytest started in (the repository root), for attribution back to hooks;
- the files each test read and the directories it listed (from Python's audit events
  ``open``, ``os.listdir``, ``os.scandir``, ``glob.glob``), whether it started a subprocess
  (whose reads we cannot see), and what was read outside any test (conftest import,
  collection). testmon sees only executed code; this is how a test that reads a YAML file,
  or another test file as text, is found again when that file changes.

With ``INFRA_RESTORE`` (a JSON file: ``{"targets": [...], "changed": [...], "known": {...}}``)
it also puts back, after testmon's deselection, every test that must run anyway: owned by a
target that runs fully, unknown to our read records, a subprocess starter, or a reader of a
changed file. Under xdist each process tracks and restores; workers send their reads with
their reports, and their outside-test reads in a side file.
"""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from infra.attribution import owns

ENV = "INFRA_PYTEST_REPORT"
RESTORE_ENV = "INFRA_RESTORE"
_RANK = {"passed": 0, "skipped": 1, "failed": 2}
_READ_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "sqlite3.connect"})
_SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork"}
)
_READS_PROPERTY = "infra_reads"
_STDLIB = sysconfig.get_paths()["stdlib"]
_TOOLING = (
    "/_pytest/",
    "/pytest/",
    "/testmon/",
    "/coverage/",
    "/pluggy/",
    "/xdist/",
    "/execnet/",
    "/infra/pytest_report",
)


def _writes_only(args: tuple[Any, ...]) -> bool:
    """An ``open`` audit event that only writes (``open(p, "w")``, ``os.open(p, O_WRONLY)``)."""
    mode = args[1] if len(args) > 1 else None
    if isinstance(mode, str):
        return mode[:1] in ("w", "a", "x") and "+" not in mode
    flags = args[2] if len(args) > 2 else 0
    return isinstance(flags, int) and flags & os.O_ACCMODE == os.O_WRONLY


def _called_by_tooling() -> bool:
    """True when the read comes from an import, pytest, testmon, coverage or xdist, not the tests.

    The first frame outside the standard library decides (``pathlib`` or ``io`` called by a
    test still counts for the test).
    """
    frame = sys._getframe(3)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen"):
            return True
        if "site-packages" in filename or not filename.startswith(_STDLIB):
            return any(part in filename for part in _TOOLING)
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _repo_id(config: pytest.Config, nodeid: str) -> str:
    """A node id relative to the directory pytest started in (the repository root)."""
    path, sep, rest = nodeid.partition("::")
    absolute = config.rootpath / path if path else config.rootpath
    try:
        rel = absolute.relative_to(config.invocation_params.dir).as_posix()
    except ValueError:
        rel = absolute.as_posix()
    return f"{rel}{sep}{rest}"


class _Tracker:
    """Audit-hook bookkeeping: which repository paths the current test (or no test) touched."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.root = str(config.invocation_params.dir) + os.sep
        self.current: set[str] = set()
        self.outside: set[str] = set()
        self.in_test = False
        self.shared_fixture = 0  # inside a session/module/class fixture's set-up
        sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event in _READ_EVENTS:
            if event == "open" and _writes_only(args):
                return
            self._touch(args[0] if args else None, listing=event not in ("open", "sqlite3.connect"))
        elif event in _SPAWN_EVENTS and self.in_test:
            self.current.add("<subprocess>")

    def _touch(self, path: Any, *, listing: bool) -> None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str | os.PathLike):
            return
        full = os.path.abspath(os.fspath(path))
        if not full.startswith(self.root) or "__pycache__" in full or _called_by_tooling():
            return
        rel = full[len(self.root) :]
        if listing:
            rel = rel.split("*", 1)[0].rstrip("/") + "/"  # a glob pattern: its fixed directory
        # A wider-scoped fixture's reads serve every later test that uses it: they count for all.
        (self.current if self.in_test and not self.shared_fixture else self.outside).add(rel)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Generator[None]:
        shared = fixturedef.scope != "function"
        self.shared_fixture += shared
        yield
        self.shared_fixture -= shared

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None]:
        self.current = set()
        self.in_test = True
        yield
        self.in_test = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None]:
        outcome = yield
        if call.when == "teardown":
            report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
            report.user_properties.append((_READS_PROPERTY, sorted(self.current)))

    def pytest_sessionfinish(self) -> None:
        out = os.environ.get(ENV)
        if out:
            worker = getattr(self.config, "workerinput", {}).get("workerid", "main")
            Path(f"{out}.outside-{worker}").write_text(json.dumps(sorted(self.outside)))


class _Restorer:
    """Puts back what testmon deselected but must run (see the module docstring)."""

    def __init__(self, config: pytest.Config, spec: dict[str, Any]) -> None:
        self.config = config
        self.targets: list[str] = spec.get("targets", [])
        self.changed = set(spec.get("changed", []))
        self.known: dict[str, list[str]] = spec.get("known", {})
        self.restored = 0
        self._must_files: set[str] | None = None

    def must_run(self, test_id: str) -> bool:
        reads = self.known.get(test_id)
        if reads is None or "<subprocess>" in reads:
            return True
        return bool(self.changed.intersection(reads)) or any(owns(t, test_id) for t in self.targets)

    def _files_to_collect(self) -> set[str]:
        """Files testmon would skip collecting that hold a test we must run."""
        if self._must_files is None:
            select = self.config.pluginmanager.get_plugin("TestmonSelect")
            stable = [_repo_id(self.config, name) for name in getattr(select, "deselected_tests", [])]
            self._must_files = {tid.partition("::")[0] for tid in stable if self.must_run(tid)}
            self._must_files.update(t.partition("::")[0] for t in self.targets)
        return self._must_files

    @pytest.hookimpl(tryfirst=True)
    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """testmon skips collecting files it deems stable; collect those holding must-run tests."""
        select = config.pluginmanager.get_plugin("TestmonSelect")
        if select is None or not select.pytest_ignore_collect(collection_path, config):
            return None
        rel = _repo_id(config, os.path.relpath(collection_path, config.rootpath))
        return False if rel in self._files_to_collect() else None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None]:
        before = list(items)
        yield
        kept = {id(item) for item in items}
        restored = [i for i in before if id(i) not in kept and self.must_run(_repo_id(self.config, i.nodeid))]
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
        self.collect_errors: list[str] = []
        self.deselected = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's outcome is the worst of its phases (setup, call, teardown)."""
        key = _repo_id(self.config, report.nodeid)
        previous = self.tests.get(key)
        if previous is None or _RANK[report.outcome] > _RANK[previous]:
            self.tests[key] = report.outcome
        self.durations[key] = round(self.durations.get(key, 0.0) + report.duration, 4)
        for name, value in report.user_properties:
            if name == _READS_PROPERTY and isinstance(value, list):
                self.reads[key] = [str(v) for v in value]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(_repo_id(self.config, report.nodeid))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        data: dict[str, Any] = {
            "exitstatus": int(exitstatus),
            "tests": self.tests,
            "durations": self.durations,
            "reads": self.reads,
            "collect_errors": self.collect_errors,
            "deselected": self.deselected - (self.restorer.restored if self.restorer else 0),
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.out)


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get(ENV)
    if not out:
        return
    config.pluginmanager.register(_Tracker(config), "infra-tracker")
    restorer = None
    spec_path = os.environ.get(RESTORE_ENV)
    if spec_path:
        restorer = _Restorer(config, json.loads(Path(spec_path).read_text()))
        config.pluginmanager.register(restorer, "infra-restorer")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(config, Path(out), restorer), "infra-recorder")
