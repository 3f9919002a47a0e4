"""What a pytest hook's wrapper does before pytest starts, found by running the wrapper.

Hooks such as ``bash -c 'source .venv/bin/activate && pytest t.py'``, ``bash -c 'cd tests/x
&& pytest t.py'`` or ``uv run pytest t.py`` do work before pytest: under pre-commit a set-up
step that fails fails the hook, ``cd`` moves where pytest starts (and how its paths resolve),
``source``/``export``/``uv run`` change the environment and may even pick another
interpreter. A merged pytest process is faithful only when each wrapper's effect is known, so
each distinct wrapper runs once per push exactly as written, with pytest replaced by a tiny
probe that prints the directory, the environment and the interpreter pytest would have run
with. A wrapper that fails, or leads to another interpreter than the one infra runs pytest
with, sends its hooks to run as written: their verdict is then pre-commit's by construction.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from infra import run, wire
from infra.classify import PytestCall
from infra.shell_script import shell_inner

# Environment entries a shell or an activation script sets that do not change a test's outcome
# once the interpreter is known to be the same (compared without them, and PATH deduplicated).
VOLATILE = frozenset(
    {"_", "SHLVL", "PWD", "OLDPWD", "PS1", "_OLD_VIRTUAL_PATH", "_OLD_VIRTUAL_PS1", "VIRTUAL_ENV"}
    | {"VIRTUAL_ENV_PROMPT", "UV", "UV_RUN_RECURSION_DEPTH"}
)
_PROBE = (
    "import json, os, shutil, sys\n"
    "word = sys.argv[1]\n"
    "interp = ''\n"
    "path = shutil.which(word) or ''\n"
    "if sys.argv[2] == 'script' and path:\n"
    "    with open(path, 'rb') as fh:\n"
    "        line = fh.readline().decode('utf-8', 'replace')\n"
    "    interp = line[2:].strip().split(' ')[0] if line.startswith('#!') else ''\n"
    "elif path:\n"
    "    interp = path\n"
    "print('INFRA-PROBE ' + json.dumps({'cwd': os.getcwd(), 'env': dict(os.environ), 'python': interp}))\n"
)


class Effect(NamedTuple):
    """Where and with what a wrapped pytest would start; ``as_written`` says why it cannot merge."""

    cwd: Path
    env: dict[str, str]
    as_written: str = ""  # non-empty: run the hook as written (the reason)

    def key(self) -> str:
        """Hooks whose effects share this key can share one pytest process."""
        return json.dumps([str(self.cwd), stable_env(self.env)], sort_keys=True)


def stable_env(env: Mapping[str, str]) -> dict[str, str]:
    out = {k: v for k, v in env.items() if k not in VOLATILE and not k.startswith(wire.PREFIX)}
    if "PATH" in out:
        out["PATH"] = os.pathsep.join(dict.fromkeys(out["PATH"].split(os.pathsep)))
    return out


def probe_command(entry_argv: list[str], call: PytestCall) -> list[str] | None:
    """The hook's own command with pytest replaced by the probe; None when nothing wraps pytest."""
    word, form = (call.python, "module") if call.python else ("pytest", "script")
    probe = [sys.executable, "-c", _PROBE, word, form]
    inner = shell_inner(entry_argv)
    if inner is not None:
        if not call.prefix and not call.launcher:
            return None
        script = " ".join([call.prefix, *map(shlex.quote, [*call.launcher, *probe])]).strip()
        return [*entry_argv[:2], script]
    if call.launcher:
        return [*call.launcher, *probe]
    return None


def _same_interpreter(python: str) -> bool:
    """The interpreter pytest would run under is the one infra runs pytest with."""
    if not python:
        return False
    ours = {os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable))}
    return os.path.dirname(python) in ours or os.path.realpath(python) == os.path.realpath(sys.executable)


def _unwrapped(call: PytestCall, root: Path, env: Mapping[str, str]) -> Effect:
    """A hook with no wrapper: pytest (or python) from PATH must be our interpreter."""
    word = call.python or "pytest"
    path = shutil.which(word, path=env.get("PATH"))
    python = path or ""
    if path and not call.python:
        try:
            with open(path, "rb") as fh:
                line = fh.readline().decode("utf-8", "replace")
            python = line[2:].strip().split(" ")[0] if line.startswith("#!") else ""
        except OSError:
            python = ""
    if not _same_interpreter(python):
        return Effect(
            root, dict(env), f"`{word}` on PATH is not infra's interpreter ({python or 'not found'})"
        )
    return Effect(root / call.cwd, dict(env))


def effect(
    root: Path, entry_argv: list[str], call: PytestCall, env: Mapping[str, str], timeout: float | None
) -> Effect:
    """Run the wrapper with the probe (or look at PATH when there is no wrapper)."""
    cmd = probe_command(entry_argv, call)
    if cmd is None:
        return _unwrapped(call, root, env)
    result = run.run(cmd, cwd=root, env=env, timeout=timeout)
    line = next((ln for ln in result.output.splitlines() if ln.startswith("INFRA-PROBE ")), None)
    if result.returncode != 0 or line is None:
        return Effect(root, dict(env), f"its set-up `{call.prefix or shlex.join(call.launcher)}` failed")
    found = json.loads(line.removeprefix("INFRA-PROBE "))
    if not _same_interpreter(found["python"]):
        return Effect(root, dict(env), f"its wrapper runs pytest with {found['python'] or 'no pytest'}")
    cwd = Path(found["cwd"])
    if cwd.resolve() != (root / call.cwd).resolve():
        return Effect(root, dict(env), f"its wrapper starts pytest in {cwd}, not in {call.cwd}/")
    return Effect(cwd, dict(found["env"]))
