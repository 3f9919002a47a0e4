"""A run's directory over its life: begun by the nox parent, ended at its exit, swept when the
parent was killed, pruned to the last ``keep-runs`` runs (paths: ``infra.state``)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from infra import state

STALE_TEMP_S = 600.0  # a temp file this old belongs to a writer that died


def begin_run(root: Path, run_id: str, expected: Mapping[str, Iterable[str]] | None = None) -> None:
    """In the nox parent: note who runs (so a later run can tell this one was killed) and which
    hooks are to run (so ``infra summary`` can name those that did not finish), and keep the
    parent's temp files (nox's report files) inside the run's directory. Best effort."""
    target = state.run_dir(root, run_id)
    with contextlib.suppress(OSError):
        (target / "tmp").mkdir(parents=True, exist_ok=True)
        state.write_atomic(target / state.PARENT_FILE, _identity(os.getpid()))
        state.write_atomic(
            target / state.EXPECTED_FILE, json.dumps({k: sorted(v) for k, v in (expected or {}).items()})
        )
        tempfile.tempdir = str(target / "tmp")


def expected_hooks(root: Path, run_id: str) -> set[str] | None:
    """The hooks a run set out to run (None: not recorded)."""
    try:
        data = json.loads((state.run_dir(root, run_id) / state.EXPECTED_FILE).read_text())
        return {str(key) for keys in data.values() for key in keys}
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def running(root: Path, run_id: str) -> bool:
    """Whether the run's nox parent is still alive."""
    return _parent_alive(state.run_dir(root, run_id))


def _parent_alive(directory: Path) -> bool:
    try:
        pid, _, started = (directory / state.PARENT_FILE).read_text().partition(" ")
    except OSError:
        return False
    return pid.isdigit() and _identity(int(pid)) == f"{pid} {started}"


def end_run(root: Path, run_id: str) -> None:
    """Undo ``begin_run`` (at the parent's exit)."""
    target = state.run_dir(root, run_id)
    if tempfile.tempdir == str(target / "tmp"):
        tempfile.tempdir = None
    _clear(target)


def _clear(target: Path) -> None:
    shutil.rmtree(target / "tmp", ignore_errors=True)
    for name in (state.HANDOFF_FILE, state.PARENT_FILE):
        with contextlib.suppress(OSError):
            (target / name).unlink()


def _identity(pid: int) -> str:
    import psutil

    try:
        return f"{pid} {psutil.Process(pid).create_time()}"
    except psutil.Error:
        return f"{pid} 0"


def sweep_killed(root: Path, live: str | None = None) -> list[str]:
    """Remove what killed runs left (hand-off, temp files): runs whose recorded parent is gone."""
    swept = []
    for marker in state.runs_dir(root).glob(f"*/{state.PARENT_FILE}"):
        if marker.parent.name == state.safe_name(live or ""):
            continue
        if not _parent_alive(marker.parent):
            _clear(marker.parent)
            swept.append(marker.parent.name)
    return swept


def prune_runs(root: Path, keep: int = state.KEEP_RUNS, *, live: str | None = None) -> list[str]:
    """Remove all but the newest ``keep`` run directories (never ``live`` or another running one);
    returns the removed ids.

    A run killed before it could clean up leaves its directory behind, and a writer killed
    mid-write its temp file: the next run's pruning takes them away.
    """
    base = state.runs_dir(root)
    try:
        runs = sorted((d for d in base.iterdir() if d.is_dir()), key=state.mtime, reverse=True)
    except OSError:
        return []
    removed = []
    for old in runs[keep:]:
        if old.name != state.safe_name(live or "") and not _parent_alive(old):  # never a running run
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    stale = time.time() - STALE_TEMP_S
    for temp in [*state.root_dir(root).glob(".*.tmp"), *base.glob("*/.*.tmp")]:
        if state.mtime(temp) < stale:
            temp.unlink(missing_ok=True)
    return removed
