"""What a warm process may preload, and in which environment: recorded by a cold run (``infra.warm``).

A cold pytest imports third-party modules while it starts and collects, and some of them read
the environment as they load, after a conftest or a project module has changed it
(``os.environ["OTEL_SDK_DISABLED"] = "true"``, then ``import opentelemetry...``). Preloading them
in the start environment could make a warm run behave otherwise. So the cold run records a
*timeline* from the moment our plugin loads to the end of collection: every first import, in
order, and each change of ``os.environ`` between two imports. The warm process replays it
(``infra.warm_server``): it sets what changed, imports, and so on, so each preloaded module
loads in the environment it saw cold. Modules imported later, while tests run (after a test
may have changed anything), are left to the child.

Never preloaded: the repository's own modules (project, conftest files, tests; a venv inside
the repository still counts as installed), ``__main__``, and every module pytest marks for
assertion rewriting (plugins from entry points, ``-p`` plugins, ``register_assert_rewrite``):
imported early, they would lose the rewriting a cold run gives them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import wire

VOLATILE = frozenset(
    {"PWD", "OLDPWD", "SHLVL", "_", "NOX_CURRENT_SESSION", "PYTEST_CURRENT_TEST", "TESTMON_DATAFILE"}
)


def kept_env(name: str) -> bool:
    """Variables replayed at preload (not infra's own, not per-run or per-test ones)."""
    return not name.startswith((wire.PREFIX, "PRE_COMMIT_")) and name not in VOLATILE


class Timeline:
    """Started when our plugin module is imported (``-p``: before the initial conftest files),
    registered as a plugin at configure time, written at the end of collection."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self.env = dict(os.environ)
        self.seen = set(sys.modules)
        self.steps: list[list[Any]] = [["import", name] for name in sys.modules]  # before us, in order
        self.steps.append(["env", {k: v for k, v in self.env.items() if kept_env(k)}])
        self.active = True
        sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "import" or not self.active:
            return
        name = args[0]
        if not isinstance(name, str) or name in self.seen:
            return
        self.seen.add(name)
        if os.environ != self.env:
            now = dict(os.environ)
            changed: dict[str, str | None] = {
                k: v for k, v in now.items() if self.env.get(k) != v and kept_env(k)
            }
            changed.update({k: None for k in self.env.keys() - now.keys() if kept_env(k)})
            if changed:
                self.steps.append(["env", changed])
            self.env = now
        self.steps.append(["import", name])

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.active = False
        rewritten = _marked_for_rewrite(session.config)
        steps = [
            s
            for s in self.steps
            if s[0] == "env" or (rewritten is not None and self._preloadable(s[1], rewritten))
        ]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(steps))
            os.replace(tmp, self.path)
        except OSError:
            return

    def _preloadable(self, name: str, rewritten: set[str]) -> bool:
        file = getattr(sys.modules.get(name), "__file__", None)
        if name == "__main__" or not isinstance(file, str):
            return False
        parts = name.split(".")
        if any(".".join(parts[: i + 1]) in rewritten for i in range(len(parts))):
            return False
        installed = any(p in ("site-packages", "dist-packages") for p in Path(file).parts)
        return installed or not Path(file).is_relative_to(self.root)


def _marked_for_rewrite(config: pytest.Config) -> set[str] | None:
    """The names pytest's assertion rewriter must rewrite; None when pytest no longer says (it
    keeps them privately): then nothing is preloaded, the safe side."""
    from _pytest.assertion.rewrite import assertstate_key

    hook = getattr(config.stash.get(assertstate_key, None), "hook", None)
    if hook is None:  # --assert=plain: nothing is rewritten
        return set()
    names = getattr(hook, "_must_rewrite", None)
    return set(names) if isinstance(names, set) else None
