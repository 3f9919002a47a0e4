"""The example repository: its config, its files, its git state, its seeds and the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import identify.identify
import pytest
import yaml

import infra.example
from infra.errors import FatalError
from infra.example import tree
from infra.example.hooks import ALL_HOOKS, ExampleHook
from infra.main import main

HOOKS_BY_ID = {hook.id: hook for hook in ALL_HOOKS}
RESULT_LINE = re.compile(r"^(.+?)\.{3,}(?:\(no files to check\))?(Passed|Failed|Skipped)$", re.MULTILINE)
NOXFILE = (
    '"""Pre-push sessions, planned by infra from .pre-commit-config.yaml."""\n'
    "from __future__ import annotations\n\nimport infra.sessions\n\ninfra.sessions.register()\n"
)


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GIT_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp / "pre-commit-home")
    return env


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=root, env=_env(root.parent), capture_output=True, text=True, check=False
    )


def _git(root: Path, *args: str) -> str:
    return _run(root, "git", *args).stdout


def _config(root: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    return [hook for repo in data["repos"] for hook in repo["hooks"]]


def _results(output: str) -> dict[str, str]:
    """Hook id -> Passed/Failed/Skipped, from pre-commit's output lines (hook names are unique)."""
    by_name = {hook.name: hook.id for hook in ALL_HOOKS}
    return {by_name[name]: status for name, status in RESULT_LINE.findall(output)}


def _pre_push(root: Path) -> subprocess.CompletedProcess[str]:
    return _run(root, sys.executable, "-m", "pre_commit", "run", "--hook-stage", "pre-push", "--all-files")


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(root, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly created example with a cheap start-up (10 manifests); tests must not modify it."""
    return infra.example.create(tmp_path_factory.mktemp("example") / "repo", startup_manifests=10)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An example with every seedable failure applied, one commit per seed."""
    root = infra.example.create(tmp_path_factory.mktemp("seeded") / "repo", startup_manifests=10)
    for hook_id in infra.example.SEEDABLE:
        infra.example.seed_failure(root, hook_id)
    return root


def test_config_counts_by_stage(example: Path) -> None:
    """43 hooks marked pre-push, 32 without stages, 5 manual; all local and language system."""
    data = yaml.safe_load((example / ".pre-commit-config.yaml").read_text())
    hooks = _config(example)
    stages: Counter[tuple[str, ...]] = Counter(tuple(hook.get("stages", ())) for hook in hooks)
    assert stages == {("pre-push",): 43, (): 32, ("manual",): 5}
    assert {repo["repo"] for repo in data["repos"]} == {"local"}
    assert {hook["language"] for hook in hooks} == {"system"}
    assert "default_stages" not in data


def test_config_round_trips_the_hook_table(example: Path) -> None:
    """Every rendered field parses back to the table's value (quoting is exact)."""
    for parsed, hook in zip(_config(example), ALL_HOOKS, strict=True):
        assert parsed["id"] == hook.id
        assert (parsed["name"], parsed["entry"]) == (hook.name, hook.entry)
        assert parsed.get("files") == hook.files and parsed.get("exclude") == hook.exclude
        assert tuple(parsed.get("args", ())) == hook.args and tuple(parsed.get("types", ())) == hook.types
        assert parsed.get("pass_filenames", True) is (hook.pass_filenames is not False)
        assert parsed.get("always_run", False) is hook.always_run


def test_marked_hooks_have_the_reference_kinds() -> None:
    """Among the 43 marked hooks: 17 pytest, 20 scripts (18 + 2 remote stand-ins), 6 shell/tool hooks."""
    marked = [hook for hook in ALL_HOOKS if hook.stages == ("pre-push",)]
    assert Counter(hook.kind for hook in marked) == {"pytest": 17, "script": 20, "shell": 6}
    assert Counter(hook.kind for hook in ALL_HOOKS if not hook.stages)["pytest"] == 1


def test_reference_patterns_are_present() -> None:
    """Shared-file node ids, a class node id, a 3-file hook, .venv sourcing, always_run, skip-if-missing."""
    helm = [h for h in ALL_HOOKS if "tests/deployment/test_helm_configuration.py::test_" in h.entry]
    assert len(helm) == 4 and len({h.files for h in helm}) == 4
    assert any(re.search(r"tests/test_compose\.py::TestCompose::test_\w+", h.entry) for h in ALL_HOOKS)
    assert any(h.entry.count("tests/meta/test_") == 3 for h in ALL_HOOKS)
    sourcing = [h for h in ALL_HOOKS if h.entry.startswith("bash -c 'source .venv/bin/activate && pytest ")]
    assert len(sourcing) == 2
    assert [h.id for h in ALL_HOOKS if h.always_run] == [
        "validate-pre-push-hook",
        "prevent-local-config-commits",
    ]
    assert any(h.kind == "script" and h.pass_filenames for h in ALL_HOOKS if h.stages == ("pre-push",))
    assert any("helm not installed, skipping" in h.entry for h in ALL_HOOKS)
    assert any(h.types == ("shell",) and "bash -n" in h.entry for h in ALL_HOOKS)
    assert [h.id for h in ALL_HOOKS if h.files is None and not (h.always_run or h.types)] == []


def test_push_hook_ids(example: Path) -> None:
    """PUSH_HOOK_IDS lists the 75 hooks pre-commit runs at pre-push, in config order, once each."""
    expected = [h["id"] for h in _config(example) if "stages" not in h or "pre-push" in h["stages"]]
    assert list(infra.example.PUSH_HOOK_IDS) == expected
    assert len(set(expected)) == 75
    assert len({hook.name for hook in ALL_HOOKS}) == len(ALL_HOOKS)


def _matches(hook: ExampleHook, root: Path, path: str) -> bool:
    """pre-commit's selection: files regex, then exclude, then the identify tags of the file."""
    if hook.files is not None and not re.search(hook.files, path):
        return False
    if hook.exclude is not None and re.search(hook.exclude, path):
        return False
    return set(hook.types) <= identify.identify.tags_from_path(str(root / path))


def test_every_push_hook_has_a_file(example: Path) -> None:
    """Every push-stage hook that is not always_run matches a tracked file, so --all-files runs it."""
    tracked = _git(example, "ls-files").splitlines()
    idle = [
        hook_id
        for hook_id in infra.example.PUSH_HOOK_IDS
        if not HOOKS_BY_ID[hook_id].always_run
        and not any(_matches(HOOKS_BY_ID[hook_id], example, path) for path in tracked)
    ]
    assert idle == []


def test_pre_commit_accepts_the_config(example: Path) -> None:
    """pre-commit validate-config accepts the generated config."""
    result = _run(example, sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_repository_state(example: Path) -> None:
    """One commit on main by the local identity, nothing left uncommitted, the shim tracked."""
    assert _git(example, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert len(_git(example, "log", "--format=%an <%ae>").splitlines()) == 1
    assert _git(example, "config", "--local", "user.email").strip() == tree.IDENTITY["user.email"]
    assert _git(example, "status", "--porcelain") == ""
    assert ".venv/bin/activate" in _git(example, "ls-files").splitlines()
    assert os.access(example / ".githooks" / "validate-dependency-injection", os.X_OK)


def test_venv_shim_puts_the_generating_python_first(example: Path) -> None:
    """Sourcing .venv/bin/activate makes `python` the interpreter that created the example."""
    result = subprocess.run(
        ["bash", "-c", "source .venv/bin/activate && command -v python"],
        cwd=example,
        env={"PATH": "/usr/bin:/bin", "HOME": str(example)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == str(Path(sys.executable).parent / "python")


def test_project_files(example: Path) -> None:
    """The noxfile is exactly the planned one; pyproject has strict markers and an empty [tool.infra]."""
    assert (example / "noxfile.py").read_text() == NOXFILE
    pyproject = tomllib.loads((example / "pyproject.toml").read_text())
    assert pyproject["tool"]["infra"] == {}
    assert "--strict-markers" in pyproject["tool"]["pytest"]["ini_options"]["addopts"]
    assert "filterwarnings" not in pyproject["tool"]["pytest"]["ini_options"]


def test_startup_manifests_sets_the_catalogue_size(tmp_path: Path) -> None:
    """The generated catalogue holds exactly startup_manifests documents, 100 to a file."""
    root = infra.example.create(tmp_path / "repo", startup_manifests=250)
    files = sorted((root / "deployments" / "generated").glob("*.yaml"))
    documents = [d for f in files for d in yaml.safe_load_all(f.read_text(encoding="utf-8")) if d]
    assert (len(files), len(documents)) == (3, 250)
    assert infra.example.DEFAULT_STARTUP_MANIFESTS >= 1000


def test_example_suite_passes_with_both_configs(example: Path) -> None:
    """A plain root pytest and the tests/deployment suite both pass on a clean checkout."""
    root = _pytest(example)
    assert root.returncode == 0, root.stdout[-3000:]
    passed = re.search(r"(\d+) passed", root.stdout)
    assert passed is not None and int(passed[1]) >= 100
    deployment = _pytest(example, "tests/deployment")
    assert deployment.returncode == 0, deployment.stdout[-3000:]


def test_fact_a_helm_tests_fail_under_the_root_config(example: Path) -> None:
    """(a) The helm-marked tests pass under their own ini and fail collection when merged with root tests."""
    helm = "tests/deployment/test_helm_configuration.py"
    own = _pytest(example, helm)
    merged = _pytest(example, helm, "tests/test_compose.py")
    assert own.returncode == 0, own.stdout[-2000:]
    assert merged.returncode == 2
    assert "'helm' not found in `markers`" in merged.stdout


def test_fact_b_warning_seed_is_a_false_green_when_merged(tmp_path: Path) -> None:
    """(b) The kustomize seed fails under tests/deployment/pytest.ini and passes under the root config."""
    root = infra.example.create(
        tmp_path / "repo", startup_manifests=10, seed_failure="validate-kustomize-builds"
    )
    kustomize = "tests/deployment/test_kustomize_builds.py"
    own = _pytest(root, kustomize)
    merged = _pytest(root, kustomize, "tests/test_compose.py")
    assert own.returncode == 1 and "DeprecationWarning" in own.stdout
    assert merged.returncode == 0, merged.stdout[-2000:]
    assert "'bases' is deprecated" in merged.stdout


def test_each_seed_is_its_own_commit_touching_the_hooks_files(seeded: Path) -> None:
    """Seed commits are clean, one per seed, and change files that the seeded hook's filter selects."""
    assert _git(seeded, "status", "--porcelain") == ""
    commits = _git(seeded, "log", "--format=%H", f"-{len(infra.example.SEEDABLE)}").split()
    for commit, hook_id in zip(commits, reversed(infra.example.SEEDABLE), strict=True):
        changed = _git(seeded, "diff-tree", "--no-commit-id", "--name-only", "-r", commit).split()
        assert any(_matches(HOOKS_BY_ID[hook_id], seeded, path) for path in changed), (hook_id, changed)


@pytest.mark.parametrize(
    ("hook_id", "problem"),
    [
        ("no-such-hook", "not a seedable hook"),
        ("validate-cors-security", "expected text not found"),
        ("validate-meta-test-quality", "already exists"),
        ("check-mermaid-styling", "already seeded"),
    ],
    ids=["unknown", "replaced-twice", "created-twice", "appended-twice"],
)
def test_seeding_refuses_what_it_cannot_do(seeded: Path, hook_id: str, problem: str) -> None:
    """Unknown ids and repeated seeds raise FatalError naming the problem."""
    with pytest.raises(FatalError, match=problem):
        infra.example.seed_failure(seeded, hook_id)


def test_seeding_needs_the_file_it_appends_to(tmp_path: Path) -> None:
    """Appending to a file that was removed is refused."""
    root = infra.example.create(tmp_path / "repo", startup_manifests=1)
    (root / "docs" / "guides" / "deployment.mdx").unlink()
    with pytest.raises(FatalError, match="not found"):
        infra.example.seed_failure(root, "check-mermaid-styling")


def test_create_refuses_bad_arguments(tmp_path: Path) -> None:
    """Non-empty destinations, files, zero manifests and unknown seeds are refused before writing."""
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    (tmp_path / "file").write_text("x")
    for dest, kwargs in [
        ("full", {}),
        ("file", {}),
        ("a", {"startup_manifests": 0}),
        ("b", {"seed_failure": "x"}),
    ]:
        with pytest.raises(FatalError):
            infra.example.create(tmp_path / dest, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_git_failure_is_a_fatal_error(tmp_path: Path) -> None:
    """A git command that fails becomes one FatalError line naming the directory."""
    with pytest.raises(FatalError, match="git log failed"):
        tree.git(tmp_path, "log")


def test_missing_git_is_a_fatal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without git on PATH, creating the example says so."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FatalError, match="git: not found"):
        infra.example.create(tmp_path / "repo", startup_manifests=1)


def test_cli_creates_and_seeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`infra example create DIR --seed-failure ID --startup-manifests N` creates, seeds and says so."""
    seed = ["--seed-failure", "validate-test-ids"]
    assert main(["example", "create", str(tmp_path / "repo"), "--startup-manifests", "3", *seed]) == 0
    out = capsys.readouterr().out
    assert "75 hooks run at pre-push, seeded to fail validate-test-ids" in out
    assert len(_git(tmp_path / "repo", "log", "--oneline").splitlines()) == 2


def test_cli_default_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --startup-manifests the default catalogue size is generated."""
    assert main(["example", "create", str(tmp_path / "repo")]) == 0
    assert "created" in capsys.readouterr().out
    assert len(list((tmp_path / "repo" / "deployments" / "generated").glob("*.yaml"))) == 15


def test_cli_refuses_a_non_empty_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A non-empty DIR exits 2 with one error line naming it."""
    (tmp_path / "keep.txt").write_text("x")
    assert main(["example", "create", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}: not an empty directory") and err.count("\n") == 1


@pytest.mark.slow
def test_pre_push_run_passes_and_runs_every_hook(example: Path, tmp_path: Path) -> None:
    """pre-commit run --hook-stage pre-push --all-files passes, every push hook Passed, no manual hook."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(example), str(clone)], check=True, env=_env(tmp_path))
    result = _pre_push(clone)
    assert result.returncode == 0, result.stdout[-4000:]
    results = _results(result.stdout)
    assert results == dict.fromkeys(infra.example.PUSH_HOOK_IDS, "Passed")
    assert not set(results) & set(infra.example.MANUAL_HOOK_IDS)


@pytest.fixture(scope="module")
def seeded_results(seeded: Path) -> dict[str, str]:
    """The pre-push results of the repository with every seed applied."""
    return _results(_pre_push(seeded).stdout)


@pytest.mark.slow
@pytest.mark.parametrize("hook_id", infra.example.SEEDABLE)
def test_seeded_hook_fails(seeded_results: dict[str, str], hook_id: str) -> None:
    """Each seeded hook fails under pre-commit."""
    assert seeded_results[hook_id] == "Failed"


@pytest.mark.slow
def test_seeds_fail_nothing_else(seeded_results: dict[str, str]) -> None:
    """With every seed applied, exactly the seeded hooks (and their documented companions) fail."""
    companions = {hook_id for also in infra.example.SEED_ALSO_FAILS.values() for hook_id in also}
    expected = set(infra.example.SEEDABLE) | companions
    assert {hook_id for hook_id, status in seeded_results.items() if status == "Failed"} == expected
    assert "Skipped" not in seeded_results.values()
