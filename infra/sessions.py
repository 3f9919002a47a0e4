"""Register the planned sessions with nox. A repository's whole noxfile can be::

    import infra.sessions
    infra.sessions.register()

Every parallel nox child re-imports the noxfile, so this import stays cheap: the session
names come from a small cache (``.infra/sessions.json``) keyed by the config and pyproject
contents; YAML, pre-commit and the planner are loaded only when that key changes, and inside
a session when it runs. Sessions are defined longest first (LPT, from the ledger's recorded
durations) because nox starts parallel sessions in manifest order, and ``nox.options.parallel``
is sized from the machine unless ``-j``/``NOX_PARALLEL`` says otherwise.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import nox

from infra import __version__, resources, state, wire
from infra.errors import FatalError
from infra.ledger import RUN_ID_ENV

CACHE = f"{state.STATE_DIR}/sessions.json"  # state.sessions_cache(root) is the path
BATCHES_ENV = wire.BATCHES
BATCH = "quick"
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
        {"name": s.name, "tags": ["prepush", s.name.split("-")[0]], "estimate_s": resources.estimate(s)}
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


_INTERRUPTED: list[int] = []  # signals the parent received: its summary says the run was cut short
_EXPECTED: dict[str, frozenset[str]] = {}  # busy session -> the hooks that run: who did not finish


def _interrupt(signum: int, frame: FrameType | None) -> None:
    from infra import run  # stops running hook trees, raises KeyboardInterrupt (not mid-fork)

    _INTERRUPTED.append(signum)
    run.interrupt(signum, frame)


def _sigterm_as_interrupt() -> None:
    """nox stops its parallel children on ^C but dies at once on SIGTERM, orphaning them:
    turn SIGTERM into ^C so one path (nox's own, then ours in each child) stops everything."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupt)  # the same KeyboardInterrupt, remembered
        atexit.register(_ignore_late_signals)  # runs before handlers registered earlier (coverage's)


def _ignore_late_signals() -> None:
    """At exit the work is done: a stop signal arriving now (the parent stopping a child that
    already finished) must not cut short what still runs at exit with a traceback."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def _register_error(message: str) -> list[str]:
    """A broken config must not break the whole noxfile (nor print at import: the user's own
    sessions run as usual): one prepush session fails with the message when it runs."""

    def prepush_config_error(session: nox.Session) -> None:
        print(f"error: {message}", file=sys.stderr, flush=True)
        session.error(message)

    nox.session(name="prepush-config-error", tags=["prepush"], venv_backend="none", default=False)(
        prepush_config_error
    )
    return ["prepush-config-error"]


def _is_prepush_run(argv: list[str]) -> bool:
    """The nox parent about to run prepush sessions (not a parallel child, not --list)."""
    options = argv[1 : argv.index("--")] if "--" in argv else argv[1:]
    if {"--parallel-worker", "-l", "--list", "--json", "--list-sessions"} & set(options):
        return False
    words = [w.split("=", 1)[1] if w.startswith(("--tags=", "--tag=")) else w for w in options]
    words = [w[2:] if w.startswith("-t") and len(w) > 2 else w for w in words]
    return "prepush" in words or any(w.startswith("prepush,") or w.endswith(",prepush") for w in words)


def _posargs() -> list[str]:
    return sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []


def _settle_idle(root: Path, planned: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """The sessions with work for this push, each with the hooks that run; settles the others here
    when more than one is busy.

    Every parallel session costs a child process (~0.2 s of CPU for nox and the noxfile) even
    when it only finds nothing to do: idle sessions are settled in this process (reported
    skipped, recorded) and not handed to nox, unless at most one session is busy (then nox runs
    them all in-process with ``-j 1``, where an idle session costs milliseconds). The plan, the
    change set and every hook's trigger are handed to the children (``infra.handoff``).
    """
    from infra import changes, execute, handoff, pushed, run, rundirs, session_main

    all_files = session_main.wants_all_files("--all-files" in _posargs(), os.environ)
    if not all_files:
        pushed.set_aside_unstaged(root)  # judge the pushed commits, not the working tree
    change = changes.find(root, os.environ, force_all=all_files)
    proj = session_main.load_project(root)
    decided = execute.decide_all(proj, os.environ, change)
    running = {
        s.name: frozenset(m.hook.key for m in s.members if decided[m.hook.key].runs)
        for s in proj.plan.sessions
    }
    busy = {name: keys for name, keys in running.items() if keys}
    run_id = os.environ[RUN_ID_ENV]
    state.check_run(root, proj.settings.ledger)  # one warning line when state cannot be kept
    rundirs.begin_run(root, run_id, busy)
    os.environ[run.PARENT_ENV] = str(os.getpid())  # children die with this process
    _EXPECTED.update(busy)
    handoff.write(root, run_id, handoff.Handoff(proj, change, decided, os.getpid()))
    atexit.register(handoff.remove, root, run_id)
    if len(busy) > 1:
        for entry in planned:
            if entry["name"] not in busy:
                session_main.settle_idle(root, entry["name"], _posargs(), change, decided)
    return busy


def _fold(ordered: list[dict[str, Any]], durations: dict[str, float]) -> list[dict[str, Any]]:
    """Short busy sessions run together in one child each batch (``resources.fold``); the batches
    reach the children through ``INFRA_BATCHES``. Returns nox's sessions, longest first."""
    alone, batches = resources.fold([e["name"] for e in ordered], durations)
    os.environ[BATCHES_ENV] = json.dumps(batches)
    kept = [e for e in ordered if e["name"] in alone]
    return resources.longest_first([*kept, *_batch_entries(batches, durations)], durations)


def _prepush_sessions(root: Path, planned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What nox runs for this push, longest first by what the same hooks took before; sizes ``-j``."""
    busy = _settle_idle(root, planned)
    durations = resources.recorded_durations(root, busy)
    pole = resources.long_pole(durations, list(busy))
    if pole is not None:
        os.environ[resources.LONG_POLE_ENV] = pole  # its children may use every core (xdist)
    ordered = resources.longest_first(planned, durations)
    children = resources.worth_children(list(busy), durations)
    if children:
        ordered = _fold([e for e in ordered if e["name"] in busy], durations)
    elif len(busy) > 1:
        ordered = [e for e in ordered if e["name"] in busy]  # the rest can't pay for a child: in-process
    if nox.options.parallel is None and "NOX_PARALLEL" not in os.environ:
        nox.options.parallel = resources.job_count(len(ordered) if children else 1)
    return ordered


def _batch_entries(batches: list[list[str]], durations: dict[str, float]) -> list[dict[str, Any]]:
    return [
        {
            "name": BATCH if i == 0 else f"{BATCH}-{i + 1}",
            "tags": ["prepush"],
            "estimate_s": sum(durations.get(n, 0.0) for n in names),
            "members": names,
        }
        for i, names in enumerate(batches)
    ]


def _inherited_batches() -> list[list[str]]:
    try:
        batches = json.loads(os.environ.get(BATCHES_ENV) or "[]")
    except ValueError:
        return []
    ok = isinstance(batches, list) and all(
        isinstance(b, list) and all(isinstance(n, str) for n in b) for b in batches
    )
    return batches if ok else []


def register(root: Path | None = None) -> list[str]:
    """Define one nox session per planned session; returns their names in start order.

    A planned name that the noxfile already uses for a session of its own gets a ``prepush-``
    prefix (call this after defining your own sessions).
    """
    root = (root or Path.cwd()).resolve()
    _sigterm_as_interrupt()
    from infra import product_sessions  # reports, regress, and plain `nox` in a user's noxfile

    product_sessions.register()
    os.environ.setdefault(RUN_ID_ENV, uuid.uuid4().hex[:12])  # children inherit the parent's id
    if _is_prepush_run(sys.argv):  # registered first: a run cut short while planning says so too
        atexit.register(_print_summary, root, os.environ[RUN_ID_ENV])
    try:
        planned = _planned(root, fresh=_is_prepush_run(sys.argv))
        if _is_prepush_run(sys.argv):
            ordered = _prepush_sessions(root, planned)
        else:
            worker = "--parallel-worker" in sys.argv  # runs one session by name: order is moot
            durations = {} if worker else resources.recorded_durations(root)
            known = {e["name"] for e in planned}  # a nested nox of another repository inherits the env
            batches = [b for b in _inherited_batches() if set(b) <= known]
            ordered = [*resources.longest_first(planned, durations), *_batch_entries(batches, durations)]
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


def _print_summary(root: Path, run_id: str) -> None:
    """After nox's own session summary: every original hook's verdict, in one place; then tidy
    up (old runs, what a killed run left, an oversized ledger)."""
    from infra import results

    _ignore_late_signals()  # the run is over: not the summary, nor the unstaged changes' restore
    found = results.read_run(root, run_id) if state.run_dir(root, run_id).is_dir() else []
    done = {h.key for r in found for h in r.hooks}
    unfinished = (
        sorted(k for keys in _EXPECTED.values() for k in keys if k not in done) if _INTERRUPTED else []
    )
    if found or _INTERRUPTED:
        lines = results.render_summary(found, interrupted=bool(_INTERRUPTED), unfinished=unfinished)
        with contextlib.suppress(BrokenPipeError):  # `nox ... | head`: the reader has gone
            print("\n".join(["infra summary:", *lines]), flush=True)
    _tidy(root, run_id)


def _tidy(root: Path, run_id: str) -> None:
    from infra import ledger_ops, output, rundirs, session_main

    if not state.run_dir(root, run_id).is_dir():
        return  # stopped before it began (a config error, ^C while planning): nothing to tidy
    rundirs.end_run(root, run_id)
    if state.problem_found(root):
        return
    try:
        settings = session_main.load_project(root).settings
        rundirs.sweep_killed(root, live=run_id)
        rundirs.prune_runs(root, settings.keep_runs, live=run_id)
        compacted = ledger_ops.compact_if_large(settings.ledger)
    except (OSError, FatalError) as exc:
        output.warn(f"{state.root_dir(root)}: old runs not pruned ({exc}); they are removed next time")
        return
    if compacted is not None:
        output.write_line(f"{settings.ledger}: compacted to {compacted.kept} records (size policy)")
