"""``infra doctor``: one line per check, exit 0 all ok, 1 any FAIL, 2 a config that does not load."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra import doctor, init, migrate
from infra.main import main
from tests.conftest import VENV_BIN, commit, write
from tests.test_migrate import EVERY_BUT_PUSH, REFERENCE, hook, line_changes

CONFIG = ".pre-commit-config.yaml"
TEXT = (
    "repos:\n  - repo: local\n    hooks:\n"
    + hook("unit-tests", "  stages: [pre-push]  # slow").replace("'true'", "pytest tests/test_unit.py -q")
    + hook("lint", "  stages:", "    - push")
    + hook("hygiene")
)
WORKFLOW = (
    "on: push\njobs:\n  prepush:\n    runs-on: ubuntu-latest\n    steps:\n      - run: nox -t prepush\n"
)


def cli(root: Path, *argv: str) -> int:
    """``infra ARGV`` run with ``root`` as the working directory."""
    cwd = Path.cwd()
    os.chdir(root)
    try:
        return main(list(argv))
    finally:
        os.chdir(cwd)


def run_doctor(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, str]]:
    """Exit code and {check name: its line} of ``infra doctor`` run in ``root``."""
    code = cli(root, "doctor", *args)
    lines = capsys.readouterr().out.splitlines()
    checks = {m["name"]: line for line in lines if (m := re.match(r"^(?:ok|FAIL) +(?P<name>[^:]+):", line))}
    return code, checks


def install(root: Path, *args: str) -> None:
    subprocess.run(
        ["pre-commit", "install", "--hook-type", "pre-push", *args], cwd=root, check=True, capture_output=True
    )


@pytest.fixture
def migrated(repo: Path) -> Path:
    """A repository migrated by `infra migrate`, pre-commit's pre-push wrapper installed, CI calling nox."""
    write(repo, {CONFIG: TEXT, ".github/workflows/ci.yml": WORKFLOW, "noxfile.py": NOXFILE})
    migrate.migrate(repo / CONFIG, write=True)
    install(repo)
    commit(repo, "migrated")
    return repo


NOXFILE = "import infra.sessions\n\ninfra.sessions.register()\n"


@pytest.fixture(autouse=True)
def system_nox(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `nox` on PATH outside infra's environment (as pipx gives): found from git's environment too."""
    bin_dir = tmp_path_factory.mktemp("system-bin")
    (bin_dir / "nox").symlink_to(Path(VENV_BIN) / "nox")
    monkeypatch.setenv("PATH", os.pathsep.join([VENV_BIN, str(bin_dir), os.environ["PATH"]]))
    return bin_dir


def without_system_nox(system_nox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only infra's environment has nox (the usual case): git's environment has none."""
    monkeypatch.setenv("PATH", os.environ["PATH"].replace(str(system_nox) + os.pathsep, ""))


def failed(checks: dict[str, str]) -> dict[str, str]:
    return {name: line for name, line in checks.items() if line.startswith("FAIL")}


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the reference config is not on this machine")
def test_acceptance_migrate_then_doctor_on_the_reference_config(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reference config: doctor fails before, passes after `infra migrate`; only the 43 stages lines changed, 12 lines appended."""
    original = REFERENCE.read_text(encoding="utf-8")
    write(repo, {CONFIG: original, ".github/workflows/ci.yml": WORKFLOW, "noxfile.py": NOXFILE})
    install(repo)
    commit(repo, "reference config")
    code, checks = run_doctor(repo, capsys)
    assert code == 1
    assert set(failed(checks)) == {"pre-push entry", "no per-hook pytest"}
    assert "pre-commit runs 75 hooks at pre-push, not one" in checks["pre-push entry"]

    assert cli(repo, "migrate") == 0
    capsys.readouterr()
    code, checks = run_doctor(repo, capsys)
    assert code == 0, checks
    assert list(checks) == [
        "config",
        "pre-push entry",
        "no hook lost",
        "no per-hook pytest",
        "git hook",
        "hook starts",
        "ci",
    ]
    assert "all 75 hooks pre-commit ran at pre-push are planned" in checks["no hook lost"]

    migrated = (repo / CONFIG).read_text(encoding="utf-8")
    pushed_rows = [
        n + 1 for n, line in enumerate(original.splitlines()) if line.strip().startswith("stages: [pre-push]")
    ]
    assert len(pushed_rows) == 43
    replaced, inserted = line_changes(original, migrated, inserted_after=len(original.splitlines()))
    assert sorted(replaced) == pushed_rows
    for old, new in replaced.values():
        assert new == old.replace("stages: [pre-push]", "stages: [manual]  # infra: was [pre-push]", 1)
    assert [line.strip() for line in inserted] == [
        migrate.RUNNER_COMMENT,
        "- repo: local",
        "hooks:",
        "- id: infra-prepush",
        *migrate.RUNNER_KEYS[1:],
        f"default_stages: {EVERY_BUT_PUSH}  # infra: was every stage",
    ]


def test_a_migrated_repository_passes(migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every check is ok, each on one line, then a summary; exit 0."""
    code, checks = run_doctor(migrated, capsys)
    assert code == 0
    assert checks == {
        "config": f"ok    config: {migrated / CONFIG} is valid (4 hooks)",
        "pre-push entry": "ok    pre-push entry: pre-commit runs one hook at pre-push: infra-prepush (`nox -t prepush`)",
        "no hook lost": "ok    no hook lost: all 3 hooks pre-commit ran at pre-push are planned in 3 sessions",
        "no per-hook pytest": "ok    no per-hook pytest: no pytest hook runs on its own at pre-push",
        "git hook": "ok    git hook: .git/hooks/pre-push is pre-commit's pre-push wrapper",
        "hook starts": "ok    hook starts: `nox -t prepush --list` as pre-commit runs it starts from git's environment (no virtualenv active)",
        "ci": "ok    ci: .github/workflows/ci.yml runs the same sessions: `- run: nox -t prepush`",
    }


def test_before_migration_the_fixes_say_what_to_run(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unmigrated, no git hook, CI without nox: FAIL lines with their fixes; exit 1."""
    write(repo, {CONFIG: TEXT, ".github/workflows/ci.yaml": "jobs:\n  t:\n    steps:\n      - run: pytest\n"})
    code, checks = run_doctor(repo, capsys, "--config", CONFIG)
    assert code == 1
    assert set(failed(checks)) == {"pre-push entry", "no per-hook pytest", "git hook", "hook starts", "ci"}
    assert checks["pre-push entry"].endswith(
        "pre-commit runs 3 hooks at pre-push, not one: unit-tests, lint, hygiene; fix: run `infra migrate`"
    )
    assert (
        "pre-commit still runs 1 pytest hooks at pre-push: unit-tests; fix: run `infra migrate`"
        in checks["no per-hook pytest"]
    )
    assert checks["git hook"].endswith(
        ".git/hooks/pre-push is not installed; fix: pre-commit install --hook-type pre-push"
    )
    assert (
        "none of the 1 workflows in .github/workflows runs `nox -t prepush`; fix: add a step" in checks["ci"]
    )
    assert "ok    no hook lost: all 3 hooks" in checks["no hook lost"]


def test_a_config_that_does_not_load_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid config is one FAIL line naming the file and line, and exit 2."""
    write(repo, {CONFIG: "repos:\n  - repo: local\n    hooks:\n      - id: a\n"})
    code, checks = run_doctor(repo, capsys)
    assert code == 2
    assert list(checks) == ["config"]
    assert checks["config"].startswith(f"FAIL  config: {repo / CONFIG}:4: ")
    assert checks["config"].endswith("fix: fix the config, then run `infra doctor` again")


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            "missing",
            "FAIL  git hook: .git/hooks/pre-push is not installed; fix: pre-commit install --hook-type pre-push",
        ),
        (
            "not-executable",
            "FAIL  git hook: .git/hooks/pre-push is not executable, so git never runs it; fix: chmod +x ",
        ),
        (
            "pre-commit-type",
            "FAIL  git hook: .git/hooks/pre-push is a pre-commit wrapper for another hook type; fix: pre-commit install --hook-type pre-push",
        ),
        (
            "other-config",
            "FAIL  git hook: .git/hooks/pre-push runs pre-commit with other.yaml; fix: pre-commit install --hook-type pre-push --config .pre-commit-config.yaml",
        ),
        ("prek", "ok    git hook: .git/hooks/pre-push is prek's pre-push wrapper"),
        ("custom-nox", "ok    git hook: .git/hooks/pre-push is a custom script that runs `nox -t prepush`"),
        (
            "custom-other",
            "FAIL  git hook: .git/hooks/pre-push runs neither pre-commit, prek nor `nox -t prepush`; fix: pre-commit install --hook-type pre-push",
        ),
        ("hooks-path", "ok    git hook: githooks/pre-push is a custom script that runs `nox -t prepush`"),
    ],
)
def test_git_hook_kinds(
    migrated: Path, capsys: pytest.CaptureFixture[str], setup: str, expected: str
) -> None:
    """The installed pre-push hook: pre-commit or prek wrapper, or a script running nox -t prepush; else the fix."""
    hook_file = migrated / ".git" / "hooks" / "pre-push"
    hook_file.unlink()
    custom = "#!/bin/sh\nexec nox -t prepush\n"
    if setup == "not-executable":
        hook_file.write_text(custom)
    elif setup == "pre-commit-type":
        subprocess.run(["pre-commit", "install"], cwd=migrated, check=True, capture_output=True)
        shutil.copy(migrated / ".git" / "hooks" / "pre-commit", hook_file)
    elif setup == "other-config":
        install(migrated, "--config", "other.yaml")
    elif setup == "prek":
        subprocess.run(
            ["prek", "install", "--hook-type", "pre-push"], cwd=migrated, check=True, capture_output=True
        )
    elif setup in ("custom-nox", "custom-other", "hooks-path"):
        if setup == "hooks-path":
            subprocess.run(["git", "config", "core.hooksPath", "githooks"], cwd=migrated, check=True)
            hook_file = migrated / "githooks" / "pre-push"
            hook_file.parent.mkdir()
        hook_file.write_text(custom if setup != "custom-other" else "#!/bin/sh\npytest\n")
        hook_file.chmod(0o755)
    code, checks = run_doctor(migrated, capsys)
    assert checks["git hook"].startswith(expected)
    assert code == (0 if expected.startswith("ok") else 1)


def test_outside_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No repository: the git hook check fails with `git init`; CI is looked for beside the config."""
    write(tmp_path, {CONFIG: TEXT})
    migrate.migrate(tmp_path / CONFIG, write=True)
    code, checks = run_doctor(tmp_path, capsys)
    assert code == 1
    assert checks["git hook"] == (
        f"FAIL  git hook: {tmp_path.resolve()} is not in a git repository; "
        "fix: git init, then pre-commit install --hook-type pre-push"
    )
    assert checks["ci"] == "ok    ci: no GitHub workflows to check"


@pytest.mark.parametrize(
    ("workflow", "ok"),
    [
        ("      - run: nox --list --json -t prepush > sessions.json\n", True),
        ("      - run: uv run nox --tags=prepush -- --all-files\n", True),
        ("      # - run: nox -t prepush\n", False),
        ("      - run: nox -s lint  # -t prepush later\n", False),
        ("      - run: nox -t prepushed\n", False),
    ],
)
def test_ci_must_run_the_prepush_sessions(
    migrated: Path, capsys: pytest.CaptureFixture[str], workflow: str, ok: bool
) -> None:
    """A workflow runs (or lists) `nox -t prepush`; comments and other tags do not count."""
    write(migrated, {".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n" + workflow})
    code, checks = run_doctor(migrated, capsys)
    assert checks["ci"].startswith("ok" if ok else "FAIL")
    assert code == (0 if ok else 1)


def test_a_hook_whose_marker_was_broken_is_reported_lost(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parked hook taken out of manual by hand is no longer planned: named as lost."""
    path = migrated / CONFIG
    path.write_text(
        path.read_text().replace(
            "stages: [manual]  # infra: was [pre-push]", "stages: [pre-commit]  # infra: was [pre-push]"
        )
    )
    code, checks = run_doctor(migrated, capsys)
    assert code == 1
    assert checks["no hook lost"].startswith(
        "FAIL  no hook lost: 1 of 3 pre-push hooks are not planned: unit-tests; fix: give each"
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "\n          # infra-was: - push\n",
            "\n",
            ":13: expected 1 `# infra-was:` line(s) below this marker",
        ),
        ("# infra: was [pre-push]", "# infra: was [pre-pushy]", f"{CONFIG} reverted:"),
    ],
)
def test_unreadable_markers_fail_the_lost_check(
    migrated: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, problem: str
) -> None:
    """Markers that cannot be reverted (parked lines gone, a stage that does not exist): FAIL with the way back."""
    path = migrated / CONFIG
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    code, checks = run_doctor(migrated, capsys)
    assert code == 1
    line = checks["no hook lost"]
    assert (
        line.startswith("FAIL  no hook lost: the migration markers cannot be read back (") and problem in line
    )
    assert line.endswith("fix: restore the config from git, then run `infra migrate` again")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "entry: nox -t prepush",
            "entry: nox -s lint",
            "FAIL  pre-push entry: the one pre-push hook, infra-prepush, runs `nox -s lint`; fix: set its entry to `nox -t prepush`",
        ),
        (
            "        stages: [pre-push]\n        require_serial: true\n",
            "        stages: [pre-commit]\n        require_serial: true\n",
            "FAIL  pre-push entry: pre-commit runs 0 hooks at pre-push, not one; fix: run `infra migrate`",
        ),
    ],
)
def test_the_single_entry_must_call_nox(
    migrated: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    """The one pre-push hook must run `nox -t prepush`, and there must be one."""
    path = migrated / CONFIG
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    code, checks = run_doctor(migrated, capsys)
    assert (code, checks["pre-push entry"]) == (1, expected)


def test_one_other_hook_at_pre_push_is_not_the_entry(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A lone pre-push hook that is not the runner: run `infra migrate`."""
    write(
        repo,
        {
            CONFIG: "default_stages: [pre-commit]\nrepos:\n  - repo: local\n    hooks:\n"
            + hook("x", "  stages: [push]")
        },
    )
    code, checks = run_doctor(repo, capsys)
    assert (code, checks["pre-push entry"]) == (
        1,
        "FAIL  pre-push entry: the one pre-push hook, x, runs `true`; fix: run `infra migrate`",
    )


def test_check_line_format() -> None:
    """ok lines have no fix; FAIL lines end with `; fix: ...`."""
    assert doctor.Check("a", True, "fine").line() == "ok    a: fine"
    assert doctor.Check("a", False, "broken", "mend it").line() == "FAIL  a: broken; fix: mend it"


def test_hooks_path_outside_the_repository(
    migrated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """core.hooksPath outside the repository: the hook is named by its absolute path."""
    hooks = tmp_path / "shared-hooks"
    hooks.mkdir()
    (hooks / "pre-push").write_text("#!/bin/sh\nexec nox -t prepush\n")
    (hooks / "pre-push").chmod(0o755)
    subprocess.run(["git", "config", "core.hooksPath", str(hooks)], cwd=migrated, check=True)
    code, checks = run_doctor(migrated, capsys)
    assert (code, checks["git hook"]) == (
        0,
        f"ok    git hook: {hooks / 'pre-push'} is a custom script that runs `nox -t prepush`",
    )


def test_a_hook_that_cannot_find_nox_from_gits_environment_fails(
    migrated: Path, system_nox: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pre-commit's wrapper, nox only in infra's environment: the push would die, so doctor fails with the fix."""
    without_system_nox(system_nox, monkeypatch)
    code, checks = run_doctor(migrated, capsys)
    assert code == 1 and set(failed(checks)) == {"hook starts"}
    line = checks["hook starts"]
    assert line.startswith(
        "FAIL  hook starts: `nox -t prepush --list` as pre-commit runs it cannot start from git's environment: "
    )
    assert "nox" in line and "not found" in line
    assert line.endswith(f"; fix: run `infra init` (its hook puts {VENV_BIN} first on PATH)")


def test_infra_inits_hook_starts_nox_from_gits_environment(
    migrated: Path, system_nox: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`infra init`'s hook is run itself, dry, with git's PATH: it finds nox in infra's environment."""
    without_system_nox(system_nox, monkeypatch)
    init.install_hook(migrated, migrated / CONFIG, migrate.RUNNER_ENTRY)
    code, checks = run_doctor(migrated, capsys)
    assert code == 0, checks
    assert checks["git hook"] == (
        "ok    git hook: .git/hooks/pre-push is `infra init`'s: pre-commit's pre-push, the environment on PATH"
    )
    assert checks["hook starts"] == (
        "ok    hook starts: .git/hooks/pre-push (dry run) starts from git's environment (no virtualenv active)"
    )


def test_a_hook_command_that_starts_but_fails_names_it(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """nox is found but the noxfile is broken: FAIL with nox's last line and the command to run by hand."""
    write(migrated, {"noxfile.py": "raise SystemExit('noxfile broke')\n"})
    code, checks = run_doctor(migrated, capsys)
    assert code == 1
    line = checks["hook starts"]
    assert line.startswith(
        "FAIL  hook starts: `nox -t prepush --list` as pre-commit runs it exited with code "
    )
    assert line.endswith(f"; fix: run `nox -t prepush --list` in {migrated} to see why")


def test_git_environment_drops_the_virtualenv() -> None:
    """git's environment: infra's bin/ and $VIRTUAL_ENV/bin off PATH, VIRTUAL_ENV unset; PATH never empty."""
    env = doctor.git_environment({"PATH": f"{VENV_BIN}:/venv/bin:/usr/bin", "VIRTUAL_ENV": "/venv", "X": "1"})
    assert env == {"PATH": "/usr/bin", "X": "1"}
    assert doctor.git_environment({"PATH": VENV_BIN})["PATH"] == os.defpath
