"""How long a process lives: our children die with us, and a zombie counts as dead.

Children die with their parent (Linux ``PR_SET_PDEATHSIG``): a nox child gets SIGTERM at its
parent's death (``watch_parent``) and its handler (``infra.run.interrupt``) stops its hook trees.
A process not so watched (nox running sessions in-process) starts each hook with the flag set to
SIGKILL (``child_setup``); the kernel sends it when the *thread* that started the child exits,
and ``infra.run`` waits for every child in the thread that started it. It costs a full ``fork``
(no ``vfork``), so only there.

Whether another process still runs is asked in three places: a death watch set up after its
parent died, a session that may yet publish its charges (``infra.claims``), a warm pytest
process that may yet serve a run (``infra.warm``). They share one answer (``alive``): a process
that exited is dead even while its parent has not reaped it (a zombie: under a container's bare
init nobody ever does), since it will never watch, publish or serve anything.

Nothing here starts a process (``infra.run`` does), and nothing heavy is imported at load: the
warm client imports this before every pytest run.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_watched = [False]  # this process gets SIGTERM when its parent dies (``watch_parent``)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process, ours or another user's; a zombie is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process: it exists
        pass
    return not _exited(pid)


def _exited(pid: int) -> bool:
    """Whether ``pid``, there a moment ago, is a zombie or gone by now. Linux reads /proc: the
    warm client asks before every run, and importing psutil would cost it more than the answer."""
    if sys.platform != "linux":  # pragma: no cover - not Linux
        import psutil

        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True
        except psutil.AccessDenied:
            return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # reaped since the signal; or 0, which signals our own group: no process
        return True
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up once (before any fork: a child must not load libraries)."""
    import ctypes  # only where processes start: the warm client never needs it

    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None
    return function


def die_with_parent(sig: int = signal.SIGKILL, parent: int | None = None) -> None:
    """Have the kernel send ``sig`` to this process when its parent exits; at once if ``parent``
    (the pid it was started by) is gone already (a live ``parent`` that is not ours: nested runs)."""
    prctl = _prctl()
    if prctl is None:  # pragma: no cover - not Linux
        return
    prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if parent is not None and os.getppid() != parent and not alive(parent):
        os.kill(os.getpid(), sig)  # it died before we asked: we were re-parented already


def watch_parent(parent: int | None) -> None:
    """In a nox child: SIGTERM (``infra.run.interrupt``: hook trees stopped) when the nox parent dies."""
    die_with_parent(signal.SIGTERM, parent)
    _watched[0] = True


def child_setup() -> Callable[[], None] | None:
    """A ``preexec_fn`` that ties the child's life to ours (None: a watched process stops its
    children itself, or no prctl)."""
    if _watched[0] or _prctl() is None:
        return None
    parent = os.getpid()
    return functools.partial(die_with_parent, signal.SIGKILL, parent)
