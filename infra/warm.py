"""Warm pytest: the import-heavy part of start-up paid once per environment, not once per push.

A real service's pytest process spends most of its start-up importing third-party libraries
(web frameworks, SDKs, pydantic models) before the first test runs. Unless ``[tool.infra] warm =
false`` (or ``INFRA_WARM=0``, or in CI) a pytest run goes through ``python -m infra.warm run -- ARGS``:

- The first run is cold (a plain ``python -m pytest``); our plugin records which modules it
  imported from outside the repository (``MANIFEST_ENV``). Then a *warm process* starts in the
  background: the same interpreter, directory and environment, with those modules imported.
- Later runs connect to it over a Unix socket in the state directory and hand over their
  argv, environment, directory and stdin/stdout/stderr; it forks one child per run, which
  becomes the run's pytest (``pytest.main``) and reports the exit code back.

Only third-party and standard-library modules are preloaded: the project's own code, its
conftest files and its tests are imported by the child as a cold run would, so an edit to them
needs nothing. A warm process serves only runs whose interpreter, directory and environment
(except infra's own per-run ``INFRA_*`` variables and pre-commit's push refs; including the pytest
group's testmon data file, so each group has its own) are those it was started with (the *key*:
its socket name); before every fork it checks that no preloaded module
file and no installed distribution changed, and exits when one did (the run goes cold). A
process that started threads while preloading is never forked (it says so and the runs stay
cold). Anything unexpected sends the run down the cold path: the warm path can cost time, never
a verdict.

Lifetime: a warm process stops ``INFRA_WARM_IDLE`` seconds (default 900) after the last pytest
run of the repository ended, its own or any other group's (``ACTIVITY``: while a push's coverage
gate runs for minutes in one group's process, the other groups' processes are not idle, and the
next push finds them), with ``infra warm stop``, or when stale; ``infra warm status`` lists them.
A process up for ``INFRA_WARM_MAX_AGE`` seconds (default an hour: what was imported then is not
kept for days) serves its next run and hands over: it gives up its socket, and the run's client
starts a fresh one, as after a cold run. So age never costs a push a cold run. Every run that uses or
starts one prints one ``infra-warm:`` line, which the push output shows. A child dies with its
run: it watches the connection and kills its own process group when the client goes away
(timeout, ^C, a killed push).

Known differences from a cold run, by design: the child shares the warm process's hash seed
(``PYTHONHASHSEED``); its pytest's CPU time is not counted in the ledger's ``cpu_s``; what the
warm process preloaded is frozen (``gc.freeze``: the child's collections skip it, and
``gc.get_objects()`` does not list it); a warning that a preloaded module of the shared set-up
gave at import is issued again by infra, so its traceback points there.
This is Linux-only (``SO_PEERCRED``: only the same user may connect); elsewhere runs stay cold.
Besides ``infra.run``, this and ``infra.warm_server`` are the only modules that start processes:
the warm path must fork its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from infra import lifetime, wire  # neither imports psutil or ctypes: the client stays light

ENV = wire.WARM
IDLE_ENV = wire.WARM_IDLE
MAX_AGE_ENV = wire.WARM_MAX_AGE
MANIFEST_ENV = wire.WARM_MANIFEST
ROOT_ENV = wire.REPO_ROOT
LINE = "infra-warm: "
DEFAULT_IDLE_S = 900.0
DEFAULT_MAX_AGE_S = 3600.0
ACTIVITY = "last-run"  # in the warm directory: touched while any run of the repository lasts
_VOLATILE = frozenset(  # set per run, so never part of what a warm process must share. A pytest
    # group's own data file (TESTMON_DATAFILE) is kept: each group gets its own warm process, as
    # groups collect different tests under different conftest files, which set the environment
    # the preloaded modules saw
    {"PWD", "OLDPWD", "SHLVL", "_", "NOX_CURRENT_SESSION"}
    | {f"PRE_COMMIT_{n}" for n in ("FROM_REF", "TO_REF", "REMOTE_NAME", "REMOTE_URL", "REMOTE_BRANCH")}
    | {"PRE_COMMIT_LOCAL_BRANCH"}
)
HEADER = struct.Struct("!Q")


def usable() -> bool:
    return hasattr(socket, "SO_PEERCRED") and hasattr(socket, "send_fds") and hasattr(os, "fork")


def wanted(setting: bool, environ: Mapping[str, str]) -> bool:
    """``INFRA_WARM=1``/``0`` decides; else the setting (on by default), never in CI (one run
    per machine: nothing to reuse, and a process left behind)."""
    from infra import fingerprint

    flag = environ.get(ENV, "")
    if flag in ("0", "1"):
        return usable() and flag == "1"
    return usable() and setting and not fingerprint.is_ci(environ)


def command(python: str, pytest_args: Sequence[str]) -> list[str]:
    return [python, "-m", "infra.warm", "run", "--", *pytest_args]


def pytest_command(pytest_args: Sequence[str], *, safe_path: bool) -> list[str]:
    """A cold pytest. ``python -m pytest`` puts the working directory first on ``sys.path``; the
    ``pytest`` script does not (a test importing a top-level directory passes only under the
    first): ``-P`` keeps that difference when the hooks call the script."""
    return [sys.executable, *(["-P"] if safe_path else []), "-m", "pytest", *pytest_args]


def warm_dir(root: Path) -> Path:
    from infra import state  # paths under .infra/ have one owner

    return state.warm_dir(root)


def key(python: str, cwd: str, env: Mapping[str, str]) -> str:
    """What a warm process must share with a run it serves."""
    h = hashlib.sha256(f"{python}\0{cwd}\0".encode())
    for name in sorted(env):
        if not name.startswith(wire.PREFIX) and name not in _VOLATILE:
            h.update(f"{name}={env[name]}\0".encode())
    return h.hexdigest()[:20]


def said(output: str) -> list[str]:
    """The ``infra-warm:`` lines of a run's output (the push prints them)."""
    return [line for line in output.splitlines() if line.startswith(LINE)]


# --- the client: one per run ------------------------------------------------------------------


def run(pytest_args: list[str]) -> int:
    """The run's exit code: through the warm process when one serves, else cold. The warm path
    can only cost time: whatever goes wrong on it, the run goes cold, with one line saying why."""
    root = Path(os.environ.get(ROOT_ENV) or os.getcwd())
    cwd, env = os.getcwd(), dict(os.environ)
    k = key(sys.executable, cwd, env)
    where = warm_dir(root)
    os.environ[MANIFEST_ENV] = str(where / f"{k}.modules")
    with _running(where, idle_s(env) / 3):
        try:
            code = _warm(where, k, pytest_args, {**env, MANIFEST_ENV: os.environ[MANIFEST_ENV]}, cwd)
        except Exception as exc:  # pragma: no cover - defensive: a verdict never depends on the warm path
            print(f"{LINE}warm path failed ({exc!r}); ran cold", file=sys.stderr)
            code = None
        if code is None:
            code = subprocess.call(pytest_command(pytest_args, safe_path=env.get(wire.SAFE_PATH) == "1"))
    try:  # after a cold run, or when the warm process handed over (``_claim``: none if one is up)
        _start(where, k, env, cwd)
    except Exception as exc:  # pragma: no cover - defensive: the run is done, its exit code stands
        print(f"{LINE}no warm process started ({exc!r})", file=sys.stderr)
    return code


@contextlib.contextmanager
def _running(where: Path, every: float) -> Iterator[None]:
    """While a run of this repository lasts, and when it ends, no warm process of it is idle:
    ``ACTIVITY`` is touched at the start, every ``every`` seconds and at the end."""
    done = threading.Event()

    def beat() -> None:
        _touch(where / ACTIVITY)
        while not done.wait(every):
            _touch(where / ACTIVITY)
        _touch(where / ACTIVITY)

    beating = threading.Thread(target=beat, name="infra-warm-activity", daemon=True)
    beating.start()
    try:
        yield
    finally:
        done.set()
        beating.join()


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):  # no state directory yet, or a read-only one: idleness is
        path.touch()  # then each process's own


SUN_PATH_MAX = 107  # sockaddr_un.sun_path holds 108 bytes with the terminating NUL


@contextlib.contextmanager
def socket_address(path: Path) -> Iterator[str]:
    """An address for the socket file ``path`` that fits ``sun_path``.

    A repository deep in the file system (a CI workspace, a temporary directory) puts the state
    directory past the 107 bytes a Unix socket path may have, and ``bind``/``connect`` fail
    with "AF_UNIX path too long". Such a path is reached through the directory's open file
    descriptor instead (``/proc/self/fd/N/NAME``, which Linux resolves like the directory).
    """
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def _warm(where: Path, k: str, args: list[str], env: dict[str, str], cwd: str) -> int | None:
    """The run's exit code through the warm process; None: run cold."""
    record = _record(where / f"{k}.json")
    if record is None:
        return None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with socket_address(where / f"{k}.sock") as address:
            conn.connect(address)
    except OSError:
        return None
    with conn:
        payload = json.dumps({"argv": args, "env": env, "cwd": cwd}).encode()
        try:
            socket.send_fds(conn, [HEADER.pack(len(payload))], [0, 1, 2])
            conn.sendall(payload)
            stream = conn.makefile("r", encoding="utf-8")
            first = json.loads(stream.readline() or "{}")
            if "pid" not in first:
                print(
                    f"{LINE}the warm process {record['pid']} was stale ({first['stale']}); ran cold"
                    if "stale" in first
                    else f"{LINE}the warm process {record['pid']} stopped before the run started; ran cold",
                    file=sys.stderr,
                )
                return None
            ago = time.time() - float(record.get("started", time.time()))
            print(
                f"{LINE}pytest forked from warm process {record['pid']} (up {ago:.0f} s; "
                "`infra warm status`, `infra warm stop`)",
                file=sys.stderr,
                flush=True,
            )
            last = json.loads(stream.readline() or "{}")
        except (OSError, ValueError):
            return None
    if "exit" not in last:  # killed (``infra warm stop``) or crashed: the cold run decides
        print(
            f"{LINE}the warm pytest child {first['pid']} ended without a result; running cold",
            file=sys.stderr,
        )
        return None
    return int(last["exit"])


def _record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) and lifetime.alive(int(data["pid"])) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _start(where: Path, k: str, env: Mapping[str, str], cwd: str) -> None:
    """Start the warm process for later runs, unless one is up or the last one refused."""
    record = where / f"{k}.json"
    if not (where / f"{k}.modules").is_file() or (where / f"{k}.refused").exists() or not _claim(record):
        return
    clean = {
        n: v
        for n, v in env.items()
        if not n.startswith(wire.PREFIX) or n in (ROOT_ENV, IDLE_ENV, MAX_AGE_ENV)
    }
    from infra import run as run_mod

    pid = run_mod.detach(
        [sys.executable, "-m", "infra.warm_server", str(where), k], cwd=cwd, env=clean, log=where / f"{k}.log"
    )
    with contextlib.suppress(OSError):  # seen (status, stop) while it preloads; it rewrites this when up
        record.write_text(json.dumps({"pid": pid, "started": time.time(), "cwd": cwd}))
    idle = idle_s(env)
    print(
        f"{LINE}started warm process {pid} for the next runs (stops after {idle:.0f} s idle, "
        "or `infra warm stop`)",
        file=sys.stderr,
        flush=True,
    )


def _claim(record: Path) -> bool:
    """Whether this run may start the key's warm process: two runs of the same configuration
    ending together (a long hook split into its own process) start one, not two."""
    from infra import state

    for _ in range(2):
        try:
            os.close(os.open(record, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            if _record(record) is not None or time.time() - state.mtime(record) < 5:
                return False  # up, or being started right now
            with contextlib.suppress(OSError):
                record.unlink()  # a dead one's record
        except OSError:
            return False
    return False


def idle_s(env: Mapping[str, str]) -> float:
    return _seconds(env, IDLE_ENV, DEFAULT_IDLE_S)


def max_age_s(env: Mapping[str, str]) -> float:
    return _seconds(env, MAX_AGE_ENV, DEFAULT_MAX_AGE_S)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return max(0.1, float(env.get(name) or default))
    except ValueError:
        return default


# --- status and stop ----------------------------------------------------------------------------


def servers(root: Path) -> list[dict[str, Any]]:
    """The live warm processes of this repository."""
    found = []
    for path in sorted(warm_dir(root).glob("*.json")):
        record = _record(path)
        if record is not None:
            found.append({**record, "key": path.stem})
    return found


def stop(root: Path, grace_s: float = 2.0) -> list[int]:
    """Stop every warm process of this repository (their running children too); their pids."""
    stopped = [int(s["pid"]) for s in servers(root)]
    for pid in stopped:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(lifetime.alive(p) for p in stopped) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in stopped:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    return stopped


def main(argv: list[str]) -> int:
    if argv[:2] == ["run", "--"]:
        return run(argv[2:])
    print("usage: python -m infra.warm run -- PYTEST_ARGS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
