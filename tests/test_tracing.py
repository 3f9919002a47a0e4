"""testmon on sys.monitoring (``infra.tracing``): the C tracer's per-test data, shown on real runs.

These need Python 3.12+ (sys.monitoring) with pytest, pytest-testmon and a coverage.py within
``tracing.CHECKED``: a venv is built once from ``python3.12`` (or 3.13) and the registry.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import tracing
from tests.conftest import write

PROJECT = str(Path(__file__).resolve().parents[1])


def _newer_python() -> str | None:
    """A Python with sys.monitoring on this machine (a pyenv shim may exist and still not run)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python3.{minor}") for minor in (12, 13)]
    candidates += [str(p) for p in sorted(pyenv.glob("3.1[2-9]*/bin/python3"))]
    for candidate in filter(None, candidates):
        probe = [candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"]
        if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            return candidate
    return None


NEWER = _newer_python()
MOD = "def f(x):\n    y = x + 1\n    return y\n\n\ndef g(x):\n    return f(x) * 2\n"
TESTS = (
    "import os\nimport sys\n\nimport mod\n\n\n"
    "def test_a():\n    assert mod.g(1) == 4\n\n\n"
    "def test_b():\n    assert mod.f(1) == 2\n\n\n"  # runs only lines test_a ran first
    "def test_c():\n    assert mod.g(2) == 6\n\n\n"
    "def test_core_is_never_seen():\n    assert 'COVERAGE_CORE' not in os.environ or os.environ.get('USER_CORE')\n\n\n"
    "def test_core_in_use():\n"
    "    on_monitoring = sys.monitoring.get_tool(sys.monitoring.COVERAGE_ID) is not None\n"
    "    assert on_monitoring == (os.environ['EXPECT_CORE'] == 'sysmon')\n"
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(NEWER is None, reason="needs python3.12 or 3.13")]


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    venv = tmp_path_factory.mktemp("py312") / "venv"
    assert NEWER is not None
    subprocess.run([NEWER, "-m", "venv", str(venv)], check=True, capture_output=True)
    exe = str(venv / "bin" / "python")
    low, high = tracing.CHECKED
    pins = [
        f"coverage>={'.'.join(map(str, low))},<{'.'.join(map(str, high))}",
        "pytest>=8",
        "pytest-testmon>=2.1",
    ]
    subprocess.run(
        [exe, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
        check=True,
        capture_output=True,
    )
    yield exe


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    write(root, {"mod.py": MOD, "test_mod.py": TESTS, "pytest.ini": "[pytest]\n"})
    return root


def _pytest(
    python: str, root: Path, data: str, *args: str, core: str | None = None, infra: bool = True
) -> str:
    env = {k: v for k, v in os.environ.items() if k != tracing.CORE_ENV}
    env.update(
        PYTHONPATH=PROJECT, TESTMON_DATAFILE=data, PYTHONDONTWRITEBYTECODE="1", EXPECT_CORE=core or "sysmon"
    )
    if core:
        env.update({tracing.CORE_ENV: core, "USER_CORE": "1"})
    if infra:
        env.update(INFRA_PYTEST_REPORT=str(root.parent / "report.json"), INFRA_REPO_ROOT=str(root))
    plugin = ["-p", "infra.pytest_report"] if infra else []
    done = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:randomly", *plugin, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr


def _fingerprints(data: Path) -> dict[str, set[tuple[str, bytes]]]:
    query = (
        "select te.test_name, fp.filename, fp.method_checksums from test_execution te"
        " join test_execution_file_fp tef on tef.test_execution_id = te.id"
        " join file_fp fp on fp.id = tef.fingerprint_id"
    )
    with sqlite3.connect(data) as db:
        found: dict[str, set[tuple[str, bytes]]] = {}
        for test, filename, checksums in db.execute(query):
            found.setdefault(test, set()).add((filename, bytes(checksums)))
    return found


def test_monitoring_records_what_the_c_tracer_records(python: str, tmp_path: Path) -> None:
    """Our choice (sys.monitoring, events switched back on per test) against a run the user put on
    the C tracer: the same fingerprints for every test; and the tests never see the variable."""
    root = _project(tmp_path)
    ours, ctrace = tmp_path / "ours.db", tmp_path / "ctrace.db"
    out = _pytest(python, root, str(ours), "--testmon")
    assert "5 passed" in out, out
    out = _pytest(python, root, str(ctrace), "--testmon", core="ctrace")
    assert "5 passed" in out, out
    recorded = _fingerprints(ours)
    assert recorded == _fingerprints(ctrace)
    assert any(name == "mod.py" for name, _ in recorded["test_mod.py::test_b"])


def _selected_after_editing_f(python: str, root: Path, data: str, **how: object) -> str:
    out = _pytest(python, root, data, "--testmon", **how)  # type: ignore[arg-type]
    assert "5 passed" in out, out
    (root / "mod.py").write_text(MOD.replace("x + 1", "x + 2"))
    return _pytest(python, root, data, "--testmon", **how)  # type: ignore[arg-type]


def test_without_switching_events_back_on_testmon_loses_a_test(python: str, tmp_path: Path) -> None:
    """The guard shown necessary: testmon alone on sys.monitoring records test_b without mod.py
    (test_a reported f's lines first), and after f changes it deselects test_b, which now fails;
    with infra's plugin the same core records it and test_b runs and fails."""
    bare = _selected_after_editing_f(
        python, _project(tmp_path / "bare"), str(tmp_path / "bare.db"), core="sysmon", infra=False
    )
    assert "test_b" not in bare, bare
    ours = _selected_after_editing_f(
        python, _project(tmp_path / "ours"), str(tmp_path / "ours.db"), core="sysmon"
    )
    assert "FAILED test_mod.py::test_b" in ours, ours


def test_the_core_is_left_to_the_user_and_to_older_pythons() -> None:
    assert tracing.testmon_core({tracing.CORE_ENV: "ctrace"}) is None
    expected = (
        "sysmon"
        if sys.version_info >= (3, 12) and tracing.CHECKED[0] <= tracing._coverage()[0] < tracing.CHECKED[1]
        else "ctrace"
    )
    assert tracing.testmon_core({}) == expected
