"""The nox parent of a push: planned and summed up when nox runs the prepush sessions, and
nothing at all before a prepush session runs otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra import push, wire
from tests.conftest import commit, git_dir, write

HOOK = "  - id: {id}\n    name: {id}\n    entry: python -c pass\n    language: system\n    pass_filenames: false\n"
NOXFILE = (
    "import nox\nimport infra.sessions\n\n\n"
    "@nox.session(venv_backend='none')\ndef own(session):\n    print('own session ran')\n\n\n"
    "infra.sessions.register()\n"
)


def _nox(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", *args], cwd=root, capture_output=True, text=True, check=False
    )


def noxfile_repo(root: Path, config: str) -> Path:
    """A committed repository with ``config`` and a noxfile of one own session, then register()."""
    git_dir(root)
    write(root, {".pre-commit-config.yaml": config, "noxfile.py": NOXFILE})
    commit(root)
    return root


def test_a_push_by_long_tag_option_is_planned_and_summed_up(tmp_path: Path) -> None:
    """`nox --tags=prepush` is a push like `nox -t prepush`: the parent plans it and prints every
    hook's verdict at the end."""
    root = noxfile_repo(tmp_path / "repo", "repos:\n- repo: local\n  hooks:\n" + HOOK.format(id="lint-check"))
    proc = _nox(root, "--tags=prepush", "--", "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "infra summary:" in out and "1 hooks in 1 sessions: 1 passed" in out


def test_a_broken_config_is_no_error_until_a_prepush_session_runs(tmp_path: Path) -> None:
    """Importing the noxfile only registers sessions: with a broken config, `nox --list`, the
    JSON listing and the noxfile's own sessions work and leave no run behind; running the
    prepush sessions fails with one `error:` line naming the file, and no traceback."""
    config = "repos:\n- repo: local\n  hooks:\n" + HOOK.format(id="lint-check") + "  - {id: broken\n"
    root = noxfile_repo(tmp_path / "repo", config)
    for args in (["--list"], ["-l", "--json", "-t", "prepush"], ["-s", "own"]):
        proc = _nox(root, *args)
        assert proc.returncode == 0 and "error:" not in proc.stdout + proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert "own session ran" in proc.stdout
    assert not (root / ".infra" / "runs").exists()
    proc = _nox(root, "-t", "prepush")
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("error:")]
    assert proc.returncode == 1  # nox's code for a failed session; a clean run is 0
    assert len(errors) == 1 and ".pre-commit-config.yaml:" in errors[0] and "YAML syntax error" in errors[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "infra summary:" not in proc.stdout  # nothing ran, nothing to sum up


def test_a_childs_batches_are_read_only_when_well_formed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child takes its parent's batches from INFRA_BATCHES; anything but lists of names is none."""
    for bad in ("{", '{"quick": ["docs"]}', '[["docs", 1]]', '["docs"]'):
        monkeypatch.setenv(wire.BATCHES, bad)
        assert push.inherited_batches() == [], bad
    monkeypatch.setenv(wire.BATCHES, '[["docs", "lint"], ["deps"]]')
    assert push.inherited_batches() == [["docs", "lint"], ["deps"]]
    entries = push.batch_entries(push.inherited_batches(), {"docs": 0.1, "lint": 0.2})
    assert [(e["name"], e["members"], e["estimate_s"]) for e in entries] == [
        ("quick", ["docs", "lint"], pytest.approx(0.3)),
        ("quick-2", ["deps"], 0.0),
    ]
