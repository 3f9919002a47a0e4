"""What kind of hook is this, and if it runs pytest: with which targets and options.

Recognised pytest launchers: ``pytest``, ``py.test``, ``python[3] -m pytest``, a venv's
``bin/pytest``, ``uv run [uv options] ...``, ``poetry run``, ``pipenv run``, ``hatch run
[env:]...``, ``pdm run``, and any of these inside ``bash -c '...'`` after set-up steps joined
by ``&&`` or ``;`` (``source .venv/bin/activate && pytest ...``). An entry that does anything
else around pytest (pipes, ``||``, two pytest calls) is not consolidated: it runs as written.
"""

from __future__ import annotations

import posixpath
import shlex
from enum import Enum
from typing import NamedTuple

from infra.config import Hook
from infra.shell_script import shell_inner, tool_name

SYSTEM_LANGUAGES = frozenset({"system", "unsupported", "script", "unsupported_script"})
PYTHONS = frozenset({"python", "python3"})
RUNNERS = {"poetry": ("run",), "pipenv": ("run",), "pdm": ("run",), "hatch": ("run",), "uv": ("run",)}
# uv run options that take a value (the rest we see are flags).
UV_VALUE_OPTIONS = frozenset(
    {
        "--with",
        "--with-editable",
        "--with-requirements",
        "--extra",
        "--group",
        "--only-group",
        "--no-group",
        "--python",
        "-p",
        "--package",
        "--env-file",
        "--project",
        "--directory",
        "--index",
    }
)
# pytest options that take a separate value.
PYTEST_VALUE_OPTIONS = frozenset(
    {
        "-c",
        "-p",
        "-o",
        "-k",
        "-m",
        "-n",
        "-W",
        "--rootdir",
        "--confcutdir",
        "--tb",
        "--maxfail",
        "--durations",
        "--basetemp",
        "--override-ini",
        "--dist",
        "--deselect",
        "--ignore",
        "--ignore-glob",
        "--import-mode",
        "--log-level",
        "--junitxml",
        "--hypothesis-profile",
        "--timeout",
        "--cov",
        "--cov-report",
        "--color",
        "-r",
    }
)
# Options that only change what is printed, or stop early: dropping them from a merged run
# never changes a hook's verdict (a merged run prints more and stops never).
DISPLAY_ONLY = frozenset(
    {
        "-v",
        "-vv",
        "-vvv",
        "--verbose",
        "-q",
        "-qq",
        "--quiet",
        "-s",
        "--capture=no",
        "-x",
        "--exitfirst",
        "--no-header",
        "--no-summary",
        "-ra",
        "-rA",
        "-rf",
        "-rs",
        "-rx",
        "--showlocals",
        "-l",
    }
)
DISPLAY_ONLY_PREFIXES = ("--tb", "--color", "--durations", "--maxfail", "-r")


class Kind(Enum):
    PYTEST = "pytest"
    SCRIPT = "python script"
    TOOL = "shell/tool"
    REMOTE = "remote repo"
    META = "meta"


class PytestCall(NamedTuple):
    launcher: tuple[str, ...]  # e.g. ("uv", "run", "--frozen"), ("hatch", "run", "env=test"), ()
    setup: str  # shell set-up run before pytest (``source .venv/bin/activate``), or ""
    targets: tuple[str, ...]  # files, dirs, node ids (relative to ``cwd``)
    options: tuple[str, ...]  # options that shape the run (kept, part of the merge key)
    dropped: tuple[str, ...]  # display-only options left out of a merged run
    prefix: str = ""  # the shell text before pytest, verbatim with its separator (``cd x &&``)
    cwd: str = "."  # where pytest starts, when the set-up is ``cd DIR`` (relative to the repo)
    python: str = ""  # the interpreter word of ``python -m pytest``, "" for the ``pytest`` script

    @property
    def repo_targets(self) -> tuple[str, ...]:
        """The targets relative to the repository root (what attribution compares node ids with)."""
        return tuple(in_cwd(self.cwd, t) for t in self.targets)


class Classified(NamedTuple):
    kind: Kind
    pytest: PytestCall | None
    script: str | None  # the script path for Kind.SCRIPT
    tool: str | None  # the executable for Kind.TOOL
    note: str


def classify(hook: Hook) -> Classified:
    if hook.repo == "meta":
        return Classified(Kind.META, None, None, None, "meta hook: run through pre-commit")
    if hook.entry is None:
        return Classified(
            Kind.REMOTE, None, None, None, f"remote hook from {hook.repo}: run through pre-commit"
        )
    try:
        argv = [*shlex.split(hook.entry), *hook.args]
    except ValueError:
        return Classified(
            Kind.TOOL, None, None, None, "entry does not parse as a command line: run as written"
        )
    if not argv:
        return Classified(Kind.TOOL, None, None, None, "empty entry: run as written")
    call = _pytest_call(argv)
    if call is not None and hook.language in SYSTEM_LANGUAGES | {"python"}:
        return Classified(Kind.PYTEST, call, None, None, "pytest invocation")
    script = _python_script(argv)
    if script is not None:
        return Classified(Kind.SCRIPT, None, script, None, f"python script {script}")
    inner = shell_inner(argv)
    tool = (
        tool_name(inner) if inner is not None else _strip_runner(argv)[0] if _strip_runner(argv) else argv[0]
    )
    return Classified(Kind.TOOL, None, None, tool, f"shell/tool command ({tool})")


def _strip_runner(argv: list[str]) -> list[str]:
    """Remove ``uv run [opts]`` / ``poetry run`` / ``hatch run [env:]`` style prefixes."""
    if len(argv) >= 2 and argv[0] in RUNNERS and argv[1] in RUNNERS[argv[0]]:
        rest = argv[2:]
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option in UV_VALUE_OPTIONS and "=" not in option and rest:
                rest.pop(0)
        if argv[0] == "hatch" and rest and ":" in rest[0]:
            env, _, command = rest[0].partition(":")
            rest = [command, *rest[1:]] if env and command else rest
        return rest
    return argv


def _pytest_call(argv: list[str]) -> PytestCall | None:
    inner = shell_inner(argv)
    if inner is not None:
        return _pytest_in_shell(inner)
    return _pytest_argv(argv, setup="")


def in_cwd(cwd: str, path: str) -> str:
    """``path`` (a target or file, maybe with ``::node``) as seen from the repository root."""
    if cwd in ("", "."):
        return path
    file, sep, rest = path.partition("::")
    return posixpath.normpath(posixpath.join(cwd, file)) + sep + rest


def _pytest_in_shell(script: str) -> PytestCall | None:
    if "||" in script or "|" in script.replace("||", "") or "\n" in script.strip():
        return None
    steps = [s.strip() for part in script.split("&&") for s in part.split(";") if s.strip()]
    try:
        calls = [(n, _pytest_argv(shlex.split(step), setup="")) for n, step in enumerate(steps)]
    except ValueError:
        return None
    found = [(n, c) for n, c in calls if c is not None]
    if len(found) != 1 or found[0][0] != len(steps) - 1:
        return None  # pytest must be the one, last step
    setup = " && ".join(steps[:-1])
    prefix = script[: script.rstrip().rfind(steps[-1])].strip()
    return found[0][1]._replace(setup=setup, prefix=prefix, cwd=_static_cwd(steps[:-1]))


def _static_cwd(steps: list[str]) -> str:
    """The directory a ``cd DIR`` set-up moves to (literal, inside the repository), else ".".

    The run itself checks it (``infra.wrappers`` runs the set-up and reads the real directory).
    """
    cwd = "."
    for step in steps:
        words = shlex.split(step)
        if words[:1] == ["cd"] and len(words) == 2 and not words[1].startswith(("/", "~", "$", "-")):
            cwd = posixpath.normpath(posixpath.join(cwd, words[1]))
    return "." if cwd.startswith("..") else cwd


def _pytest_argv(argv: list[str], *, setup: str) -> PytestCall | None:
    rest = _strip_runner(argv)
    launcher = tuple(argv[: len(argv) - len(rest)])
    if launcher[:2] == ("hatch", "run") and argv[len(launcher)] != rest[0]:
        launcher += (f"env={argv[len(launcher)].partition(':')[0]}",)
    is_script = bool(rest) and rest[0].rsplit("/", 1)[-1] in ("pytest", "py.test")
    is_module = len(rest) >= 3 and rest[0].rsplit("/", 1)[-1] in PYTHONS and rest[1:3] == ["-m", "pytest"]
    if not (is_script or is_module):
        return None
    python = ""
    if rest and rest[0].rsplit("/", 1)[-1] in ("pytest", "py.test"):
        rest = rest[1:]
    else:
        python, rest = rest[0], rest[3:]
    targets, options, dropped = _split_pytest_args(rest)
    return PytestCall(launcher, setup, targets, options, dropped, python=python)


def _split_pytest_args(args: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    targets: list[str] = []
    options: list[str] = []
    dropped: list[str] = []
    it = iter(args)
    for arg in it:
        if not arg.startswith("-"):
            targets.append(arg)
            continue
        value = [next(it, "")] if arg in PYTEST_VALUE_OPTIONS else []
        display_only = arg in DISPLAY_ONLY or arg.startswith(DISPLAY_ONLY_PREFIXES)
        (dropped if display_only else options).extend([arg, *value])
    return tuple(targets), tuple(options), tuple(dropped)


def _python_script(argv: list[str]) -> str | None:
    rest = _strip_runner(argv)
    if len(rest) >= 2 and rest[0].rsplit("/", 1)[-1] in PYTHONS and not rest[1].startswith("-"):
        return rest[1]
    if rest and rest[0].endswith(".py"):
        return rest[0]
    if rest and rest[0].startswith((".githooks/", "scripts/", "./scripts/")):
        return rest[0]
    return None
