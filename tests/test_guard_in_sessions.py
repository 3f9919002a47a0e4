"""The AsyncMock guard runs inside every consolidated pytest process, at no extra process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import commit, git_dir, write

BYPASS = """import asyncio
from unittest.mock import AsyncMock


async def allowed(authz):
    return bool(await authz.check("admin"))


def test_admin_guard():
    authz = AsyncMock()
    assert asyncio.run(allowed(authz))  # passes: the unconfigured result is truthy
"""


@pytest.mark.slow
def test_a_full_prepush_run_reports_what_the_guard_saw(tmp_path: Path) -> None:
    """A used, unconfigured AsyncMock result in a hook's test: the push's verdict is unchanged
    (the test passes, as under pre-commit) and the guard's report names the test and the use."""
    root = git_dir(tmp_path / "repo")
    hook = "  - id: unit\n    name: unit\n    entry: pytest tests\n    language: system\n    pass_filenames: false\n"
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n" + hook,
            "noxfile.py": "import infra.sessions\n\ninfra.sessions.register()\n",
            "tests/test_authz.py": BYPASS,
        },
    )
    commit(root)
    proc = subprocess.run(
        [sys.executable, "-m", "nox", "-t", "prepush", "--", "--all-files"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (report,) = (root / ".infra").glob("asyncmock-guard.*.json")
    findings = json.loads(report.read_text())["findings"]
    assert findings and "test_admin_guard" in json.dumps(findings)
