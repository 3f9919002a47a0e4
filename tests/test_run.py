"""The only process-spawning module: children die with their parent, whoever kills it."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from infra import run

PARENT = """
import sys, threading
from pathlib import Path
from infra import run
sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
worker = threading.Thread(target=run.run, args=(sleeper,), kwargs={"cwd": Path(".")})
worker.start()  # started from a thread that waits for it, as the session runner's pool does
run.run(sleeper, cwd=Path("."))
"""


def _children(parent: psutil.Process, count: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 30
    while len(found := parent.children()) < count:
        assert time.monotonic() < deadline, "the children never started"
        time.sleep(0.02)
    return found


def test_a_parent_killed_with_sigkill_takes_its_children_along(tmp_path: Path) -> None:
    """SIGKILL of a parent running two hooks (one from a thread): both are gone within 2 s."""
    with subprocess.Popen([sys.executable, "-c", PARENT], cwd=tmp_path) as proc:
        children = _children(psutil.Process(proc.pid), 2)
        proc.kill()
    _, alive = psutil.wait_procs(children, timeout=2)
    assert not alive


def test_a_hook_still_reports_its_output_and_exit_code() -> None:
    """The death watch changes nothing for a normal run: output and exit code as the hook gave them."""
    result = run.run([sys.executable, "-c", "print('hi'); raise SystemExit(3)"], cwd=Path("."))
    assert (result.returncode, result.output) == (3, "hi\n")


def test_an_interrupt_stops_the_running_hook_and_yields_no_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM/^C while a hook runs: its tree is stopped at once and the run raises KeyboardInterrupt."""
    monkeypatch.setattr(run, "_stopping", threading.Event())

    def fire() -> None:
        with contextlib.suppress(KeyboardInterrupt):  # raised in this thread; the hook's run sees the flag
            run.interrupt(signal.SIGTERM, None)

    timer = threading.Timer(0.5, fire)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run.run([sys.executable, "-c", "import time; time.sleep(30)"], cwd=tmp_path)
    timer.join()
    assert time.monotonic() - started < 5
    assert not run._live


def test_an_interrupt_during_a_spawn_is_raised_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mid-fork the handler does not raise (it would be lost in an at-fork callback); the spawn does."""
    monkeypatch.setattr(run, "_stopping", threading.Event())
    monkeypatch.setattr(run, "_spawning", [True])
    run.interrupt(signal.SIGINT, None)  # no KeyboardInterrupt here
    monkeypatch.setattr(run, "_spawning", [False])
    with pytest.raises(KeyboardInterrupt):
        run.cmd_output(sys.executable, "-c", "pass")
    with pytest.raises(KeyboardInterrupt):
        run.run([sys.executable, "-c", "pass"], cwd=tmp_path)
