"""``infra init``: one idempotent command that makes a repository's pre-push stage ``nox -t prepush``.

Setting up took five commands (noxfile lines, ``[tool.infra]``, migrate, install, doctor), and
the one users got wrong failed only at their next push: ``pre-commit install`` writes a git
hook that starts pre-commit with the right Python, but pre-commit then runs the
``nox -t prepush`` hook with git's own ``PATH``, where the project's virtualenv is not active:
"Executable `nox` not found". So the git hook written here puts the environment ``infra init``
runs in (its ``bin/``) first on ``PATH``, then hands over to pre-commit's own ``hook-impl``
exactly as pre-commit's wrapper does (same arguments; a foreign hook it replaces is kept as
``pre-push.legacy``, which pre-commit runs too). With ``INFRA_HOOK_DRY_RUN=1`` the hook only
lists the sessions it would run: ``infra doctor`` starts it that way, from git's environment.

Each step is a no-op when already done, so running ``infra init`` again changes nothing.
Files are edited by appending (the noxfile, ``pyproject.toml``) or through ``infra migrate``
(the config, comments kept); nothing is rewritten wholesale.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from infra import hosts, migrate, run, wire, workflow
from infra.errors import FatalError

NOXFILE_LINES = "import infra.sessions\n\ninfra.sessions.register()\n"
HOOK_MARK = "# infra-init: pre-push hook"
DRY_RUN_ENV = wire.HOOK_DRY_RUN
HOOK = """\
#!/bin/sh
{mark} (written by `infra init`; run it again to update, `pre-commit uninstall -t pre-push` to remove)
# git runs this with its own environment: the project's environment goes first on PATH so that
# pre-commit's `nox -t prepush` hook (and every tool it starts) is the project's, not the system's.
PATH={bin}:"$PATH"
export PATH
unset VIRTUAL_ENV PYTHONHOME
if [ -n "${dry}" ]; then
    exec {entry} --list  # `infra doctor`: prove the command starts from git's environment
fi
HERE="$(cd "$(dirname "$0")" && pwd)"
{handoff}
"""
HANDOFF = {
    "pre-commit": 'exec {program} hook-impl --config={config} --hook-type=pre-push --hook-dir "$HERE" -- "$@"',
    "prek": 'exec {program} hook-impl --hook-dir="$HERE" --script-version=4 --hook-type=pre-push --config={config} -- "$@"',
}


class Step(NamedTuple):
    name: str
    done: str  # what was done, or "" when nothing had to change
    ok: bool = True  # False: the user has to act (``done`` says how)

    def line(self) -> str:
        status = "todo" if not self.ok else "done" if self.done else "ok"
        return f"{status:<6}{self.name}: {self.done or 'already set up'}"


def environment_bin() -> Path:
    """The ``bin/`` of the environment infra runs in (a venv's python is not resolved: symlinks)."""
    return Path(sys.executable).absolute().parent


def noxfile(root: Path) -> Step:
    """Create ``noxfile.py``, or append the two lines to a noxfile that parses; else say what to add."""
    path = root / "noxfile.py"
    if not path.exists():
        path.write_text(f'"""infra\'s pre-push sessions, reports and regress."""\n\n{NOXFILE_LINES}')
        return Step("noxfile", "created noxfile.py: infra.sessions.register()")
    text = path.read_text(encoding="utf-8", errors="replace")
    if re.search(r"\binfra\.sessions\.register\(|\bfrom infra import sessions\b", text):
        return Step("noxfile", "")
    try:
        ast.parse(text)
    except SyntaxError:
        add = NOXFILE_LINES.replace("\n\n", "; ").strip()
        return Step("noxfile", f"noxfile.py does not parse; add `{add}` at its end", ok=False)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(
            ("\n" if text.endswith("\n") else "\n\n") + NOXFILE_LINES if text.strip() else NOXFILE_LINES
        )
    return Step("noxfile", "appended infra.sessions.register() to noxfile.py (after your own sessions)")


def gitignore(top: Path) -> Step:
    """``.infra/`` (ledger, caches, run results) is machine state: never committed, never "dirty"."""
    if _ignored(top):
        return Step("gitignore", "")
    path = top / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    with path.open("a", encoding="utf-8") as stream:
        stream.write(("" if not text or text.endswith("\n") else "\n") + ".infra/\n")
    return Step("gitignore", "added .infra/ to .gitignore (machine-specific state)")


def _ignored(top: Path) -> bool:
    code, _, _ = run.cmd_output(
        "git", "-C", str(top), "check-ignore", "-q", ".infra/ledger.jsonl", check=False
    )
    return code == 0


def pyproject(root: Path, config: Path) -> Step:
    """Append a ``[tool.infra]`` table naming the config when there is none."""
    path = root / "pyproject.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if any(line.strip().startswith("[tool.infra") for line in text.splitlines()):
        return Step("pyproject", "")
    table = (
        "[tool.infra]\n"
        f'config = "{Path(os.path.relpath(config, root)).as_posix()}"\n'
        'ledger = ".infra/ledger.jsonl"\n'
        "session-timeout = 900\n"
    )
    sep = "" if not text else "\n" if text.endswith("\n") else "\n\n"
    with path.open("a", encoding="utf-8") as stream:
        stream.write(sep + table)
    return Step("pyproject", f"{'appended to' if text else 'created'} pyproject.toml: [tool.infra] defaults")


def migrated(config: Path) -> Step:
    result = migrate.migrate(config, write=True)
    if not (result.parked or result.default_stages or result.runner_added):
        return Step("migrate", "")
    return Step(
        "migrate",
        f"{config.name}: {len(result.parked) + len(result.stageless)} hooks now run by nox -t prepush",
    )


def hook_path(top: Path) -> Path:
    return top / run.git(top, "rev-parse", "--git-path", "hooks/pre-push").strip()


def hook_text(top: Path, config: Path, entry: str) -> str:
    """The hook: the environment first on PATH, then the host's own pre-push (pre-commit or prek)."""
    bin_dir = environment_bin()
    host = hosts.detect(top)
    program = [str(bin_dir / Path(sys.executable).name), "-m", "pre_commit"]
    if host.name != "pre-commit":
        program = host.program()
    relative = shlex.quote(os.path.relpath(config, top))
    return HOOK.format(
        mark=HOOK_MARK,
        bin=shlex.quote(str(bin_dir)),
        handoff=HANDOFF[host.name].format(program=shlex.join(program), config=relative),
        dry=f"{{{DRY_RUN_ENV}:-}}",
        entry=entry,
    )


def install_hook(top: Path, config: Path, entry: str) -> Step:
    """Write the pre-push hook; a foreign one (not pre-commit's, not ours) is kept as ``.legacy``."""
    path = hook_path(top)
    text = hook_text(top, config, entry)
    if (
        path.is_file()
        and path.read_text(encoding="utf-8", errors="replace") == text
        and os.access(path, os.X_OK)
    ):
        return Step("git hook", "")
    kept = ""
    if path.is_file():
        old = path.read_text(encoding="utf-8", errors="replace")
        if HOOK_MARK not in old and "hook-impl" not in old:
            path.replace(path.with_name(f"{path.name}.legacy"))
            kept = f"; the hook that was there is kept as {path.name}.legacy (pre-commit runs it first)"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return Step("git hook", f"installed {path.relative_to(top) if path.is_relative_to(top) else path}{kept}")


def init(root: Path, config: Path, *, ci: bool = True) -> list[Step]:
    """Every step in order; raises FatalError when there is nothing to set up."""
    if not config.is_file():
        raise FatalError(f"{config}: no pre-commit config to set up; create one, then run `infra init` again")
    top_text = run.git(root, "rev-parse", "--show-toplevel", check=False).strip()
    if not top_text:
        raise FatalError(f"{root}: not a git repository; run `git init`, then `infra init` again")
    top = Path(top_text)
    steps: list[Callable[[], Step]] = [
        lambda: noxfile(root),
        lambda: pyproject(root, config),
        lambda: migrated(config),
        lambda: install_hook(top, config, migrate.RUNNER_ENTRY),
    ]
    steps.insert(0, lambda: gitignore(top))
    if ci:
        steps.append(lambda: ci_workflow(top))
    return [step() for step in steps]


def ci_workflow(top: Path) -> Step:
    branch = run.git(top, "symbolic-ref", "--short", "-q", "HEAD", check=False).strip() or "main"
    written = workflow.write(top, branch)
    if not written.created:
        return Step("ci workflow", "")
    return Step("ci workflow", f"wrote {workflow.PATH} (pre-push + timing gate on push, weekly reports PR)")
