"""Who left a file modified, when sessions run side by side: evidence shared between sessions.

pre-commit runs hooks one after another, so the hook whose run changed ``git diff`` is the one
that wrote the file. Our sessions run in parallel, and a file one session's hook writes shows up
in the diff every other session takes meanwhile. ``infra.modified.written_during`` clears the
hooks whose process was not running at the write, but two processes alive at the same moment
cannot be told apart by time. Some charges carry evidence, though:

- a test's recorded write (``infra.tracker``) names the hook that owns the test;
- a hook given the file (``pass_filenames``) whose content changed across its run wrote it;
- the host (pre-commit or prek) reports its own hooks' modifications.

Every charge therefore carries its evidence, strongest first: ``RECORDED`` (a test's write),
``GIVEN`` (the hook's own file changed across its run: strong, though a write from elsewhere
during that run looks the same), ``TIMED`` (only the file's change time falls within the
hook's run) and ``UNSEEN`` (a pytest process whose Python writes are all recorded, none to
this file, but whose C code opened it). Once its hooks have run, a session publishes its charges (``publish``); a charge
stands unless another session holds stronger evidence for the same file. To know that, a session with a timed charge waits until every session that
had started (``begin``) and is still alive has published, which costs no wall time in practice:
the push ends with its longest session anyway, and only a push that modifies files (a failing
push) ever waits. Sessions publish before they wait, so two waiting sessions never wait on each
other, and a session that has not started yet cannot have written during a run that is over.

A file two hooks of different strength both wrote is charged to the stronger one only (pre-commit
would have failed the first of the two to run, and the second only if its change differed); the
push fails either way.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from infra import lifetime, state

POLL_S = 0.05
UNSEEN, TIMED, GIVEN, RECORDED = 0, 1, 2, 3  # evidence that a hook wrote a file, weakest first


class Tie(NamedTuple):
    """A direct hook's charge that stood on timing alone (another session's may stand too):
    the files, those that had no diff when its session began, and its verdict uncharged."""

    files: tuple[str, ...]
    clean: tuple[str, ...]
    uncharged: dict[str, Any]


def _dir(root: Path, run_id: str) -> Path:
    return state.run_dir(root, run_id) / "claims"


def begin(root: Path, run_id: str, session: str) -> None:
    """Mark ``session`` as started in this run (before any of its hooks runs). Best effort."""
    target = _dir(root, run_id) / f"{state.safe_name(session)}.started"
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        state.write_atomic(target, f"{os.getpid()}")


def publish(root: Path, run_id: str, session: str, charges: Mapping[str, int]) -> None:
    """File -> the strongest evidence ``session``'s hooks hold for it (after all its hooks ran)."""
    target = _dir(root, run_id) / f"{state.safe_name(session)}.json"
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        state.write_atomic(target, json.dumps(dict(sorted(charges.items()))))


def others(root: Path, run_id: str, session: str, deadline: float | None) -> dict[str, int]:
    """File -> the strongest evidence other sessions of this run hold, once every session that
    started and is alive has said (or ``deadline``, a ``time.monotonic()`` value, has passed)."""
    directory = _dir(root, run_id)
    own = state.safe_name(session)
    try:  # sessions run side by side only under a nox parent; markers from before it are stale
        since = (state.run_dir(root, run_id) / state.PARENT_FILE).stat().st_mtime
    except OSError:
        return {}
    while True:
        claimed: dict[str, int] = {}
        waiting = False
        for marker in _markers(directory, since):
            name = marker.name.removesuffix(".started")
            if name == own:
                continue
            found = _read(directory / f"{name}.json")
            if found is not None:
                for path, level in found.items():
                    claimed[path] = max(level, claimed.get(path, UNSEEN))
            elif _alive_elsewhere(marker):
                waiting = True
        if not waiting or (deadline is not None and time.monotonic() >= deadline):
            return claimed
        time.sleep(POLL_S)


def _markers(directory: Path, since: float) -> list[Path]:
    found = []
    with contextlib.suppress(OSError):
        for marker in sorted(directory.glob("*.started")):
            with contextlib.suppress(OSError):
                if marker.stat().st_mtime >= since:
                    found.append(marker)
    return found


def _read(path: Path) -> dict[str, int] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return {}
    return {str(p): level for p, level in data.items() if isinstance(level, int)}


def _alive_elsewhere(marker: Path) -> bool:
    """A session that started in another live process (one run in this process, one after the
    other, or a process that died, will never publish: nothing to wait for)."""
    try:
        pid = int(marker.read_text().strip())
    except (OSError, ValueError):
        return False
    return pid != os.getpid() and lifetime.alive(pid)


def stand(root: Path, run_id: str, session: str, ties: Mapping[str, Tie]) -> None:
    """Hook key -> its timing-only charge that stood (read by the nox parent: ``infra.ties``)."""
    target = _dir(root, run_id) / f"{state.safe_name(session)}.ties"
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        state.write_atomic(target, json.dumps({k: t._asdict() for k, t in ties.items()}))


def standing(root: Path, run_id: str) -> dict[str, dict[str, Tie]]:
    """Session file stem -> hook key -> its standing timing-only charge."""
    out: dict[str, dict[str, Tie]] = {}
    for path in sorted(_dir(root, run_id).glob("*.ties")):
        try:
            data = json.loads(path.read_text())
            out[path.stem] = {
                k: Tie(tuple(v["files"]), tuple(v["clean"]), dict(v["uncharged"])) for k, v in data.items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return out


def published(root: Path, run_id: str) -> dict[str, dict[str, int]]:
    """Session file stem -> what it published (``publish``)."""
    out = {}
    for path in sorted(_dir(root, run_id).glob("*.json")):
        found = _read(path)
        if found is not None:
            out[path.stem] = found
    return out
