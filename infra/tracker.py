"""What each test touched, from inside the pytest process: the tracking half of our plugin.

Python's audit events tell which files a test opened, which directories it listed, what it
wrote and whether it started a process; wrappers of ``os.stat``, ``os.lstat``, ``os.access``,
``os.readlink`` and the entries ``os.scandir`` hands out (no audit event exists for them) tell
which paths it only checked. Each read
also names its reader, the repository module whose code asked (through any library), so a
change to a file read once behind a cache reaches every test that ran the caching code.
Git internals, state and caches are not inputs (``infra.inputs``). Reads made by pytest,
testmon, coverage, xdist or an import are tooling and not recorded; reads outside any test
(start-up, collection, wider-scoped fixtures) are kept apart, as are the project modules
imported by then (their import-time effects count, ``infra.reads``).

Loaded into every consolidated pytest process by ``infra.pytest_report``: keep imports light.
"""

from __future__ import annotations

import ast
import collections
import functools
import importlib.util
import json
import os
import sys
import sysconfig
import threading
import types
import urllib.parse
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import pytest

from infra import inputs, restore, suite, wire

ENV = wire.PYTEST_REPORT
ROOT_ENV = wire.REPO_ROOT  # the repository root, when pytest starts in a subdirectory
SUBPROCESS = restore.SUBPROCESS
ALWAYS_MARK = "infra_always"  # @pytest.mark.infra_always: never deselected
READS_PROPERTY = "infra_reads"
WRITES_PROPERTY = "infra_writes"
STAT, IMPORT, LATE, RUN, LOCAL = wire.STAT, wire.IMPORT, wire.LATE, wire.RUN, wire.LOCAL  # marks on a path
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
_STDLIB = sysconfig.get_paths()["stdlib"]


def _tooling() -> tuple[str, ...]:
    """Where the tooling's own code lives, as exact directories and files: a substring such as
    ``/coverage/`` would also match a repository checked out under ``.../coverage/`` (or a
    project package named ``pytest``) and silently drop every read the project makes."""
    places = []
    for name in ("_pytest", "pytest", "testmon", "coverage", "pluggy", "xdist", "execnet"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            origin = spec.origin
            places.append(os.path.dirname(origin) + os.sep if origin.endswith("__init__.py") else origin)
    here = os.path.dirname(os.path.abspath(__file__))
    places += [os.path.join(here, f"{m}.py") for m in ("pytest_report", "inputs", "tracker", "restore")]
    return tuple(places)


_TOOLING = _tooling()
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


def _sqlite_path(database: Any) -> Any:
    """The file a ``sqlite3.connect`` opens: a ``file:`` URI (``uri=True``; the audit event does
    not say, and a plain file named ``file:...`` is rare) names it before its ``?query``."""
    if isinstance(database, str) and database.startswith("file:"):
        path = urllib.parse.unquote(database[5:].partition("?")[0].partition("#")[0])
        return path[len("//localhost") :] if path.startswith("//localhost/") else path.removeprefix("//")
    return database


def _resolve(name: str, namespace: Mapping[str, Any]) -> Any:
    """What a dotted callee (``f``, ``mod.f``, ``Class.method``) names, found without running
    code: module and class dictionaries only (no ``__getattr__``, properties or descriptors)."""
    first, *rest = name.split(".")
    found = namespace.get(first)
    for attr in rest:
        if found is None:
            return None
        if isinstance(found, types.ModuleType):
            found = vars(found).get(attr)
            continue
        owner = next(
            (k for k in (found if isinstance(found, type) else type(found)).__mro__ if attr in vars(k)), None
        )
        found = None if owner is None else vars(owner)[attr]
    return found


def _callee_cache_path() -> Path | None:
    """Beside the group's testmon data (``infra.selection``): none when nothing is recorded."""
    data = os.environ.get("TESTMON_DATAFILE")
    return Path(data).with_suffix(".callees.json") if data else None


def _load_json(path: Path | None) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text()) if path is not None else {}
    except (OSError, ValueError):
        return {}  # missing or damaged: rebuilt by this run
    return found if isinstance(found, dict) else {}


def _functions(obj: Any) -> list[types.FunctionType]:
    """The Python functions a call of ``obj`` enters (a decorator's ``__wrapped__`` too)."""
    found: list[types.FunctionType] = []
    for _ in range(8):
        if isinstance(obj, staticmethod | classmethod | types.MethodType):
            obj = obj.__func__
        elif isinstance(obj, functools.partial):
            obj = obj.func
        elif isinstance(obj, types.FunctionType):
            found.append(obj)
            obj = vars(obj).get("__wrapped__")
        elif obj is not None and not isinstance(obj, type | types.ModuleType | types.BuiltinFunctionType):
            obj = vars(type(obj)).get("__call__")  # a callable instance
        else:
            break
    return found


def _cell(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _metadata_kind(call: str, path: Any) -> str:
    """How a metadata read is recorded. ``os.stat`` of a ``.py`` file counts as reading it: its
    recorded metadata leaves the size out (code finding its own file, ``Path(__file__).resolve()``,
    ``lstat``-s every module at import), so a test that checks a module's size must depend on its
    content. ``os.readlink`` reads a symlink's target, which the metadata digest includes."""
    if call == "stat" and isinstance(path, str | bytes | os.PathLike):
        name = os.fspath(path)
        if (name.endswith(b".py") if isinstance(name, bytes) else name.endswith(".py")) and not _resolving():
            return ""
    return STAT


def _resolving() -> bool:
    """Whether ``pathlib.Path.resolve`` asks (it stats the resolved path: a module finding its
    own file does, at import; only whether the path exists matters there)."""
    frame = sys._getframe(4)  # _resolving <- _metadata_kind <- metadata <- the wrapper <- its caller
    for _ in range(3):
        if frame is None:
            return False
        if frame.f_code.co_name == "resolve" and frame.f_code.co_filename.endswith("pathlib.py"):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


_SCANDIR_CODE: types.CodeType | None = None  # the wrapper's: the audit event ``os.scandir`` comes from it


def _reader(root: str, depth: int) -> str | None:
    """The repository file whose code asked for the read, or None for tooling and imports.

    The first frame outside the standard library decides whether it is tooling (pytest,
    testmon, coverage, xdist, an import); the first frame inside the repository is the reader
    (a library called by project code, e.g. a YAML loader, reads for the project).
    """
    frame = sys._getframe(depth)
    decided = False
    while frame is not None:
        if frame.f_code is _SCANDIR_CODE:  # our own os.scandir: its caller asked
            frame = frame.f_back  # type: ignore[assignment]
            continue
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen"):
            if frame.f_code.co_name in _IMPORT_FRAMES:
                return None
        elif not decided and ("site-packages" in filename or not filename.startswith(_STDLIB)):
            if filename.startswith(_TOOLING):
                return None
            decided = True
        if decided and filename.startswith(root) and inputs.is_input(root, filename[len(root) :]):
            return filename[len(root) :]  # not a virtual environment inside the repository
        frame = frame.f_back  # type: ignore[assignment]
    return "" if decided else None


def repo_id(config: pytest.Config, nodeid: str) -> str:
    """A node id relative to the repository root (``INFRA_REPO_ROOT``, else where pytest started)."""
    path, sep, rest = nodeid.partition("::")
    absolute = config.rootpath / path if path else config.rootpath
    base = Path(os.environ.get(ROOT_ENV) or config.invocation_params.dir)
    try:
        rel = absolute.relative_to(base).as_posix()
    except ValueError:
        rel = absolute.as_posix()
    return f"{rel}{sep}{rest}"


class _Entries:
    """What ``os.scandir`` returns, handing out entries whose ``stat()`` is recorded: a directory
    entry caches its metadata, read without ``os.stat`` (a test summing the sizes of a directory's
    files through ``entry.stat()`` depends on them). Names, kinds (``is_dir``) and the iteration
    are the real iterator's; only ``isinstance(entry, os.DirEntry)`` tells the difference."""

    __slots__ = ("_found", "_tracker")

    def __init__(self, found: Any, tracker: Tracker) -> None:
        self._found = found
        self._tracker = tracker

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> _Entry:
        return _Entry(next(self._found), self._tracker)

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        self._found.close()

    def close(self) -> None:
        self._found.close()


class _Entry:
    """One ``os.DirEntry``, its ``stat()`` recorded as ``os.stat`` would be."""

    __slots__ = ("_entry", "_tracker")

    def __init__(self, entry: os.DirEntry[Any], tracker: Tracker) -> None:
        self._entry = entry
        self._tracker = tracker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._entry, name)

    def __fspath__(self) -> Any:
        return self._entry.__fspath__()

    def __repr__(self) -> str:
        return repr(self._entry)

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        self._tracker.metadata("stat" if follow_symlinks else "lstat", self._entry.path)
        return self._entry.stat(follow_symlinks=follow_symlinks)


class Tracker:
    """Which repository paths the current test (or no test) read, stat-ed and wrote.

    Reads and writes come from audit events; metadata reads from wrappers of ``os.stat``,
    ``os.lstat``, ``os.access``, ``os.readlink`` and directory entries' ``stat()`` (no audit event
    exists for them; ``os.path.exists``,
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
        self.collected = False  # collection is over: reads outside tests can no longer shape them
        self._analysed: set[str] = set()  # modules whose import-time code is recorded
        self._trees: dict[str, ast.Module | None] = {}
        self._defs: dict[str, dict[str, list[ast.AST]]] = {}
        self._callee_cache: dict[str, list[Any]] = _load_json(_callee_cache_path())
        self.fixture_stack: list[str] = []  # the fixtures being set up, innermost last
        self.spawning_fixtures: set[str] = set()  # wider-scoped fixtures that started a process
        self._local = threading.local()  # re-entry guard: our own stat calls are not the test's
        sys.addaudithook(self._audit)
        self._wrap_metadata()

    def _wrap_metadata(self) -> None:
        for name in ("stat", "lstat", "access", "readlink"):
            original = getattr(os, name)

            def wrapper(
                path: Any, *args: Any, __original: Any = original, __name: str = name, **kwargs: Any
            ) -> Any:
                self.metadata(__name, path)
                return __original(path, *args, **kwargs)

            setattr(os, name, wrapper)
        scandir = os.scandir

        def scandir_wrapper(path: Any = ".") -> Any:
            found = scandir(path)
            return found if isinstance(path, int) else _Entries(found, self)  # by descriptor: no paths

        global _SCANDIR_CODE
        _SCANDIR_CODE = scandir_wrapper.__code__
        os.scandir = scandir_wrapper

    def metadata(self, call: str, path: Any) -> None:
        """Record a metadata read (``os.stat``, ``lstat``, ``access``, ``readlink``, a directory
        entry's ``stat()``); call it straight from the wrapper the project's code called, whose
        caller is where the reader is looked for."""
        if not getattr(self._local, "busy", False):
            self._local.busy = True
            try:
                self._touch(path, kind=_metadata_kind(call, path), depth=4)
            finally:
                self._local.busy = False

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
                    path = args[0] if args else None
                    if event == "sqlite3.connect":
                        path = _sqlite_path(path)
                    self._touch(path, kind=kind, depth=3)
            elif event in _WRITE_EVENTS:
                for path in args[:2] if event in ("os.rename", "shutil.copyfile") else args[:1]:
                    self._written(path)
            elif event in _SPAWN_EVENTS:
                self._started(event, args)
        finally:
            self._local.busy = False

    def _started(self, event: str, args: tuple[Any, ...]) -> None:
        """A process started by project code: in a test, that test depends on whatever it reads.
        In a wider-scoped fixture, every test using the fixture does (``pytest_runtest_makereport``).
        At start-up or collection (a ``pytest_sessionstart`` check, a module-level call) nothing
        tells what it read: the group runs fully next time. After collection, pytest always starts."""
        reader = _reader(self.root, 3)
        if reader is None or not (reader or self.in_test):
            return  # tooling (pytest-xdist starting workers), or a plugin asking on its own, outside
            # any test and with no project code on the stack (pytest-benchmark asking git for the commit)
        what = self._spawned(event, args)
        if self.in_test and self.shared_fixture:
            self.spawning_fixtures.update(self.fixture_stack)
        if self.in_test:
            self.current.add(what)
        elif what == SUBPROCESS:
            self.outside.add(SUBPROCESS + LATE if self.collected else SUBPROCESS)

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
            self._add(rel)

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
        rel = self._add(rel)
        if reader:
            self.readers.setdefault(rel, set()).add(reader)

    def _add(self, rel: str) -> str:
        """Record a read for the current test, or outside any test; returns the recorded name.

        A wider-scoped fixture's reads serve every later test that uses it: they count for all.
        Outside tests, reads after collection (``pytest_collection_finish`` hooks, session
        teardown) are marked ``LATE``: they can no longer shape which tests exist or what a
        fixture hands them, and a narrowed run makes them again (``infra.selection``).
        """
        if self.in_test and not self.shared_fixture:
            self.current.add(rel)
            return rel
        if self.collected and not self.in_test:
            rel += LATE
        self.outside.add(rel)
        return rel

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Generator[None]:
        shared = fixturedef.scope != "function"
        self.shared_fixture += shared
        self.fixture_stack.append(fixturedef.argname)
        yield
        self.fixture_stack.pop()
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
            if self.spawning_fixtures.intersection(getattr(item, "fixturenames", ())):
                self.current.add(SUBPROCESS)  # a shared fixture it uses started a process
            report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
            report.user_properties.append((READS_PROPERTY, sorted(self.current)))
            report.user_properties.append((WRITES_PROPERTY, sorted(self.writes)))

    def imported(self) -> list[str]:
        """Project modules imported so far and not yet analysed (``path?import``), with every
        project function or class their import ran (``path?run=qualname``, ``import_time_runs``)."""
        found = set()
        fresh = []
        for name, module in list(sys.modules.items()):
            rel = self._rel(getattr(module, "__file__", None) or "")
            if rel is not None and rel.endswith(".py") and name not in self._analysed:
                self._analysed.add(name)
                local = suite.is_test_file(Path(rel)) and not self._analysis(rel)[1]
                found.add(rel + (LOCAL if local else IMPORT))
                fresh.append((rel, module))
        return sorted(found | self.import_time_runs(fresh))

    def _tree(self, rel: str) -> ast.Module | None:
        if rel not in self._trees:
            try:
                self._trees[rel] = ast.parse(Path(self.root, rel).read_bytes())
            except (OSError, SyntaxError, ValueError):
                self._trees[rel] = None
        return self._trees[rel]

    def _definitions_in(self, rel: str) -> dict[str, list[ast.AST]]:
        if rel not in self._defs:
            tree = self._tree(rel)
            self._defs[rel] = {} if tree is None else inputs.definitions(tree)
        return self._defs[rel]

    def _analysis(self, rel: str) -> tuple[list[str], bool]:
        """A module's import-time callees, and whether importing it changes shared state
        (``inputs.changes_shared_state``), kept across runs by file size and time: parsing every
        imported module again on each run would cost seconds on a large project."""
        try:
            st = os.stat(Path(self.root, rel))
        except OSError:
            return [], True
        key = [st.st_mtime_ns, st.st_size]
        known = self._callee_cache.get(rel)
        if known is not None and len(known) == 4 and known[:2] == key:
            return list(known[2]), bool(known[3])
        tree = self._tree(rel)
        names = [] if tree is None else inputs.import_time_callees(tree)
        shares = tree is None or inputs.shares_state(tree)
        self._callee_cache[rel] = [*key, names, shares]
        return names, shares

    def import_time_runs(self, modules: list[tuple[str, Any]]) -> set[str]:
        """The project functions and classes that run while ``modules`` are imported.

        testmon attributes nothing run at import to a test: a module-level ``apply_defaults()``
        (or ``settings = Settings()``, a decorator) whose body changes changes what tests see,
        and no test's fingerprint shows it. Every call outside function bodies is resolved in
        the module's namespace (attribute lookups without running code), then the calls inside
        each project function so reached, in its own globals: a change to any of them makes the
        next run full. A class called counts whole (its methods may run: ``__init__``,
        validators), with its project bases.
        """
        found: set[str] = set()
        queue: list[tuple[str, Mapping[str, Any]]] = []
        for rel, module in modules:
            namespace = vars(module)
            queue += [(name, namespace) for name in self._analysis(rel)[0]]
        while queue:
            name, namespace = queue.pop()
            try:
                reached = self._definitions(_resolve(name, namespace))
            except Exception:  # an object that defeats plain lookups: nothing can be trusted
                found.add(SUBPROCESS)
                continue
            for rel, qualname, scope in reached:
                key = f"{rel}{RUN}{qualname}"
                if key in found:
                    continue
                found.add(key)
                for node in self._definitions_in(rel).get(qualname, ()):
                    queue += [(callee, scope) for callee in inputs.calls_in(node)]
        return found

    def _definitions(self, obj: Any) -> list[tuple[str, str, Mapping[str, Any]]]:
        """The project definitions calling ``obj`` may run: (file, qualname, the names its code sees)."""
        found: list[tuple[str, str, Mapping[str, Any]]] = []
        for function in _functions(obj):
            rel = self._rel(function.__code__.co_filename)
            if rel is not None and rel.endswith(".py"):
                cells = dict(zip(function.__code__.co_freevars, function.__closure__ or (), strict=False))
                scope = collections.ChainMap({n: _cell(c) for n, c in cells.items()}, function.__globals__)
                found.append((rel, function.__qualname__, scope))
        klass = obj if isinstance(obj, type) else None
        for base in klass.__mro__ if klass is not None else ():
            module = sys.modules.get(base.__module__)
            rel = self._rel(getattr(module, "__file__", None) or "")
            if rel is not None and rel.endswith(".py"):
                found.append((rel, base.__qualname__, vars(module)))
        return found

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_finish(self) -> Generator[None]:
        self.collected = True  # before every other plugin's collection_finish (a wrapper runs first)
        yield
        self.outside.update(self.imported())

    def pytest_sessionfinish(self) -> None:
        out = os.environ.get(ENV)
        if out:
            # Modules first imported inside a test: the next test that imports one gets it
            # cached, its import-time code run by another test, so testmon cannot link them.
            self.outside.update(self.imported())
            worker = getattr(self.config, "workerinput", {}).get("workerid", "main")
            side = {
                "outside": sorted(self.outside),
                "outside_writes": sorted(self.outside_writes),
                "readers": {p: sorted(r) for p, r in self.readers.items()},
                "rootdir": repo_id(self.config, "").rstrip("/") or ".",
            }
            Path(f"{out}.outside-{worker}").write_text(json.dumps(side))
            self._save_callees()

    def _save_callees(self) -> None:
        path = _callee_cache_path()
        if path is None or not self._callee_cache:
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self._callee_cache))
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only state directory: parsed again next time
