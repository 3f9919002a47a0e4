"""Write the example's files and drive git: templates, the ``.venv`` shim, init and commits.

Static files live under ``templates/`` with a ``.tmpl`` suffix (so linters, pytest and
pre-commit of *this* project never mistake them for its own) and a ``dot-`` prefix for
dot-directories (``dot-github`` -> ``.github``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from infra.errors import FatalError

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUFFIX = ".tmpl"
EXECUTABLE_PREFIXES = ("scripts/ops/", ".githooks/")
# Variables that would point git at another repository (e.g. when run from inside a git hook).
GIT_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
)
IDENTITY = {"user.name": "Infra Example", "user.email": "example@infra.invalid"}


def _repo_path(template: Path, base: Path = TEMPLATES) -> str:
    parts = template.relative_to(base).as_posix().removesuffix(SUFFIX).split("/")
    return "/".join("." + part.removeprefix("dot-") if part.startswith("dot-") else part for part in parts)


def template_files(base: Path = TEMPLATES) -> dict[str, str]:
    """Every static file under ``base`` (default: the example's templates), by repository path."""
    return {
        _repo_path(path, base): path.read_text(encoding="utf-8") for path in sorted(base.rglob(f"*{SUFFIX}"))
    }


def venv_shim(python_bin: Path) -> str:
    """``.venv/bin/activate``: puts the Python that created the example first on PATH.

    Committed on purpose (the hooks ``source`` it, as the reference's hooks source a real
    virtualenv). ``INFRA_EXAMPLE_PYTHON_BIN`` overrides the directory on another machine.
    """
    return (
        "# Activation shim of the infra example repository (committed: pre-push hooks source it).\n"
        "# It prepends the bin directory of the Python that generated the example to PATH.\n"
        f'_infra_bin="${{INFRA_EXAMPLE_PYTHON_BIN:-{python_bin}}}"\n'
        'if [ -d "$_infra_bin" ]; then\n'
        '    PATH="$_infra_bin:$PATH"\n'
        "    export PATH\n"
        "fi\n"
        "unset _infra_bin\n"
    )


def write_files(
    root: Path, files: Mapping[str, str], executable: tuple[str, ...] = EXECUTABLE_PREFIXES
) -> None:
    """Write ``files`` under ``root`` with LF line endings; those under ``executable`` get mode 755."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        if relative.startswith(executable):
            target.chmod(0o755)


def _git_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in GIT_LOCATION_VARIABLES}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` (no hooks, no signing); its stdout, or FatalError with its stderr."""
    if shutil.which("git") is None:
        raise FatalError("git: not found on PATH; install git to create the example repository")
    command = ["git", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", *args]
    result = subprocess.run(command, cwd=root, env=_git_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise FatalError(
            f"{root}: git {args[0]} failed ({detail[-1] if detail else result.returncode}); check git"
        )
    return result.stdout


def init_repository(root: Path, message: str) -> None:
    """``git init -b main``, a local identity, and one commit of everything."""
    git(root, "init", "-q", "-b", "main")
    for key, value in IDENTITY.items():
        git(root, "config", key, value)
    git(root, "config", "core.autocrlf", "false")
    commit_all(root, message)


def commit_all(root: Path, message: str, *, force: tuple[str, ...] = ()) -> None:
    """Stage every change (and ``force``-add ignored paths) and commit it."""
    git(root, "add", "-A")
    if force:
        git(root, "add", "-f", "--", *force)
    git(root, "commit", "-q", "--no-verify", "-m", message)
