"""The only module that starts processes.

Children stay in our process group (nox stops a parallel session by signalling the session's
whole group, so they go with it); a timeout or ^C stops the child's whole process tree, found
with psutil, SIGTERM first and SIGKILL after a grace period. CPU time and peak RSS of the tree
come from ``wait4`` (the kernel sums every descendant the child reaped).

Children die with their parent (``infra.lifetime``: a nox child watches its parent, any other
process starts each hook with the kernel's death signal set), so every call here waits for its
child in the thread that started it: the kernel sends that signal when the *thread* exits.

^C and SIGTERM go through ``interrupt``: it stops the running hooks' trees and raises
``KeyboardInterrupt``, except while the main thread is starting a process (the signal would
land in an at-fork callback and be lost with an "Exception ignored" traceback); then the spawn
raises it once it returns. A hook stopped by an interrupt never yields a verdict.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import psutil

from infra import lifetime, wire
from infra.errors import FatalError

TERMINATE_GRACE_S = 2.0
POLL_S = 0.05
PARENT_ENV = wire.PARENT  # the nox parent of a prepush run, for its children's death watch
_stopping = threading.Event()  # an interrupt arrived: start nothing more, report nothing more
_live: set[int] = set()  # children being waited for
_spawning = [False]  # the main thread is inside a spawn (fork): raising there would be lost


def interrupt(signum: int, frame: object) -> None:
    """The SIGINT/SIGTERM handler: stop every running hook tree, then ``KeyboardInterrupt``."""
    _stopping.set()
    for pid in list(_live):
        with contextlib.suppress(psutil.Error):
            for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
                _signal(proc, signal.SIGTERM)
    if not _spawning[0]:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _spawn() -> Iterator[None]:
    """Around a fork: ``interrupt`` leaves raising to the caller, which checks ``_stopping`` after."""
    main = threading.current_thread() is threading.main_thread()
    if main:
        _spawning[0] = True
    try:
        yield
    finally:
        if main:
            _spawning[0] = False


class ToolMissing(FatalError):
    """An executable that is not on PATH."""


class Result(NamedTuple):
    cmd: tuple[str, ...]
    returncode: int
    output: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    timed_out: bool = False


def cmd_output(
    *cmd: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, check: bool = True
) -> tuple[int, str, str]:
    """Run a short command to completion; ``(returncode, stdout, stderr)``."""
    try:
        with _spawn():
            proc = subprocess.run(
                cmd,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
    except FileNotFoundError:
        raise ToolMissing(f"{cmd[0]}: command not found; install it or put it on PATH") from None
    _raise_if_stopping()
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise FatalError(
            f"`{' '.join(cmd)}` failed with exit code {proc.returncode}"
            + (f": {detail[-1]}" if detail else "")
            + (f" (in {cwd})" if cwd else "")
        )
    return proc.returncode, proc.stdout, proc.stderr


def run(
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """Run ``cmd`` with output (stdout+stderr) captured; never raises for a failing command.

    A missing executable is a result with return code 127, as a shell gives.
    """
    start = time.monotonic()
    try:
        with _spawn():
            proc = subprocess.Popen(
                list(cmd),
                cwd=cwd,
                env=None if env is None else dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                preexec_fn=lifetime.child_setup(),
            )
    except FileNotFoundError:
        return Result(tuple(cmd), 127, f"{cmd[0]}: command not found\n", 0.0, 0.0, 0.0)
    except PermissionError:
        return Result(tuple(cmd), 126, f"{cmd[0]}: permission denied\n", 0.0, 0.0, 0.0)
    _live.add(proc.pid)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(proc, chunks), daemon=True)
    reader.start()
    timed_out = False
    try:
        _raise_if_stopping()  # the interrupt came while we started it
        timed_out = not _wait_for_exit(proc, reader, timeout)
        if timed_out:
            stop_tree(proc.pid)
        status, usage = _reap(proc)
        _raise_if_stopping()  # stopped by the interrupt: that is no verdict
    except BaseException:
        stop_tree(proc.pid)
        _reap(proc)
        raise
    finally:
        _live.discard(proc.pid)
        reader.join(timeout=TERMINATE_GRACE_S)
    output = b"".join(chunks).decode("utf-8", "backslashreplace")
    if timed_out:
        output += f"\ninfra: timed out after {timeout:g} s; process tree stopped\n"
    return Result(
        cmd=tuple(cmd),
        returncode=_returncode(status),
        output=output,
        wall_s=time.monotonic() - start,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        timed_out=timed_out,
    )


def _raise_if_stopping() -> None:
    if _stopping.is_set():
        raise KeyboardInterrupt


def _drain(proc: subprocess.Popen[bytes], chunks: list[bytes]) -> None:
    stream = proc.stdout
    assert stream is not None
    fd = stream.fileno()
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    stream.close()


def _wait_for_exit(proc: subprocess.Popen[bytes], reader: threading.Thread, timeout: float | None) -> bool:
    """Wait without reaping (so wait4 can read the rusage); False on timeout.

    A fixed poll would add half its period to every hook (75 hooks a push); instead wake when
    the output pipe reaches EOF, which is when the process exits unless something it started
    keeps the pipe open, then poll with a short, growing delay for the exit itself.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.0005
    while True:
        try:
            info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:  # pragma: no cover - already reaped elsewhere
            return True
        if info is not None:
            return True
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        if reader.is_alive():
            reader.join(POLL_S if left is None else min(POLL_S, left))
        else:
            time.sleep(delay if left is None else min(delay, left))
            delay = min(delay * 2, POLL_S)


def _reap(proc: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage | _NoUsage]:
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except ChildProcessError:  # stop_tree's psutil wait reaped it: it died of our signal
        proc.returncode = -signal.SIGTERM
        return int(signal.SIGTERM), _NoUsage()
    proc.returncode = _returncode(status)
    return status, usage


class _NoUsage(NamedTuple):
    ru_utime: float = 0.0
    ru_stime: float = 0.0
    ru_maxrss: int = 0


def _returncode(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def detach(cmd: Sequence[str], *, cwd: Path | str, env: Mapping[str, str], log: Path) -> int:
    """Start a process meant to outlive us (a warm pytest process, ``infra.warm``): its own
    session, so no signal to our group reaches it, output to ``log``; returns its pid. It is
    the user's to see and stop (``infra warm status|stop``), and stops itself when idle."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        ).pid


def stop_tree(pid: int, grace: float = TERMINATE_GRACE_S) -> None:
    """SIGTERM ``pid`` and every descendant, then SIGKILL whatever is left after ``grace``."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        _signal(p, signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        _signal(p, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=grace)


def _signal(proc: psutil.Process, sig: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        proc.send_signal(sig)


def git(root: Path, *args: str, check: bool = True) -> str:
    """``git -C root args...`` stdout."""
    return cmd_output("git", "-C", str(root), *args, check=check)[1]
