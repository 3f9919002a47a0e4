"""``infra migrate``: one pre-push hook under pre-commit, every hook still planned, reversible byte for byte."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import config, migrate, project
from infra.errors import ConfigError
from infra.main import main
from tests.conftest import commit, write

REFERENCE = Path("/work/shared/reference/pre-commit-config.43-hooks.yaml")
EVERY_BUT_PUSH = (
    "[pre-commit, commit-msg, post-checkout, post-commit, post-merge, post-rewrite, "
    "pre-merge-commit, pre-rebase, prepare-commit-msg, manual]"
)


def hook(hook_id: str, *extra: str, indent: str = "      ") -> str:
    lines = [f"- id: {hook_id}", f"  name: {hook_id}", "  entry: 'true'", "  language: system", *extra]
    return "".join(f"{indent}{line}\n" for line in lines)


SMALL = (
    "# team hooks\nrepos:\n  - repo: local\n    hooks:\n"
    + hook("slow", "  stages: [pre-push]  # slow, so at push")
    + hook("legacy", "  stages: [push]")
    + hook("both", "  stages: [commit, pre-push]")
    + hook("parked", "  stages: [pre-push, manual]")
    + hook("blocky", "  stages:", "    - pre-commit", "    # the slow one", "    - push")
    + hook("everywhere")
    + hook("empty", "  stages: []")
    + hook("commit-only", "  stages: [pre-commit]")
    + hook("manual-only", "  stages: [manual]")
    + "  - repo: https://example.invalid/mirrors-mypy\n    rev: v1\n    hooks:\n"
    + "      - id: mypy\n        stages: [pre-push]\n"
    + "\n# the end\n"
)
CONFIGS = {
    "small": SMALL,
    "crlf": SMALL.replace("\n", "\r\n"),
    "no-final-newline": SMALL.removesuffix("\n\n# the end\n"),
    "indentless": "repos:\n- repo: local\n  hooks:\n"
    + hook("a", "  stages: [push]", indent="  ")
    + hook("b", indent="  "),
    "keys-after-repos": "repos:\n  - repo: local\n    hooks:\n"
    + hook("a")
    + "\n# tail\nexclude: ^vendor/\nfail_fast: false\n",
    "default-with-push": "default_stages: [pre-commit, push]  # both\nrepos:\n  - repo: local\n    hooks:\n"
    + hook("a")
    + hook("b", "  stages: [pre-push]"),
    "default-block": "default_stages:\n  - pre-push\nrepos:\n  - repo: local\n    hooks:\n" + hook("a"),
    "default-without-push": "default_stages: [pre-commit]\nrepos:\n  - repo: local\n    hooks:\n"
    + hook("a")
    + hook("b", "  stages: [pre-push]"),
    "flow-hooks": "default_stages: [push]\nrepos:\n  - repo: local\n    hooks: [{id: a, name: a, entry: 'true', language: system}]\n",
    "block-scalar-last": "repos:\n  - repo: local\n    hooks:\n"
    + hook("a", "  stages: [push]", "  description: |", "    first", "    # not a comment")
    + "\n      # a comment\n",
}


def line_changes(
    before: str, after: str, inserted_after: int
) -> tuple[dict[int, tuple[str, str]], list[str]]:
    """Lines of ``before`` that changed ({line: (old, new)}) and the lines inserted after line ``inserted_after``.

    Every other line must be byte-identical in place (compared one for one, line breaks included);
    the lines returned are shown without their line breaks.
    """
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    count = len(new) - len(old)
    inserted = new[inserted_after : inserted_after + count]
    kept = new[:inserted_after] + new[inserted_after + count :]
    changed = {n + 1: (a, b) for n, (a, b) in enumerate(zip(old, kept, strict=True)) if a != b}
    bare = [line.rstrip("\r\n") for line in inserted]
    return {n: (a.rstrip("\r\n"), b.rstrip("\r\n")) for n, (a, b) in changed.items()}, bare


def config_file(tmp_path: Path, text: str, name: str = ".pre-commit-config.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def precommit_push_hooks(path: Path) -> list[str]:
    cfg = config.load(path)
    return [h.key for h in cfg.hooks if "pre-push" in migrate.precommit_stages(h, cfg)]


def plan_sessions(path: Path) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = project.load(path.parent, path).plan.to_dict()["sessions"]
    return sessions


def test_small_config_migrates_to_exactly_these_lines(tmp_path: Path) -> None:
    """Only stages lines change (block items kept as comments); the runner and default_stages are appended."""
    path = config_file(tmp_path, SMALL)
    result = migrate.migrate(path, write=True)
    assert result.parked == ("slow", "legacy", "both", "parked", "blocky", "mypy")
    assert result.stageless == ("everywhere", "empty")
    assert (result.default_stages, result.runner_added) == ("added", True)
    replaced, inserted = line_changes(SMALL, path.read_text(), inserted_after=56)
    assert replaced == {
        9: (
            "        stages: [pre-push]  # slow, so at push",
            "        stages: [manual]  # infra: was [pre-push]  # slow, so at push",
        ),
        14: ("        stages: [push]", "        stages: [manual]  # infra: was [push]"),
        19: (
            "        stages: [commit, pre-push]",
            "        stages: [commit, manual]  # infra: was [commit, pre-push]",
        ),
        24: (
            "        stages: [pre-push, manual]",
            "        stages: [manual]  # infra: was [pre-push, manual]",
        ),
        29: (
            "        stages:",
            "        stages: [pre-commit, manual]  # infra: was [pre-commit, push] (3 lines below)",
        ),
        30: ("          - pre-commit", "          # infra-was: - pre-commit"),
        31: ("          # the slow one", "          # infra-was: # the slow one"),
        32: ("          - push", "          # infra-was: - push"),
        56: ("        stages: [pre-push]", "        stages: [manual]  # infra: was [pre-push]"),
    }
    assert inserted == [
        "  # infra: added by `infra migrate`: runs every pre-push hook as nox sessions (undo: infra migrate --revert)",
        "  - repo: local",
        "    hooks:",
        "      - id: infra-prepush",
        "        name: infra prepush (nox -t prepush)",
        "        entry: nox -t prepush",
        "        language: system",
        "        pass_filenames: false",
        "        always_run: true",
        "        stages: [pre-push]",
        "        require_serial: true",
        f"default_stages: {EVERY_BUT_PUSH}  # infra: was every stage",
    ]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_migration_round_trip(tmp_path: Path, name: str) -> None:
    """Same planned hooks and sessions, one pre-push hook in pre-commit, idempotent, revert restores the bytes."""
    original = CONFIGS[name].encode()
    path = config_file(tmp_path, CONFIGS[name])
    planned = plan_sessions(path)
    migrate.migrate(path, write=True)
    migrated = path.read_bytes()
    assert migrated != original
    assert plan_sessions(path) == planned
    assert precommit_push_hooks(path) == ["infra-prepush"]
    assert migrate.migrate(path, write=True).text == migrated.decode()
    assert path.read_bytes() == migrated
    reverted = migrate.revert(path, write=True)
    assert path.read_bytes() == original
    assert reverted.removed[-1] == "infra-prepush hook"
    assert migrate.revert(path, write=True).text == original.decode()


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the reference config is not on this machine")
def test_reference_config_round_trip(tmp_path: Path) -> None:
    """On the real 1,522-line config: 75 hooks planned alike before and after, and revert is exact."""
    original = REFERENCE.read_bytes()
    path = config_file(tmp_path, original.decode())
    planned = plan_sessions(path)
    result = migrate.migrate(path, write=True)
    assert (len(result.parked), len(result.stageless)) == (43, 32)
    assert plan_sessions(path) == planned
    assert sum(len(s["hooks"]) for s in planned) == 75
    assert precommit_push_hooks(path) == ["infra-prepush"]
    migrate.revert(path, write=True)
    assert path.read_bytes() == original


def test_migrated_configs_are_valid_for_pre_commit(tmp_path: Path) -> None:
    """pre-commit validate-config accepts every migrated config (one call for all of them)."""
    paths = []
    for name, text in CONFIGS.items():
        path = config_file(tmp_path, text, f"{name}.yaml")
        migrate.migrate(path, write=True)
        paths.append(str(path))
    proc = subprocess.run(
        ["pre-commit", "validate-config", *paths], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_file_mode_is_kept(tmp_path: Path) -> None:
    """The rewritten file keeps its permission bits."""
    path = config_file(tmp_path, SMALL)
    path.chmod(0o640)
    migrate.migrate(path, write=True)
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_nothing_at_pre_push_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A config with no pre-push hook is left alone, and says so."""
    path = config_file(
        tmp_path, "default_stages: [pre-commit]\nrepos:\n  - repo: local\n    hooks:\n" + hook("a")
    )
    assert main(["migrate", "--config", str(path)]) == 0
    assert "up to date, nothing to migrate" in capsys.readouterr().out
    assert main(["migrate", "--config", str(path), "--revert"]) == 0
    assert "nothing to revert" in capsys.readouterr().out


def test_check_and_revert_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--check writes nothing and exits 1 while there is work; the default config comes from [tool.infra]."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"pyproject.toml": '[tool.infra]\nconfig = "hooks.yaml"\n'})
    path = config_file(tmp_path, SMALL, "hooks.yaml")
    assert main(["migrate", "--check"]) == 1
    out = capsys.readouterr().out
    assert "would be parked in `manual`: 6 hooks" in out and "would change; run `infra migrate`" in out
    assert path.read_text() == SMALL
    assert main(["migrate"]) == 0
    assert "written; next: `infra init` (installs the pre-push hook" in capsys.readouterr().out
    assert main(["migrate", "--check"]) == 0
    assert main(["migrate", "--revert", "--check"]) == 1
    assert "would be restored: 6 stages lines" in capsys.readouterr().out
    assert main(["migrate", "--revert"]) == 0
    out = capsys.readouterr().out
    assert "removed: the default_stages line" in out and "removed: the infra-prepush hook" in out
    assert path.read_text() == SMALL


def test_existing_runner_is_kept_and_not_parked(tmp_path: Path) -> None:
    """A config that already has the runner only gets the rest migrated (no second runner)."""
    text = "default_stages: [pre-commit]\nrepos:\n  - repo: local\n    hooks:\n" + hook(
        "a", "  stages: [push]"
    )
    text += hook("infra-prepush", "  stages: [pre-push]")
    path = config_file(tmp_path, text)
    result = migrate.migrate(path, write=True)
    assert (result.parked, result.runner_added, result.default_stages) == (("a",), False, "")
    assert path.read_text().count("id: infra-prepush") == 1
    assert precommit_push_hooks(path) == ["infra-prepush"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "repos:\n  - repo: local\n    hooks:\n" + hook("a", "  stages: [pre-commit,", "    push]"),
            ":4: hook a: write stages on one line",
        ),
        (
            "repos:\n  - repo: local\n    hooks:\n" + hook("a", "  stages:", "    [push]"),
            ":4: hook a: write stages",
        ),
        (
            "repos:\n  - repo: local\n    hooks:\n" + hook("a", "  stages:", '    - "pre-\\', '      push"'),
            ":4: hook a: write each stage name on one line",
        ),
        (
            "repos:\n  - repo: local\n    hooks:\n      - {id: a, name: a, entry: 'true', language: system, stages: [push]}\n",
            ":4: hook a: written as a flow mapping",
        ),
        (
            "{repos: [{repo: local, hooks: [{id: a, name: a, entry: 'true', language: system}]}]}\n",
            "written as a flow mapping",
        ),
        (
            "repos: [{repo: local, hooks: [{id: a, name: a, entry: 'true', language: system}]}]\n",
            "repos is a flow list",
        ),
    ],
)
def test_unsupported_layouts_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    """Layouts the text edit cannot handle: exit 2, the file and line, the fix; the file is untouched."""
    path = config_file(tmp_path, text)
    assert main(["migrate", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}")
    assert problem in err and err.rstrip().endswith("then run infra migrate again")
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("  stages: &s [push]", "it would not revert to the original bytes"),
        (
            "  stages: [push]\n        description: |+\n          kept\n",
            "it would change more than the stages",
        ),
    ],
)
def test_safety_checks_refuse_to_write(tmp_path: Path, extra: str, problem: str) -> None:
    """A rewrite that would not revert exactly or would change the data is refused; nothing is written."""
    text = "repos:\n  - repo: local\n    hooks:\n" + hook("a", extra)
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError, match=problem) as info:
        migrate.migrate(path, write=True)
    assert str(info.value).startswith(f"{path}: not rewritten: ")
    assert path.read_text() == text and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_safety_check_refuses_a_change_of_plan(tmp_path: Path) -> None:
    """A stages key the planner cannot read back after the edit (first key on the dash line) is refused."""
    text = "repos:\n  - repo: local\n    hooks:\n      - stages: [push]\n        id: a\n        name: a\n        entry: 'true'\n        language: system\n"
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError, match=r"the planned hooks would change from \['a'\] to \[\]"):
        migrate.migrate(path, write=False)


def test_revert_refuses_missing_parked_lines(tmp_path: Path) -> None:
    """A block marker whose parked item lines were deleted cannot be reverted: one line naming the row."""
    path = config_file(tmp_path, CONFIGS["default-block"])
    migrate.migrate(path, write=True)
    lines = path.read_text().splitlines(keepends=True)
    assert lines[1] == "  # infra-was: - pre-push\n"
    path.write_text("".join(lines[:1] + lines[2:]))
    with pytest.raises(ConfigError, match=r":1: expected 1 `# infra-was:` line\(s\) below this marker"):
        migrate.revert(path, write=True)


def test_revert_refuses_an_edited_runner_block(tmp_path: Path) -> None:
    """An edited infra-prepush block is not removed blindly."""
    path = config_file(tmp_path, SMALL)
    migrate.migrate(path, write=True)
    path.write_text(path.read_text().replace("entry: nox -t prepush", "entry: nox -s lint"))
    with pytest.raises(
        ConfigError, match="the infra-prepush block below this comment was edited; remove it by hand"
    ):
        migrate.revert(path, write=True)


def test_pre_commit_runs_only_the_runner_and_nox_runs_every_hook(repo: Path) -> None:
    """Real run: pre-commit at pre-push runs infra-prepush alone; through nox both pre-push hooks ran, the commit-only one did not."""

    def ran(name: str, stages: list[str]) -> str:
        entry = f"python -c \"open('{name}.ran', 'w').close()\""
        return hook(name, "  pass_filenames: false", "  always_run: true", *stages).replace("'true'", entry)

    text = (
        "repos:\n  - repo: local\n    hooks:\n"
        + ran("pushed", ["  stages: [pre-push]"])
        + ran("everywhere", [])
        + ran("commit-only", ["  stages:", "    - pre-commit"])
    )
    write(
        repo,
        {
            ".pre-commit-config.yaml": text,
            "noxfile.py": "import infra.sessions\ninfra.sessions.register()\n",
            ".gitignore": ".infra/\n*.ran\n",
        },
    )
    commit(repo, "hooks")
    before = _precommit_run(repo, skip="pushed,everywhere,commit-only")
    assert _hook_ids(before) == ["pushed", "everywhere"]
    assert main(["migrate", "--config", str(repo / ".pre-commit-config.yaml")]) == 0
    commit(repo, "migrate")
    output = _precommit_run(repo)
    assert _hook_ids(output) == ["infra-prepush"] and "Passed" in output
    assert sorted(p.name for p in repo.glob("*.ran")) == ["everywhere.ran", "pushed.ran"]


def _precommit_run(root: Path, skip: str = "") -> str:
    env = {**os.environ, "SKIP": skip}
    proc = subprocess.run(
        ["pre-commit", "run", "--hook-stage", "pre-push", "--all-files", "--verbose"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _hook_ids(output: str) -> list[str]:
    return [
        line.removeprefix("- hook id: ") for line in output.splitlines() if line.startswith("- hook id: ")
    ]


def test_example_repository_runs_one_hook_at_pre_push(tmp_path: Path) -> None:
    """On the generated example: the 75 hooks pre-commit ran at pre-push are the 75 planned after migration, under one hook."""
    example = pytest.importorskip("infra.example")
    root = example.create(tmp_path / "example", startup_manifests=1)
    path = root / ".pre-commit-config.yaml"
    cfg = config.load(path)
    every_id = ",".join(h.id for h in cfg.hooks)
    before = _hook_ids(_precommit_run(root, skip=every_id))
    assert len(before) == 75
    migrate.migrate(path, write=True)
    commit(root, "migrate")
    assert _hook_ids(_precommit_run(root, skip=every_id + ",infra-prepush")) == ["infra-prepush"]
    planned = [m.hook.id for s in project.load(root, path).plan.sessions for m in s.members]
    assert sorted(planned) == sorted(before)
