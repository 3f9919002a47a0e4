"""The product sessions a user's noxfile gets: names, clashes, plain `nox`, and the uv probe line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import commit, git_dir, write

CONFIG = (
    "repos:\n- repo: local\n  hooks:\n  - id: unit\n    name: unit\n    entry: pytest tests/test_a.py\n"
    "    language: system\n    pass_filenames: false\n    stages: [pre-push]\n"
)


def nox(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", *args], cwd=root, capture_output=True, text=True, check=False
    )


def listed(root: Path) -> dict[str, str]:
    """{session name: its mark} from `nox --list` ("*" selected by plain nox, "-" not)."""
    lines = nox(root, "--list").stdout.splitlines()
    return {line[2:].split()[0]: line[0] for line in lines if line[:2] in ("* ", "- ")}


def repo(tmp_path: Path, noxfile: str) -> Path:
    root = git_dir(tmp_path / "repo")
    write(
        root,
        {
            ".pre-commit-config.yaml": CONFIG,
            "tests/test_a.py": "def test_a():\n    pass\n",
            "noxfile.py": noxfile,
        },
    )
    commit(root)
    return root


REGISTER = "import infra.sessions\n\ninfra.sessions.register()\n"


def test_only_infras_sessions_plain_nox_runs_push(tmp_path: Path) -> None:
    """A noxfile of infra's alone: reports and regress listed, push selected by plain nox."""
    root = repo(tmp_path, REGISTER)
    assert listed(root) == {"reports": "-", "regress": "-", "push": "*", "pytest": "-"}


def test_the_noxfiles_own_sessions_win(tmp_path: Path) -> None:
    """The user's own `reports` (default) keeps its name: ours is not defined, and plain nox is theirs."""
    own = "import nox\n\n\n@nox.session(venv_backend='none')\ndef reports(session):\n    session.log('theirs')\n\n\n"
    root = repo(tmp_path, own + REGISTER)
    assert listed(root) == {"reports": "*", "regress": "-", "pytest": "-"}
    assert "theirs" in nox(root, "-s", "reports").stderr


def test_names_are_overridable(tmp_path: Path) -> None:
    """An explicit call before infra.sessions.register() names the sessions (None leaves one out)."""
    custom = "import infra.product_sessions\n\ninfra.product_sessions.register(reports='team-reports', push=None)\n"
    root = repo(tmp_path, custom + REGISTER)
    assert listed(root) == {"team-reports": "-", "regress": "-", "pytest": "-"}


def test_noxfile_options_keep_plain_nox_theirs(tmp_path: Path) -> None:
    """nox.options.sessions set by the noxfile: no push session is added as a default."""
    root = repo(tmp_path, "import nox\n\nnox.options.sessions = ['regress']\n" + REGISTER)
    assert listed(root) == {"reports": "-", "regress": "*", "pytest": "-"}


def test_the_uv_probe_line_is_quiet_only_when_no_session_needs_a_virtualenv(tmp_path: Path) -> None:
    """nox's "uv binary not found." is dropped with infra's sessions; kept when a session needs a virtualenv."""
    quiet = repo(tmp_path, REGISTER)
    ran = nox(quiet, "-s", "regress")
    assert ran.returncode == 0 and "uv binary not found." not in ran.stderr
    plain = "import nox\n\n\n@nox.session(venv_backend='none')\ndef x(session):\n    pass\n"
    write(quiet, {"noxfile.py": plain})
    assert "uv binary not found." in nox(quiet, "-s", "x").stderr  # nox's own line, without infra
    write(quiet, {"noxfile.py": plain.replace("'none'", "'virtualenv'") + REGISTER})
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, infra.product_sessions as p; runpy.run_path('noxfile.py');"
            " print(p.quiet_uv_probe())",
        ],
        cwd=quiet,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.splitlines()[-1] == "False"
