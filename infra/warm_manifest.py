"""What a warm process may preload, and in which environment: recorded by a cold run (``infra.warm``).

A cold pytest imports third-party modules while it starts and collects, and some of them read
the environment as they load, after a conftest or a project module has changed it
(``os.environ["OTEL_SDK_DISABLED"] = "true"``, then ``import opentelemetry...``). Preloading them
in the start environment could make a warm run behave otherwise. So the cold run records a
*timeline* from the moment our plugin loads to the end of collection: every first import, in
order, and each change of ``os.environ`` between two imports. The warm process replays it
(``infra.warm_server``): it sets what changed, imports, and so on, so each preloaded module
loads in the environment it saw cold. The timeline then goes on through the set-up
that every collected test shares: the session-scoped fixtures at the head of every test's
fixture closure, in the same order and from the same definitions (a conftest's autouse
``init_observability`` that imports the service's SDKs). Any run that sets up a test sets
those up first, the same way, so their imports are as much a part of every run as collection
is. Recording stops for good at the first fixture outside that shared head, when something
else changed the environment before one of them (a ``pytest_runtest_setup`` hook that depends
on the test), or when the first test's set-up ends. Modules imported later, while tests run
(after a test may have changed anything), are left to the child. The set-up part is marked
(``SETUP``) so that a warm process can leave it out when it started threads.

Never preloaded: the repository's own modules (project, conftest files, tests; a venv inside
the repository still counts as installed), ``__main__`` and infra's own. Modules pytest marks
for assertion rewriting (plugins from entry points, ``-p`` plugins, ``register_assert_rewrite``,
and what a preloaded library imports of those packages: an SDK importing ``anyio``, whose
package is also a pytest plugin) are loaded through pytest's own rewriter (``REWRITE``), as the
cold run loaded them: rewritten, and without pytest's "already imported" warning in the child.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from infra import wire

OWN = Path(__file__).resolve().parent  # infra's own modules: they read the run's settings as they load
SETUP = "setup"  # a timeline step: what follows was imported by the shared set-up of the first test
REWRITE = "rewrite"  # the first step: the modules pytest rewrites, and the ini values its rewriter reads
FIXTURE = "fixture"  # a timeline step: the shared fixture whose set-up imports what follows
FORKED = False  # True in a warm process's child: it replays the timeline's warnings, never records one
REPLAY: dict[str, list[dict[str, Any]]] = {}  # set by the warm process: the warnings its preload of
# the shared set-up caught, per fixture (``WarningReplay``)
VOLATILE = frozenset(
    {"PWD", "OLDPWD", "SHLVL", "_", "NOX_CURRENT_SESSION", "PYTEST_CURRENT_TEST", "TESTMON_DATAFILE"}
)


def kept_env(name: str) -> bool:
    """Variables replayed at preload (not infra's own, not per-run or per-test ones)."""
    return not name.startswith((wire.PREFIX, "PRE_COMMIT_")) and name not in VOLATILE


class Timeline:
    """Started when our plugin module is imported (``-p``: before the initial conftest files),
    registered as a plugin at configure time, written at the end of collection and again after
    the shared set-up of the first test."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self.env = dict(os.environ)
        self.seen = set(sys.modules)
        self.steps: list[list[Any]] = [["import", name] for name in sys.modules]  # before us, in order
        self.steps.append(["env", {k: v for k, v in self.env.items() if kept_env(k)}])
        self.size = len(sys.modules)
        self.active = True
        self.rewritten: set[str] | None = None
        self.shared: list[str] = []  # the shared set-up still to come, in order
        self.collected: list[pytest.Item] = []
        sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "import" or not self.active:
            return
        self._silent()
        name = args[0]
        if not isinstance(name, str) or name in self.seen:
            return
        self.seen.add(name)
        self._sync_env()
        self.steps.append(["import", name])

    def _silent(self) -> None:
        """Modules loaded without an audit event: ``importlib.import_module`` (how pytest loads
        ``-p`` and entry-point plugins) raises none. They are the newest entries of
        ``sys.modules``, which keeps insertion order: only those are looked at."""
        grown = len(sys.modules) - self.size
        if grown > 0:
            new = [n for n in itertools.islice(reversed(sys.modules), grown) if n not in self.seen]
            if new:
                self._sync_env()
            for name in reversed(new):
                self.seen.add(name)
                self.steps.append(["import", name])
        self.size = len(sys.modules)

    def _sync_env(self) -> None:
        if os.environ == self.env:
            return
        now = dict(os.environ)
        changed: dict[str, str | None] = {
            k: v for k, v in now.items() if self.env.get(k) != v and kept_env(k)
        }
        changed.update({k: None for k in self.env.keys() - now.keys() if kept_env(k)})
        if changed:
            self.steps.append(["env", changed])
        self.env = now

    def _env_moved(self) -> bool:
        """Whether a kept variable changed since the timeline last looked."""
        now = os.environ
        return any(kept_env(k) and now.get(k) != self.env.get(k) for k in now.keys() | self.env.keys())

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        self.collected.append(item)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._silent()
        self.active = False
        self._sync_env()
        self.rewritten = _marked_for_rewrite(session.config)
        if self.rewritten:
            ini = {
                name: session.config.getini(name) for name in ("python_files", "enable_assertion_pass_hook")
            }
            self.steps.insert(0, [REWRITE, {"names": sorted(self.rewritten), "ini": ini}])
        self._write()
        self.shared = shared_setup(self.collected)  # every collected test, before any deselection
        if self.shared:
            self.steps.append([SETUP, len(self.shared)])

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> Any:
        if not self.shared or fixturedef.argname != self.shared[0] or self._env_moved():
            self._stop()
            return (yield)
        self.steps.append([FIXTURE, self.shared.pop(0)])
        self.size, self.active = len(sys.modules), True
        try:
            return (yield)
        finally:
            self._silent()
            self.active = False
            self._sync_env()
            if not self.shared:
                self._stop()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Any:
        try:
            return (yield)
        finally:
            self._stop()

    def _stop(self) -> None:
        """The shared set-up is over (or left): write what it imported, once."""
        if (
            self.steps
            and self.steps[-1][0] not in (SETUP, FIXTURE)
            and any(s[0] == SETUP for s in self.steps)
        ):
            self._write()
        self.shared, self.collected = [], []
        self.steps = []  # nothing more to write: later calls are no-ops

    def _write(self) -> None:
        rewritten = self.rewritten
        steps = [
            s
            for s in self.steps
            if s[0] in ("env", SETUP, FIXTURE, REWRITE)
            or (rewritten is not None and self._preloadable(s[1], rewritten))
        ]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(steps))
            os.replace(tmp, self.path)
        except OSError:
            return

    def _preloadable(self, name: str, rewritten: set[str]) -> bool:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if name == "__main__" or not isinstance(file, str) or Path(file).is_relative_to(OWN):
            return False
        parts = name.split(".")
        if any(".".join(parts[: i + 1]) in rewritten for i in range(len(parts))):
            from _pytest.assertion.rewrite import AssertionRewritingHook

            if not isinstance(getattr(module, "__loader__", None), AssertionRewritingHook):
                return False  # marked, yet loaded as it is (imported before pytest marked it)
        installed = any(p in ("site-packages", "dist-packages") for p in Path(file).parts)
        return installed or not Path(file).is_relative_to(self.root)


def plugin(manifest: str, root: str) -> Timeline | WarningReplay | None:
    """What a pytest run under ``infra.warm`` registers: a cold run records its timeline; a warm
    child issues again the warnings its warm process caught (when there were any)."""
    if FORKED:
        return WarningReplay(REPLAY) if REPLAY else None
    return Timeline(Path(manifest), Path(root))


class WarningReplay:
    """A warm child's stand-in for the warnings the shared set-up's imports gave in a cold run.

    The warm process imported those modules already, so a warning they give at import (a
    ``DeprecationWarning`` in an SDK) would be missing from the run: from its warnings summary,
    from a conftest's ``pytest_warning_recorded``, and under ``-W error`` from its verdict. It is
    issued again where the cold run issued it: as the set-up of the fixture that imported the
    module begins, inside the test's set-up phase, through the run's own warning filters. When
    they make it an error, the fixture fails with it, and pytest caches that failure for every
    later test, as it cached the cold run's failed import.
    """

    def __init__(self, pending: dict[str, list[dict[str, Any]]]) -> None:
        self.pending = dict(pending)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> Any:
        caught = self.pending.pop(fixturedef.argname, [])
        failure: Exception | None = None
        try:
            for w in caught:
                warnings.warn_explicit(w["message"], _category(w["category"]), w["filename"], w["lineno"])
        except Exception as exc:  # the run's filters made it an error: the fixture fails with it
            failure = exc
        if failure is None:
            return (yield)
        original = fixturedef.func  # pytest caches the failure, as it did the cold import's

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise failure

        fixturedef.func = fail
        try:
            return (yield)
        finally:
            fixturedef.func = original


def caught(w: warnings.WarningMessage) -> dict[str, Any] | None:
    """A warning the warm process caught, as ``WarningReplay`` issues it again; None when its
    category cannot be found again by name."""
    category = f"{w.category.__module__}:{w.category.__qualname__}"
    try:
        if _category(category) is not w.category:
            return None
    except (ImportError, AttributeError):
        return None
    return {"category": category, "message": str(w.message), "filename": w.filename, "lineno": w.lineno}


def _category(name: str) -> type[Warning]:
    module, _, qualname = name.partition(":")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found  # type: ignore[no-any-return]


def shared_setup(items: Sequence[pytest.Item]) -> list[str]:
    """The session-scoped fixtures every item sets up first, in the same order, from the same
    definition, unparametrized: the longest common head of their fixture closures. Empty when an
    item is not a plain function test (pytest keeps the closure on ``Function`` items)."""
    head: list[tuple[str, Any]] | None = None
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            return []
        mine: list[tuple[str, Any]] = []
        for name in info.names_closure:
            defs = info.name2fixturedefs.get(name)
            fixture = defs[-1] if defs else None
            if fixture is None or fixture.scope != "session" or fixture.params is not None:
                break
            mine.append((name, fixture))
        if head is None:
            head = mine
        else:
            n = 0
            while n < min(len(head), len(mine)) and head[n][0] == mine[n][0] and head[n][1] is mine[n][1]:
                n += 1
            head = head[:n]
        if not head:
            return []
    return [name for name, _ in head or []]


def _marked_for_rewrite(config: pytest.Config) -> set[str] | None:
    """The names pytest's assertion rewriter must rewrite; None when pytest no longer says (it
    keeps them privately): then nothing is preloaded, the safe side."""
    from _pytest.assertion.rewrite import assertstate_key

    hook = getattr(config.stash.get(assertstate_key, None), "hook", None)
    if hook is None:  # --assert=plain: nothing is rewritten
        return set()
    names = getattr(hook, "_must_rewrite", None)
    return set(names) if isinstance(names, set) else None
