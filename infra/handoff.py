"""What the nox parent of a prepush run hands its parallel children: plan, change set, triggers.

Under ``nox -j N`` every session runs in a child ``nox`` that re-imports the noxfile. Reading the
config again, re-planning, asking git for the change set and classifying the files once more
cost each child ~0.05 s of CPU, eleven times on a full push, on the same cores the sessions need.
The parent has all of it already (it settles idle sessions with it): it pickles it once into
the run's directory, and a child of the same run (``INFRA_RUN_ID``) loads it in milliseconds.
A session started on its own (``nox -s lint``) finds no hand-off and computes everything itself.
The file is the run's own and goes when the parent exits; it counts only in the process that
wrote it or a direct child of it (a nox child), so a file left by a killed run, or a run id
exported in the shell (CI shards share one), never feeds another run a stale change set. Writing
it is best effort: without it, children compute for themselves.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from infra import state

if TYPE_CHECKING:
    from infra.changes import ChangeSet
    from infra.project import Project
    from infra.triggers import Trigger

NAME = "handoff.pickle"


class Handoff(NamedTuple):
    project: Project
    change: ChangeSet
    decided: Mapping[str, Trigger]  # hook key -> pre-commit's decision for this push
    pid: int  # the nox parent that wrote it


def path(root: Path, run_id: str) -> Path:
    return state.handoff_path(root, run_id)


def write(root: Path, run_id: str, handoff: Handoff) -> Path | None:
    target = path(root, run_id)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        state.write_atomic(target, pickle.dumps(handoff, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        return None
    return target


def load(root: Path, run_id: str | None) -> Handoff | None:
    """The run's hand-off, or None (no run id, none written, or unreadable: compute instead)."""
    if not run_id:
        return None
    try:
        data = pickle.loads(path(root, run_id).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(data, Handoff) or data.pid not in (os.getpid(), os.getppid()):
        return None
    return data


def remove(root: Path, run_id: str) -> None:
    with contextlib.suppress(OSError):
        path(root, run_id).unlink()
