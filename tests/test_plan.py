"""The planner: every push hook in exactly one session, for explained reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from infra import project
from infra.main import main
from tests.conftest import commit, git_dir, write

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "pre-commit-config.43-hooks.yaml"
needs_reference = pytest.mark.skipif(
    not REFERENCE.exists(), reason="../shared/reference is not beside the checkout"
)


@needs_reference
def test_reference_plan_accounts_for_all_75_push_hooks(capsys: pytest.CaptureFixture[str]) -> None:
    """All 75 hooks pre-commit runs at pre-push appear exactly once, in 8-18 sessions."""
    assert main(["plan", "--config", str(REFERENCE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    keys = [h["key"] for s in data["sessions"] for h in s["hooks"]]
    assert len(keys) == 75 == data["hook_count"]
    assert len(set(keys)) == 75
    assert 8 <= len(data["sessions"]) <= 18
    assert all(h["reason"] for s in data["sessions"] for h in s["hooks"])
    helm = {
        s["name"]
        for s in data["sessions"]
        for h in s["hooks"]
        if h["kind"] == "pytest" and any("test_helm_configuration.py" in a for a in [h["entry"] or ""])
    }
    assert len(helm) == 1
    members = [h for s in data["sessions"] if s["name"] in helm for h in s["hooks"]]
    assert sum("test_helm_configuration.py::" in (h["entry"] or "") for h in members) == 4
    assert any("no repository tree" in note for note in data["notes"])


@needs_reference
def test_reference_explain_says_why_for_each_hook(capsys: pytest.CaptureFixture[str]) -> None:
    """--explain gives a reason on every hook row, and counts the hooks."""
    assert main(["plan", "--config", str(REFERENCE), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "75 hooks in" in out
    assert "shares a test file with validate-deployment-secrets" in out
    assert out.count("id mentions") > 20


def _ini_repo(root: Path) -> Path:
    """A root pytest config plus tests/deployment/pytest.ini with its own marker."""
    hook = (
        "  - id: {id}\n    name: {id}\n    entry: {entry}\n    language: system\n    pass_filenames: false\n"
    )
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n"
            + hook.format(id="deploy-root", entry="python -m pytest tests/test_deploy_root.py -v")
            + hook.format(id="helm-a", entry="pytest tests/deployment/test_helm.py::test_a")
            + hook.format(id="helm-b", entry="pytest tests/deployment/test_helm.py::test_b --tb=short")
            + hook.format(id="deploy-other", entry="pytest tests/test_deploy_other.py -p no:cacheprovider"),
            "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--strict-markers"\nmarkers = ["unit"]\n',
            "tests/conftest.py": "import pytest\n\n@pytest.fixture\ndef answer():\n    return 42\n",
            "tests/test_deploy_root.py": "def test_root(answer):\n    assert answer == 42\n",
            "tests/test_deploy_other.py": "def test_other():\n    pass\n",
            "tests/deployment/pytest.ini": "[pytest]\naddopts = --strict-markers\nmarkers =\n    helm: helm checks\n"
            "filterwarnings =\n    error\n",
            "tests/deployment/test_helm.py": "import pytest\n\n@pytest.mark.helm\ndef test_a():\n    pass\n\n"
            "@pytest.mark.helm\ndef test_b():\n    pass\n",
        },
    )
    commit(root)
    return root


def test_pytest_ini_subdirectory_gets_its_own_session(tmp_path: Path) -> None:
    """Hooks under a sub-rootdir are split off; same-file node ids share; options keep groups apart."""
    root = _ini_repo(git_dir(tmp_path / "repo"))
    plan = project.load(root, root / ".pre-commit-config.yaml").plan
    sessions = {s.name: s.hook_keys for s in plan.sessions}
    assert sessions == {
        "pytest": ("deploy-root", "deploy-other"),
        "pytest-tests-deployment": ("helm-a", "helm-b"),
    }
    groups = Counter(m.pytest_group for s in plan.sessions for m in s.members)
    assert len(groups) == 3  # root config, root config + -p option, the ini subdirectory
    helm = plan.session("pytest-tests-deployment").members
    assert helm[1].reason.startswith("shares a test file with helm-a")
    assert "rootdir tests/deployment, tests/deployment/pytest.ini" in (helm[0].pytest_group or "")


def _pytest(root: Path, *args: str) -> int:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:testmon", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).returncode


def test_merging_the_ini_subdirectory_would_change_its_verdict(tmp_path: Path) -> None:
    """Run alone, the helm tests pass; merged with root tests they run under the root config and fail.

    And the reverse, the dangerous one: a warning that fails them under their own ini passes
    under the root config (a false green), which is why the planner keeps them apart.
    """
    root = _ini_repo(git_dir(tmp_path / "repo"))
    assert _pytest(root, "tests/deployment/test_helm.py::test_a") == 0
    assert _pytest(root, "tests/test_deploy_root.py", "tests/deployment/test_helm.py::test_a") != 0
    (root / "tests/deployment/test_helm.py").write_text(
        "import warnings\n\ndef test_a():\n    warnings.warn('old api', DeprecationWarning)\n"
    )
    assert _pytest(root, "tests/deployment/test_helm.py::test_a") != 0
    assert _pytest(root, "tests/test_deploy_root.py", "tests/deployment/test_helm.py::test_a") == 0


def test_overrides_and_conftest_hooks(tmp_path: Path) -> None:
    """[tool.infra.sessions] wins; a conftest defining pytest_* hooks keeps its tests apart."""
    root = git_dir(tmp_path / "repo")
    hook = "  - id: {id}\n    name: {id}\n    entry: {entry}\n    language: system\n"
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n"
            + hook.format(id="unit-a", entry="pytest tests/a/test_a.py")
            + hook.format(id="unit-b", entry="pytest tests/b/test_b.py")
            + hook.format(id="lonely", entry="python scripts/check.py"),
            "pyproject.toml": "[tool.pytest.ini_options]\n[tool.infra.sessions]\nchecks = ['lonely']\n",
            "tests/a/conftest.py": "def pytest_collection_modifyitems(items):\n    items.reverse()\n",
            "tests/a/test_a.py": "def test_a():\n    pass\n",
            "tests/b/test_b.py": "def test_b():\n    pass\n",
        },
    )
    plan = project.load(root).plan
    assert {s.name: s.hook_keys for s in plan.sessions} == {
        "pytest": ("unit-a", "unit-b"),
        "checks": ("lonely",),
    }
    assert plan.session("checks").members[0].reason == "assigned in [tool.infra.sessions]"
    unit_a, unit_b = plan.session("pytest").members
    assert "conftest hooks in tests/a/conftest.py" in (unit_a.pytest_group or "")
    assert unit_a.pytest_group != unit_b.pytest_group  # two pytest processes, never merged


def test_runner_choice(tmp_path: Path) -> None:
    """Python hooks with extra deps and other languages go through pre-commit; custom launchers run as written."""
    root = git_dir(tmp_path / "repo")
    write(
        root,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n"
            "  - {id: deps, name: deps, entry: python scripts/x.py, language: python,"
            " additional_dependencies: [rich]}\n"
            "  - {id: uvdeps, name: uvdeps, entry: uv run python scripts/x.py, language: python,"
            " additional_dependencies: [rich]}\n"
            "  - {id: node, name: node, entry: eslint, language: node}\n"
            "  - {id: custom-env, name: custom-env, entry: hatch run lint:pytest t.py, language: system}\n"
            "  - {id: plain, name: plain, entry: pytest t.py, language: system}\n"
            "- repo: meta\n  hooks:\n  - id: identity\n",
        },
    )
    plan = project.load(root).plan
    runners = {m.hook.key: m.runner for s in plan.sessions for m in s.members}
    assert runners == {
        "deps": "pre-commit",
        "uvdeps": "direct",
        "node": "pre-commit",
        "custom-env": "direct",
        "plain": "pytest",
        "identity": "pre-commit",
    }
