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
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from infra import inputs, restore

ENV = "INFRA_PYTEST_REPORT"
ROOT_ENV = "INFRA_REPO_ROOT"  # the repository root, when pytest starts in a subdirectory
SUBPROCESS = restore.SUBPROCESS
ALWAYS_MARK = "infra_always"  # @pytest.mark.infra_always: never deselected
STAT = "?stat"  # suffix of a path whose metadata (existence, size, mode) was read
IMPORT = "?import"  # suffix of a module imported outside any test (its import-time effects count)
_RANK = {"passed": 0, "skipped": 1, "failed": 2}
_READ_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "sqlite3.connect"})
_WRITE_EVENTS = frozenset({"os.rename", "os.remove", "os.truncate", "os.chmod", "shutil.copyfile"})
_SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork"}
)
TRACKED_NAMES = "<tracked names>"  # ``git ls-files``: depends on the tracked file names only
_LS_FILES_FLAGS = frozenset(
    {"-z", "--cached", "-c", "--full-name", "--", "--deduplicate", "--recurse-submodules"}
)


def is_names_query(args: list[str]) -> bool:
    """``git ls-files`` listing tracked names (pathspecs allowed), nothing about their content."""
    return (
        bool(args)
        and args[0] == "ls-files"
        and all(a in _LS_FILES_FLAGS or not a.startswith("-") for a in args[1:])
    )


_EVENTS = _READ_EVENTS | _WRITE_EVENTS | _SPAWN_EVENTS
_READS_PROPERTY = "infra_reads"
_WRITES_PROPERTY = "infra_writes"
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
    "/infra/inputs",
)
# The import system reads modules through these frozen functions; ``get_data`` called from
# ``pkgutil.get_data`` or ``importlib.resources`` is a data read and counts.
_IMPORT_FRAMES = frozenset({"get_code", "source_to_code", "_compile_bytecode", "exec_module"})


def _writes_only(args: tuple[Any, ...]) -> bool:
    """An ``open`` audit event that only writes (``open(p, "w")``, ``os.open(p, O_WRONLY)``)."""
    mode = args[1] if len(args) > 1 else None
    if isinstance(mode, str):
        return mode[:1] in ("w", "a", "x") and "+" not in mode
    flags = args[2] if len(args) > 2 else 0
    return isinstance(flags, int) and flags & os.O_ACCMODE == os.O_WRONLY


def _writes(args: tuple[Any, ...]) -> bool:
    """An ``open`` audit event that may change the file (any write mode, ``+`` included)."""
    mode = args[1] if len(args) > 1 else None
    if isinstance(mode, str):
        return mode[:1] in ("w", "a", "x") or "+" in mode
    flags = args[2] if len(args) > 2 else 0
    return isinstance(flags, int) and flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)


def _reader(root: str, depth: int) -> str | None:
    """The repository file whose code asked for the read, or None for tooling and imports.

    The first frame outside the standard library decides whether it is tooling (pytest,
    testmon, coverage, xdist, an import); the first frame inside the repository is the reader
    (a library called by project code, e.g. a YAML loader, reads for the project).
    """
    frame = sys._getframe(depth)
    decided = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen"):
            if frame.f_code.co_name in _IMPORT_FRAMES or frame.f_back is None:
                return None
        elif not decided and ("site-packages" in filename or not filename.startswith(_STDLIB)):
            if any(part in filename for part in _TOOLING):
                return None
            decided = True
        if decided and filename.startswith(root):
            return filename[len(root) :]
        frame = frame.f_back  # type: ignore[assignment]
    return "" if decided else None


def _repo_id(config: pytest.Config, nodeid: str) -> str:
    """A node id relative to the repository root (``INFRA_REPO_ROOT``, else where pytest started)."""
    path, sep, rest = nodeid.partition("::")
    absolute = config.rootpath / path if path else config.rootpath
    base = Path(os.environ.get(ROOT_ENV) or config.invocation_params.dir)
    try:
        rel = absolute.relative_to(base).as_posix()
    except ValueError:
        rel = absolute.as_posix()
    return f"{rel}{sep}{rest}"


class _Tracker:
    """Which repository paths the current test (or no test) read, stat-ed and wrote.

    Reads and writes come from audit events; metadata reads from wrappers of ``os.stat``,
    ``os.lstat`` and ``os.access`` (no audit event exists for them; ``os.path.exists``,
    ``getsize``, ``pathlib`` go through these). Each read also names its reader module, so a
    change to a file read once behind a cache reaches every test that ran the caching code.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.root = str(os.environ.get(ROOT_ENV) or config.invocation_params.dir).rstrip(os.sep) + os.sep
        self.current: set[str] = set()
        self.writes: set[str] = set()
        self.outside: set[str] = set()
        self.outside_writes: set[str] = set()
        self.readers: dict[str, set[str]] = {}
        self.in_test = False
        self.shared_fixture = 0  # inside a session/module/class fixture's set-up
        self._local = threading.local()  # re-entry guard: our own stat calls are not the test's
        sys.addaudithook(self._audit)
        self._wrap_metadata()

    def _wrap_metadata(self) -> None:
        for name in ("stat", "lstat", "access"):
            original = getattr(os, name)

            def wrapper(path: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                if not getattr(self._local, "busy", False):
                    self._local.busy = True
                    try:
                        self._touch(path, kind=STAT, depth=3)
                    finally:
                        self._local.busy = False
                return __original(path, *args, **kwargs)

            setattr(os, name, wrapper)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in _EVENTS or getattr(self._local, "busy", False):
            return  # most audit events (imports, compile, exec) are none of ours: the cheap check first
        self._local.busy = True
        try:
            if event in _READ_EVENTS:
                if event == "open" and _writes(args):
                    self._written(args[0] if args else None)
                if not (event == "open" and _writes_only(args)):
                    kind = "" if event in ("open", "sqlite3.connect") else "/"
                    self._touch(args[0] if args else None, kind=kind, depth=3)
            elif event in _WRITE_EVENTS:
                for path in args[:2] if event in ("os.rename", "shutil.copyfile") else args[:1]:
                    self._written(path)
            elif event in _SPAWN_EVENTS and self.in_test:
                self.current.add(self._spawned(event, args))
        finally:
            self._local.busy = False

    def _spawned(self, event: str, args: tuple[Any, ...]) -> str:
        """What a started process depends on: only read-only git queries about the tracked
        names are known (``git ls-files``); anything else is an unknown subprocess."""
        if event != "subprocess.Popen" or len(args) < 3:
            return SUBPROCESS
        argv, cwd = args[1], args[2]
        if isinstance(argv, str | bytes) or not isinstance(argv, list | tuple):
            return SUBPROCESS
        words = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in argv]
        here = os.path.abspath(os.fspath(cwd)) if cwd is not None else os.getcwd()
        if not (here + os.sep).startswith(self.root) or os.path.basename(words[0]) != "git":
            return SUBPROCESS
        return TRACKED_NAMES if is_names_query(words[1:]) else SUBPROCESS

    def _rel(self, path: Any) -> str | None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str | os.PathLike):
            return None
        full = os.path.abspath(os.fspath(path))
        if not full.startswith(self.root):
            return None
        rel = full[len(self.root) :]
        return rel if rel and inputs.is_input(self.root, rel) else None

    def _written(self, path: Any) -> None:
        """A write is also a dependency: whether it leaves the tree modified depends on the file."""
        rel = self._rel(path)
        if rel is not None:
            (self.writes if self.in_test else self.outside_writes).add(rel)
            (self.current if self.in_test and not self.shared_fixture else self.outside).add(rel)

    def _touch(self, path: Any, *, kind: str, depth: int) -> None:
        rel = self._rel(path)
        if rel is None:
            return
        reader = _reader(self.root, depth)
        if reader is None:
            return
        if kind == "/":
            rel = rel.split("*", 1)[0].rstrip("/") + "/"  # a glob pattern: its fixed directory
        else:
            rel += kind
        if reader:
            self.readers.setdefault(rel, set()).add(reader)
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
        self.current = {SUBPROCESS} if item.get_closest_marker(ALWAYS_MARK) else set()
        self.writes = set()
        self.in_test = True
        yield
        self.in_test = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None]:
        outcome = yield
        if call.when == "teardown":
            report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
            report.user_properties.append((_READS_PROPERTY, sorted(self.current)))
            report.user_properties.append((_WRITES_PROPERTY, sorted(self.writes)))

    def imported(self) -> list[str]:
        """Project modules imported so far (outside tests: at start-up and collection)."""
        found = set()
        for module in list(sys.modules.values()):
            rel = self._rel(getattr(module, "__file__", None) or "")
            if rel is not None and rel.endswith(".py"):
                found.add(rel + IMPORT)
        return sorted(found)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self) -> None:
        self.outside.update(self.imported())

    def pytest_sessionfinish(self) -> None:
        out = os.environ.get(ENV)
        if out:
            worker = getattr(self.config, "workerinput", {}).get("workerid", "main")
            side = {
                "outside": sorted(self.outside),
                "outside_writes": sorted(self.outside_writes),
                "readers": {p: sorted(r) for p, r in self.readers.items()},
                "rootdir": _repo_id(self.config, "").rstrip("/") or ".",
            }
            Path(f"{out}.outside-{worker}").write_text(json.dumps(side))


class _Restorer:
    """Puts back what testmon deselected but must run (``infra.restore``)."""

    def __init__(self, config: pytest.Config, spec: restore.Spec) -> None:
        self.config = config
        self.spec = spec
        self.restored = 0

    def must_run(self, test_id: str) -> bool:
        return self.spec.must_run(test_id)

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
        restored = [
            i
            for i in before
            if id(i) not in kept
            and (i.get_closest_marker(ALWAYS_MARK) or self.must_run(_repo_id(self.config, i.nodeid)))
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
            elif name == _WRITES_PROPERTY and isinstance(value, list) and value:
                self.writes[key] = [str(v) for v in value]

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
            "writes": self.writes,
            "collect_errors": self.collect_errors,
            "deselected": self.deselected - (self.restorer.restored if self.restorer else 0),
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.out)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{ALWAYS_MARK}: never deselected by infra's test selection")
    out = os.environ.get(ENV)
    if not out:
        return
    if os.environ.get("INFRA_TRACK") != "0":
        config.pluginmanager.register(_Tracker(config), "infra-tracker")
    restorer = None
    spec_path = os.environ.get(restore.ENV)
    if spec_path:
        restorer = _Restorer(config, restore.read(spec_path))
        config.pluginmanager.register(restorer, "infra-restorer")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(config, Path(out), restorer), "infra-recorder")
