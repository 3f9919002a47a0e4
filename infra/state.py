"""The one owner of infra's files: every path under ``.infra/``, the ledger path, safe writes.

Layout of the state directory (``<root>/.infra/``, git-ignored by its own ``.gitignore``)::

    sessions.json                   planned session names (the noxfile's cache)
    ledger.jsonl                    timing ledger (default; see ``ledger_path``)
    runs/<run id>/<session>.json    one session's verdicts; the last ``keep-runs`` runs are kept
    runs/<run id>/handoff.pickle    the nox parent's plan for its children, removed at exit
    runs/<run id>/parent.pid        the live nox parent (pid, start time), removed at exit
    runs/<run id>/hooks.expected    the hooks the run set out to run (session -> hook keys)
    runs/<run id>/claims/           who wrote a modified file: each session's evidence (``infra.claims``)
    runs/<run id>/tmp/              the nox parent's temp files (nox's child reports), removed at exit
    testmon/<session>-<digest>.*    testmon data, read records and restore spec per pytest group
    durations/<session>.json        per-test durations (xdist sizing, reports)
    warm/<key>.*                    warm pytest processes: socket, record, manifest, log (``infra.warm``)

``infra.rundirs`` looks after a run's directory over its life (begun, ended, swept when its
parent was killed, pruned to the last ``keep-runs``).

Names that become file names (session names, run ids) go through ``safe_name``: a name that is
not plain letters, digits, ``-``, ``_`` and ``.`` is escaped (``~XX``, never ``%``: SQLite's
``file:`` URIs decode that), so no name can climb out
of the directory it is put in. Every whole-file write goes through ``write_atomic`` (a unique
temp file in the same directory, then ``os.replace``), so concurrent writers never collide.

State is best effort, verdicts are not: when the state directory cannot be written (read-only,
full disk), ``directory`` hands out a throwaway temp directory instead, so hooks still run (in
full: no test-selection data survives) and a single warning line says what was not recorded.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from infra import output, wire

STATE_DIR = ".infra"
LEDGER_ENV = wire.LEDGER
DEFAULT_LEDGER = f"{STATE_DIR}/ledger.jsonl"
PROBLEM_ENV = wire.STATE_PROBLEM  # set by the nox parent once it has warned; children stay quiet
KEEP_RUNS = 20
HANDOFF_FILE = "handoff.pickle"
PARENT_FILE = "parent.pid"
EXPECTED_FILE = "hooks.expected"  # JSON; not *.json, which are session results
_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}")
_IGNORE = "# written by infra: local state, never committed\n*\n"
_warned: set[str] = set()


def safe_name(name: str) -> str:
    """``name`` when it is a plain file name, else escaped as ``~XX`` (never ``..``, ``/`` or empty).

    Not percent-encoding: SQLite opens its files as ``file:`` URIs (testmon does), where
    ``%2F`` would turn back into a ``/`` and lead out of the directory.
    """
    if _SAFE.fullmatch(name):
        return name
    encoded = (
        "".join(
            ch
            if ch.isascii() and (ch.isalnum() or ch in "-_.")
            else "".join(f"~{b:02X}" for b in ch.encode())
            for ch in name
        )
        or "~"
    )
    if encoded[0] in ".-":  # never `.`, `..`, a hidden file or an option-like name
        encoded = f"~{ord(encoded[0]):02X}{encoded[1:]}"
    if len(encoded) > 80:
        import hashlib

        encoded = encoded[:60] + "~~" + hashlib.sha256(name.encode()).hexdigest()[:16]
    return encoded


def name_of(encoded: str) -> str:
    """The name :func:`safe_name` encoded (a shortened name's hash part stays as it is)."""
    return (
        re.sub(r"~([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), encoded.split("~~")[0])
        if "~" in encoded
        else encoded
    )


def is_safe_name(name: str) -> bool:
    return bool(_SAFE.fullmatch(name))


def root_dir(root: Path) -> Path:
    """``<root>/.infra`` as a path (nothing created)."""
    return root / STATE_DIR


def directory(root: Path) -> Path:
    """The state directory, created with its ``.gitignore``; a temp directory when it cannot be written."""
    return _directory(root.resolve())


@functools.cache
def _directory(root: Path) -> Path:
    if unwritable(root) is None:
        return root_dir(root)
    fallback = Path(tempfile.mkdtemp(prefix="infra-state-"))
    atexit.register(shutil.rmtree, fallback, ignore_errors=True)
    return fallback


@functools.cache
def unwritable(root: Path) -> str | None:
    """Why ``<root>/.infra`` cannot take a write (e.g. ``Permission denied``), or None when it can."""
    inherited = _inherited(root)
    if inherited is not None and inherited[0] == "state":
        return inherited[1]
    target = root_dir(root)
    try:
        target.mkdir(parents=True, exist_ok=True)
        ignore = target / ".gitignore"
        if not ignore.exists():
            write_atomic(ignore, _IGNORE)
        fd, probe = tempfile.mkstemp(dir=target, prefix=".probe-")
        try:
            os.write(fd, b"x")  # a full file system still creates empty files
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def ledger_unwritable(path: Path) -> str | None:
    """Why the ledger at ``path`` cannot be appended to, or None (creates an empty ledger)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def resolve_ledger(root: Path, environ: Mapping[str, str], configured: str | None) -> Path:
    """``$INFRA_LEDGER``, else ``[tool.infra] ledger``, else ``.infra/ledger.jsonl``; relative to ``root``."""
    return root / (environ.get(LEDGER_ENV) or configured or DEFAULT_LEDGER)


def ledger_path(root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The ledger every reader and writer uses (reads ``pyproject.toml``; ``ConfigError`` if broken)."""
    from infra import settings

    return settings.load(root, dict(os.environ) if environ is None else environ).ledger


def sessions_cache(root: Path) -> Path:
    return root_dir(root) / "sessions.json"


def warm_dir(root: Path) -> Path:
    return root_dir(root) / "warm"


def runs_dir(root: Path) -> Path:
    return root_dir(root) / "runs"


def run_dir(root: Path, run_id: str) -> Path:
    return runs_dir(root) / safe_name(run_id)


def result_path(root: Path, run_id: str, session: str) -> Path:
    return run_dir(root, run_id) / f"{safe_name(session)}.json"


def handoff_path(root: Path, run_id: str) -> Path:
    return run_dir(root, run_id) / HANDOFF_FILE


def testmon_stem(root: Path, session: str, digest: str) -> Path:
    """``.infra/testmon/<session>-<digest>`` (add ``.db``, ``.reads.json``, ``.restore.json``)."""
    target = directory(root) / "testmon"
    target.mkdir(exist_ok=True)
    return target / f"{safe_name(session)}-{safe_name(digest)}"


def durations_path(root: Path, session: str) -> Path:
    """``.infra/durations/<session>.json`` (the directory is created)."""
    target = directory(root) / "durations"
    target.mkdir(exist_ok=True)
    return target / f"{safe_name(session)}.json"


def durations_files(root: Path) -> list[Path]:
    """Every session's recorded per-test durations (``durations/<session>.json``), for readers."""
    return sorted((root_dir(root) / "durations").glob("*.json"))


def mtime(path: Path) -> float:
    """A file's modification time; 0 when it is gone (an age check then treats it as old)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def write_atomic(
    path: Path, data: str | bytes | Iterable[bytes], *, mode: int | None = None, durable: bool = False
) -> None:
    """Replace ``path`` whole: a unique temp file beside it, then ``os.replace`` (race-free).

    ``mode`` sets the new file's permissions; ``durable`` fsyncs it first (a history, not a cache).
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as stream:
            if isinstance(data, str | bytes):
                stream.write(data.encode() if isinstance(data, str) else data)
            else:
                stream.writelines(data)
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _inherited(root: Path) -> tuple[str, str] | None:
    """``(kind, reason)`` the nox parent of a run of ``root`` found and warned about, if any (a
    nested run in another repository inherits the variable, and ignores it)."""
    import json

    try:
        data = json.loads(os.environ.get(PROBLEM_ENV) or "null")
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("root") == str(root.resolve()):
        return str(data.get("kind")), str(data.get("why"))
    return None


def warn_once(what: str, why: str, root: Path) -> None:
    """One warning line per process for ``what`` (children of a parent that warned stay quiet)."""
    if what in _warned or _inherited(root) is not None:
        return
    _warned.add(what)
    output.warn(f"{what} not recorded ({why}); hooks still run and their verdicts stand")


@contextlib.contextmanager
def best_effort(what: str, root: Path) -> Iterator[None]:
    """Run a state write of a run of ``root``; an ``OSError`` becomes one warning line, never a
    failed run."""
    try:
        yield
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        warn_once(what, f"{exc.strerror or type(exc).__name__}{where}", root)


def check_run(root: Path, ledger: Path) -> None:
    """In the nox parent of a run: one warning line for state that cannot be written; children
    inherit the finding (``INFRA_STATE_PROBLEM``) and neither probe nor warn again."""
    import json

    root = root.resolve()
    os.environ.pop(PROBLEM_ENV, None)  # an enclosing run's finding is not ours
    unwritable.cache_clear()
    problem = unwritable(root)
    if problem is not None:
        output.warn(
            f"{root_dir(root)}: not writable ({problem}); this run's results, test-selection data and "
            "timing records are not kept, every hook runs in full"
        )
        os.environ[PROBLEM_ENV] = json.dumps({"root": str(root), "kind": "state", "why": problem})
        return
    problem = ledger_unwritable(ledger)
    if problem is not None:
        output.warn(f"{ledger}: not writable ({problem}); this run's timing records are not kept")
        os.environ[PROBLEM_ENV] = json.dumps({"root": str(root), "kind": "ledger", "why": problem})


def problem_found(root: Path) -> bool:
    """Whether the nox parent of this run found state it cannot write (and said so)."""
    return _inherited(root) is not None
