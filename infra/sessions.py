"""Register the planned sessions with nox. A repository's whole noxfile can be::

    import infra.sessions
    infra.sessions.register()

Registering is all that importing the noxfile does, except in the parent of a prepush run
(``infra.invocation`` tells), where ``infra.push`` plans the push first (which sessions are busy, their order, ``-j``): nox
builds its manifest from what is registered. Every parallel nox child re-imports the noxfile,
so this import stays cheap: the session names come from a small cache
(``.infra/sessions.json``) keyed by the config and pyproject contents; YAML, pre-commit and the
planner are loaded only when that key changes, and inside a session when it runs. Sessions are
defined longest first (LPT, from the ledger's recorded durations) because nox starts parallel
sessions in manifest order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nox

from infra import __version__, invocation, push, resources, state
from infra.errors import FatalError
from infra.ledger import RUN_ID_ENV

CACHE = f"{state.STATE_DIR}/sessions.json"  # state.sessions_cache(root) is the path
POSARGS_HELP = "posargs: --all-files (every file, not just the pushed range), --full (no test selection)"


def _cache_key(root: Path) -> str:
    """The config, pyproject and infra's own code (a new planner must re-plan)."""
    h = hashlib.sha256(__version__.encode())
    for name in ("pyproject.toml", ".pre-commit-config.yaml"):
        path = root / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.is_file() else b"-")
    for module in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f"{module.name}{module.stat().st_mtime_ns}".encode())
    return h.hexdigest()


def _planned(root: Path, *, fresh: bool) -> list[dict[str, Any]]:
    """``[{"name", "tags", "estimate_s"}]``: from the cache, or re-planned when ``fresh`` or stale.

    The parent of a prepush run always re-plans (the plan also depends on the tree: a new
    ``pytest.ini`` splits a session) and rewrites the cache its parallel children read, so a
    run never misses a session; ``nox --list`` and the children use the cache.
    """
    cache = state.sessions_cache(root)
    key = _cache_key(root)
    try:
        data = json.loads(cache.read_text())
        if data["key"] == key and not fresh:
            return list(data["sessions"])
    except (OSError, ValueError, KeyError):
        pass
    from infra import session_main

    proj = session_main.load_project(root)
    sessions = [
        {"name": s.name, "tags": [invocation.TAG, s.name.split("-")[0]], "estimate_s": resources.estimate(s)}
        for s in proj.plan.sessions
    ]
    with contextlib.suppress(OSError):  # a cache: an unwritable state directory only costs a re-plan
        cache.parent.mkdir(parents=True, exist_ok=True)
        state.write_atomic(cache, json.dumps({"key": key, "sessions": sessions}))
    return sessions


def _session_func(root: Path, names: list[str]) -> Callable[[nox.Session], None]:
    def run_session(session: nox.Session) -> None:
        from infra import session_main

        session_main.run(session, root, names)

    run_session.__doc__ = (
        f"Pre-push hooks planned into `{names[0]}` ({POSARGS_HELP})."
        if len(names) == 1
        else f"Short pre-push sessions run together in one process: {', '.join(names)}."
    )
    return run_session


def _register_error(message: str) -> list[str]:
    """A broken config must not break the whole noxfile (nor print at import: the user's own
    sessions run as usual): one prepush session fails with the message when it runs."""

    def prepush_config_error(session: nox.Session) -> None:
        print(f"error: {message}", file=sys.stderr, flush=True)
        session.error(message)

    nox.session(name="prepush-config-error", tags=[invocation.TAG], venv_backend="none", default=False)(
        prepush_config_error
    )
    return ["prepush-config-error"]


def register(root: Path | None = None) -> list[str]:
    """Define one nox session per planned session; returns their names in start order.

    A planned name that the noxfile already uses for a session of its own gets a ``prepush-``
    prefix (call this after defining your own sessions, and after setting ``nox.options``).
    """
    root = (root or Path.cwd()).resolve()
    push.sigterm_as_interrupt()
    from infra import product_sessions  # reports, regress, and plain `nox` in a user's noxfile

    product_sessions.register()
    os.environ.setdefault(RUN_ID_ENV, uuid.uuid4().hex[:12])  # children inherit the parent's id
    how = invocation.parse(sys.argv)
    if how.prepush:
        push.summarise_at_exit(root, os.environ[RUN_ID_ENV])
    try:
        planned = _planned(root, fresh=how.prepush)
        ordered = push.prepare(root, planned, how.posargs) if how.prepush else _listed(root, planned, how)
    except FatalError as exc:
        return _register_error(str(exc))
    taken = set(nox.registry.get())
    for entry in ordered:
        nox.session(
            name=entry["name"] if entry["name"] not in taken else f"prepush-{entry['name']}",
            tags=entry["tags"],
            venv_backend="none",
            allow_parallel=True,
            default=False,
        )(_session_func(root, entry.get("members", [entry["name"]])))
    return [e["name"] for e in ordered]


def _listed(root: Path, planned: list[dict[str, Any]], how: invocation.Invocation) -> list[dict[str, Any]]:
    """Every planned session, longest first, and in a child the batches its parent folded."""
    durations = {} if how.worker else resources.recorded_durations(root)  # a child runs one: order is moot
    known = {e["name"] for e in planned}  # a nested nox of another repository inherits the env
    batches = [b for b in push.inherited_batches() if set(b) <= known]
    return [*resources.longest_first(planned, durations), *push.batch_entries(batches, durations)]
