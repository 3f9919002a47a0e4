"""The warm process of ``infra.warm``: preload, then fork one pytest child per run.

Started by a run's client (``python -m infra.warm_server DIR KEY``) in the run's directory
and environment, it imports the modules the last run imported from outside the repository,
refuses to serve when that started threads (a fork would copy held locks, not their owners),
and then forks a child per connection until the repository has been idle for ``INFRA_WARM_IDLE``
seconds (no run of any group since: ``infra.warm.ACTIVITY``), it is stopped (SIGTERM: ``infra
warm stop``), it finds a preloaded file or an installed distribution changed (stale: it tells
the client, which runs cold, and exits), or it is ``INFRA_WARM_MAX_AGE`` old (it serves that run,
gives up its socket and record at once, and exits when the run ends: the run's client starts
its successor). Only a process of the same user may connect (``SO_PEERCRED``). Its children are
killed with it.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import inspect
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra import warm_manifest, wire
from infra.warm import ACTIVITY, HEADER, idle_s, max_age_s, socket_address
from infra.warm_manifest import FIXTURE, REWRITE, SETUP

NO_SETUP = "--no-setup"


def serve(where: Path, k: str, setup: bool = True) -> int:
    """Preload, then fork one pytest child per connection until idle, stale or stopped.

    When preloading the shared set-up's imports (``warm_manifest.SETUP``) started a thread, the
    process starts over without them, in the environment it was started in.
    """
    start_env = dict(os.environ)
    steps = json.loads((where / f"{k}.modules").read_text())
    preloaded = _preload(steps, setup=setup)
    if threading.active_count() > 1 and setup and any(s[0] == SETUP for s in steps):
        os.execve(
            sys.executable, [sys.executable, "-m", "infra.warm_server", str(where), k, NO_SETUP], start_env
        )
    if threading.active_count() > 1:
        (where / f"{k}.refused").write_text(f"{threading.active_count()} threads after preloading\n")
        with contextlib.suppress(OSError):
            (where / f"{k}.json").unlink()
        return 1
    gc.collect()  # what preloading left for the collector goes now, and the rest is frozen: a child's
    gc.freeze()  # collections (pytest runs five at exit) then skip it and leave its pages shared
    inspect.getmodule(sys._getframe())  # fills inspect's file->module caches for what is loaded:
    # the first ``inspect.stack()`` of a child (coverage's collector, under testmon) then looks
    # only at the modules loaded since
    files, venv = _files(), _venv()
    path = where / f"{k}.sock"
    with contextlib.suppress(OSError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        with socket_address(path) as address:
            listener.bind(address)
    finally:
        os.umask(old)
    listener.listen(8)
    listener.settimeout(0.5)
    me, record, children = os.getpid(), where / f"{k}.json", set[int]()
    owned = [path, record]  # what the exit removes, unless a successor has them by then
    atexit.register(_cleanup, me, children, owned)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    about = {
        "pid": me,
        "started": time.time(),
        "cwd": os.getcwd(),
        "python": sys.executable,
        "modules": preloaded,
    }
    record.write_text(json.dumps(about))
    idle, max_age, last = idle_s(os.environ), max_age_s(os.environ), time.monotonic()
    born = last
    while True:
        _reap(children)
        if children:  # idle counts from the end of the last run, not its start: an 8-minute run is
            last = time.monotonic()  # no idleness, and the next push finds the process still there
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            if not children and _idle_for(where, last) > idle:
                return 0
            continue
        last = time.monotonic()
        with conn:
            if not _same_user(conn):  # pragma: no cover - the socket's mode (0600) keeps others out first
                continue
            try:
                fds, request = _receive(conn)
            except (OSError, ValueError, struct.error):  # a client gone mid-request
                continue
            stale = _stale(files, venv)
            if stale:
                for fd in fds:
                    os.close(fd)
                conn.sendall(json.dumps({"stale": stale}).encode() + b"\n")
                return 0
            if time.monotonic() - born > max_age:
                owned[:] = _hand_over(path, record)
                listener.close()
            _fork(conn, listener, fds, request, children)
        if listener.fileno() == -1:  # handed over: this run is the last
            while children:
                time.sleep(0.05)
                _reap(children)
            return 0


def _hand_over(path: Path, record: Path) -> list[Path]:
    """Later runs find no process under this key, and the current run's client starts the
    successor when the run ends; ``infra warm status|stop`` still see this one (``KEY.old.json``)
    until then. Returns what its exit removes."""
    old = record.with_name(record.stem + ".old.json")
    with contextlib.suppress(OSError):
        path.unlink()
    with contextlib.suppress(OSError):
        record.rename(old)
    return [old]


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                children.discard(pid)
        except ChildProcessError:
            children.discard(pid)


def _idle_for(where: Path, last: float) -> float:
    """Seconds since a run of the repository last started or ended: this process's own, or any
    other group's (whose client touches ``ACTIVITY``)."""
    try:
        other = time.time() - (where / ACTIVITY).stat().st_mtime
    except OSError:
        other = float("inf")
    return min(time.monotonic() - last, other)


def _cleanup(me: int, children: set[int], paths: list[Path]) -> None:
    """At the warm process's exit (idle, stale, ``infra warm stop``): its running children too."""
    if os.getpid() != me:
        return
    for pid in children:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink()


def _preload(steps: Sequence[list[Any]], setup: bool = True) -> int:
    """Replay a cold run's import timeline (``infra.warm_manifest``); returns the modules loaded.

    An import that fails here, or warns (a cold run would have shown that warning, or failed on
    it under ``-W error``), is undone with everything it loaded, and preloading stops there:
    the child imports the rest as a cold run does. Except in the shared set-up, whose warnings
    the child can issue again where the cold run did (``warm_manifest.WarningReplay``): those are
    kept in ``warm_manifest.REPLAY``. Modules pytest rewrites load through its rewriter
    (``_rewriter``), or preloading stops before them. ``setup=False`` stops at the shared set-up.
    """
    count, fixture, marked = 0, "", frozenset[str]()
    warm_manifest.REPLAY.clear()
    rewriter = None
    try:
        for kind, value in steps:
            if kind == REWRITE:
                rewriter, marked = _rewriter(value), frozenset(value["names"])
                continue
            if not _step(kind, value, setup, fixture, rewriter, marked):
                break
            fixture = value if kind == FIXTURE else fixture
            count += kind == "import"
    finally:
        if rewriter is not None:
            sys.meta_path.remove(rewriter)
    return count


def _step(kind: str, value: Any, setup: bool, fixture: str, rewriter: Any, marked: frozenset[str]) -> bool:
    """One timeline step; False: preloading stops here."""
    if kind == SETUP:
        return setup
    if kind == FIXTURE:
        return True
    if kind == "env":
        for name, text in value.items():
            if text is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = text
        return True
    before = set(sys.modules)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            importlib.import_module(value)
            failed = False
        except BaseException:
            failed = True
    new = set(sys.modules) - before
    again = [warm_manifest.caught(w) for w in caught]
    unrewritten = any(
        name in marked and getattr(sys.modules[name], "__loader__", None) is not rewriter for name in new
    )
    if failed or unrewritten or (caught and (not fixture or None in again)):
        for name in new:
            del sys.modules[name]
        return False
    if caught:
        warm_manifest.REPLAY.setdefault(fixture, []).extend(w for w in again if w is not None)
    return True


def _rewriter(spec: dict[str, Any]) -> Any:
    """pytest's assertion rewriter, installed first on ``sys.meta_path``, for the names the cold
    run's pytest marked, with the ini values it read; None when this pytest's rewriter cannot be
    made so (then a step that loads a marked module stops preloading)."""
    try:
        from _pytest.assertion.rewrite import AssertionRewritingHook, assertstate_key

        hook = AssertionRewritingHook(_RewriteConfig(spec["ini"], assertstate_key))  # type: ignore[arg-type]
        hook.mark_rewrite(*spec["names"])
    except Exception:
        return None
    sys.meta_path.insert(0, hook)
    return hook


class _RewriteConfig:
    """What pytest's rewriter reads of its config while it rewrites a module."""

    def __init__(self, ini: dict[str, Any], key: Any) -> None:
        self.ini = ini
        self.stash = {key: self}

    def getini(self, name: str) -> Any:
        return self.ini[name]

    def trace(self, *_: Any) -> None:
        return None


def _files() -> dict[str, tuple[int, int]]:
    out = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            with contextlib.suppress(OSError):
                st = os.stat(path)
                out[path] = (st.st_mtime_ns, st.st_size)
    return out


def _venv() -> dict[str, list[str]]:
    """Installed distributions, per ``site-packages`` directory on the path."""
    out = {}
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")):
            with contextlib.suppress(OSError):
                out[entry] = sorted(os.listdir(entry))
    return out


def _stale(files: Mapping[str, tuple[int, int]], venv: Mapping[str, list[str]]) -> str:
    for path, seen in files.items():
        try:
            st = os.stat(path)
        except OSError:
            return f"{path} is gone"
        if (st.st_mtime_ns, st.st_size) != seen:
            return f"{path} changed"
    return "installed packages changed" if _venv() != venv else ""


def _same_user(conn: socket.socket) -> bool:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    uid: int = struct.unpack("3i", creds)[1]
    return uid == os.getuid()


def _receive(conn: socket.socket) -> tuple[list[int], dict[str, Any]]:
    """A run's request: its stdin/stdout/stderr, then its argv, environment and directory."""
    conn.settimeout(10)
    head, fds, _, _ = socket.recv_fds(conn, HEADER.size, 3)
    (size,) = HEADER.unpack(head)
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            for fd in fds:
                os.close(fd)
            raise ValueError("the client went away mid-request")
        data += chunk
    return fds, json.loads(data)


def _fork(
    conn: socket.socket, listener: socket.socket, fds: list[int], request: dict[str, Any], children: set[int]
) -> None:
    """Fork the run's child and note it in ``children`` with SIGTERM held meanwhile: a stop
    arriving between the fork and the note would leave the child out of the ones killed."""
    sys.stdout.flush()
    sys.stderr.flush()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    pid = os.fork()
    if pid:
        children.add(pid)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for fd in fds:
            os.close(fd)
        return
    try:  # the child: never returns
        listener.close()
        code = _child(conn, fds, request, mask)
    except BaseException:  # the client sees a child that died without a result
        os._exit(70)
    os._exit(code)


def _child(
    conn: socket.socket, fds: list[int], request: dict[str, Any], mask: set[int | signal.Signals]
) -> int:
    os.setsid()
    for fd, target in zip(fds, (0, 1, 2), strict=True):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    warm_manifest.FORKED = True
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    if request["env"].get(wire.SAFE_PATH) == "1":
        del sys.path[0]  # as the `pytest` script (``python -P``): the directory is not importable
    else:
        sys.path[0] = request["cwd"]  # as `python -m pytest` started there
    conn.settimeout(None)
    threading.Thread(target=_die_with_client, args=(conn,), daemon=True).start()
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    import pytest

    sys.argv = [str(Path(pytest.__file__).parent / "__main__.py"), *request["argv"]]
    code = int(pytest.main(list(request["argv"])))
    atexit._run_exitfuncs()  # what a cold interpreter runs at exit (plugins' and tests' handlers)
    sys.stdout.flush()
    sys.stderr.flush()
    _DONE.set()
    conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    return code


_DONE = threading.Event()  # the child has reported: the client may go now


def _die_with_client(conn: socket.socket) -> None:
    """The run's client went away (timeout, ^C, killed) before the result: so does this child,
    with every process it started."""
    with contextlib.suppress(OSError):
        while conn.recv(1):
            pass
    if not _DONE.is_set():
        os.killpg(0, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]), sys.argv[2], setup=NO_SETUP not in sys.argv[3:]))
