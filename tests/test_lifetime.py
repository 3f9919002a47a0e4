"""``infra.lifetime``: a child ends with its parent, and a process that exited counts as dead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil

from infra import lifetime


def test_a_child_whose_parent_is_already_gone_ends_itself() -> None:
    """`die_with_parent` named a parent that has died (and is not ours): the process ends at once."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    code = f"import signal; from infra import lifetime; lifetime.die_with_parent(signal.SIGTERM, {dead.stdout.strip()}); print('alive')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == -signal.SIGTERM and proc.stdout == ""


def test_a_live_parent_that_is_not_ours_is_a_nested_run() -> None:
    """A pid inherited from an enclosing run names a live process that is not our parent: carry on."""
    code = "import signal; from infra import lifetime; lifetime.die_with_parent(signal.SIGTERM, 1); print('alive')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout == "alive\n"


def test_a_watched_process_starts_hooks_without_the_costly_fork() -> None:
    """A nox child that watches its parent stops its hooks itself: no per-spawn preexec (no vfork loss)."""
    code = "from infra import lifetime; print(lifetime.child_setup() is None); lifetime.watch_parent(None); print(lifetime.child_setup())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout == "False\nNone\n"


def test_a_running_process_is_alive_and_a_reaped_one_is_not() -> None:
    """This process and a sleeping child are alive; the child, once killed and reaped, is not."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert lifetime.alive(os.getpid()) and lifetime.alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not lifetime.alive(child.pid)


def test_a_zombie_is_not_alive() -> None:
    """A child that exited and that its parent has not reaped yet (a zombie: under a container's
    bare init nobody ever reaps it) will never publish or serve anything: it counts as dead."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it has exited; still unreaped
        assert psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE
        assert not lifetime.alive(child.pid)
    finally:
        child.wait()


def test_pid_0_is_no_process() -> None:
    """``kill(0, 0)`` signals our own process group and succeeds; 0 still names no process."""
    assert not lifetime.alive(0)
