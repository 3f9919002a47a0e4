"""``infra.config``: pre-commit's semantics, and one clear line for every broken config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra import config, config_file
from infra.errors import ConfigError
from infra.main import main

LOCAL_HOOK = "  - id: {id}\n    name: {id}\n    entry: 'true'\n    language: system\n"


def _local(*extra: str) -> str:
    return "repos:\n- repo: local\n  hooks:\n" + LOCAL_HOOK.format(id="ok") + "".join(extra)


BROKEN: dict[str, str | bytes] = {
    "yaml-syntax": "repos:\n  - repo: local\n   hooks: [\n",
    "yaml-tab": "repos:\n\t- repo: local\n",
    "yaml-unclosed-quote": "repos:\n- repo: 'local\n",
    "empty-file": "",
    "only-comment": "# nothing here\n",
    "top-level-list": "- repo: local\n",
    "top-level-string": "just a string\n",
    "repos-missing": "default_stages: [pre-push]\n",
    "repos-not-list": "repos: local\n",
    "repo-not-mapping": "repos:\n- local\n",
    "repo-key-missing": "repos:\n- hooks: []\n",
    "hooks-not-list": "repos:\n- repo: local\n  hooks: {id: x}\n",
    "remote-without-rev": "repos:\n- repo: https://example.invalid/x\n  hooks:\n  - id: x\n",
    "local-missing-entry": "repos:\n- repo: local\n  hooks:\n  - id: x\n    name: x\n    language: system\n",
    "local-missing-name": "repos:\n- repo: local\n  hooks:\n  - id: x\n    entry: 'true'\n    language: system\n",
    "local-missing-language": "repos:\n- repo: local\n  hooks:\n  - id: x\n    name: x\n    entry: 'true'\n",
    "unknown-language": _local("  - id: x\n    name: x\n    entry: 'true'\n    language: cobol\n"),
    "unknown-stage": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    stages: [pre-flight]\n"
    ),
    "stages-not-list": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    stages: 7\n"
    ),
    "invalid-files-regex": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    files: '(unclosed'\n"
    ),
    "invalid-exclude-regex": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    exclude: '*.py'\n"
    ),
    "invalid-top-files-regex": "files: '[a-'\n" + _local(),
    "unknown-default-stage": "default_stages: [sometimes]\n" + _local(),
    "always-run-not-bool": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    always_run: sometimes\n"
    ),
    "pass-filenames-not-bool": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    pass_filenames: 'no'\n"
    ),
    "args-not-list": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    args: -v\n"
    ),
    "unknown-type-tag": _local(
        "  - id: x\n    name: x\n    entry: 'true'\n    language: system\n    types: [pythn]\n"
    ),
    "meta-unknown-id": "repos:\n- repo: meta\n  hooks:\n  - id: not-a-meta-hook\n",
    "fail-fast-not-bool": "fail_fast: maybe\n" + _local(),
    "id-not-string": "repos:\n- repo: local\n  hooks:\n  - id: [1]\n    name: x\n    entry: 'true'\n    language: system\n",
    "binary-file": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin-1": "repos: [] # caf\xe9\n".encode("latin-1"),
    "huge-file": "# " + "x" * (config_file.MAX_CONFIG_BYTES + 10) + "\n",
    "future-minimum-version": "minimum_pre_commit_version: '99.0.0'\n" + _local(),
}


def _pre_commit_rejects(path: Path) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode != 0


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_config_gives_one_line_and_exit_2(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each broken config: exit 2, one `error:` line naming the file, no traceback."""
    path = tmp_path / ".pre-commit-config.yaml"
    content = BROKEN[name]
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    rc = main(["plan", "--config", str(path)])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {path}"), err
    assert "Traceback" not in err


@pytest.mark.slow
def test_broken_corpus_is_rejected_by_pre_commit_too(tmp_path: Path) -> None:
    """Where we reject, `pre-commit validate-config` rejects too (same schema, same verdict)."""
    disagreements = []
    for name, content in sorted(BROKEN.items()):
        if name == "huge-file":
            continue  # pre-commit accepts a 5 MiB comment; we refuse it as not a real config
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        if not _pre_commit_rejects(path):
            disagreements.append(name)
    assert disagreements == []


def test_line_number_of_the_broken_hook(tmp_path: Path) -> None:
    """A schema error inside a hook points at that hook's line."""
    path = tmp_path / "c.yaml"
    path.write_text(_local("  - id: broken\n    name: x\n    language: system\n"))
    with pytest.raises(ConfigError, match=r"c\.yaml:8: Missing required key: entry"):
        config.load(path)


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    """A YAML syntax error carries the line YAML reports."""
    path = tmp_path / "c.yaml"
    path.write_text("repos:\n- repo: local\n  hooks: [\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:4: YAML syntax error"):
        config.load(path)


def test_missing_and_directory_config(tmp_path: Path) -> None:
    """A missing file and a directory each get their own fix."""
    with pytest.raises(ConfigError, match="no such file"):
        config.load(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="is a directory"):
        config.load(tmp_path)


def test_defaults_follow_pre_commit(tmp_path: Path) -> None:
    """No stages -> every stage; legacy names map; system -> unsupported; duplicate ids kept apart."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "repos:\n- repo: local\n  hooks:\n"
        + LOCAL_HOOK.format(id="a")
        + LOCAL_HOOK.format(id="a")
        + "    stages: [push]\n"
        + LOCAL_HOOK.format(id="b")
        + "    stages: [commit]\n"
        + "- repo: https://example.invalid/r\n  rev: v1\n  hooks:\n  - id: remote\n"
    )
    cfg = config.load(path)
    assert [h.key for h in cfg.hooks] == ["a", "a#2", "b", "remote"]
    assert "pre-push" in cfg.hooks[0].stages and "manual" in cfg.hooks[0].stages
    assert cfg.hooks[1].stages == ("pre-push",)
    assert cfg.hooks[2].stages == ("pre-commit",)
    assert [h.key for h in cfg.hooks_for_stage("pre-push")] == ["a", "a#2", "remote"]
    assert cfg.hooks[0].language == "unsupported"
    assert cfg.hooks[0].types == ("file",) and cfg.hooks[0].pass_filenames
    assert cfg.hooks[3].entry is None and cfg.hooks[3].is_remote and cfg.hooks[3].rev == "v1"
    assert [h.line for h in cfg.hooks] == [4, 8, 13, 21]


def test_default_stages_limit_hooks_without_stages(tmp_path: Path) -> None:
    """With default_stages set, a hook without stages runs only there."""
    path = tmp_path / "c.yaml"
    path.write_text("default_stages: [pre-commit]\n" + _local())
    assert config.load(path).hooks_for_stage("pre-push") == ()


def test_migrated_marker_restores_real_stages(tmp_path: Path) -> None:
    """A hook parked in manual by `infra migrate` still counts at its recorded stages."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "repos:\n- repo: local\n  hooks:\n"
        + LOCAL_HOOK.format(id="parked")
        + "    stages: [manual]  # infra: was [push]\n"
        + LOCAL_HOOK.format(id="manual")
        + "    stages: [manual]\n"
    )
    cfg = config.load(path)
    assert [(h.key, h.migrated) for h in cfg.hooks_for_stage("pre-push")] == [("parked", True)]
    assert cfg.hooks[1].stages == ("manual",)


def test_migrated_marker_with_other_stages_restores_them(tmp_path: Path) -> None:
    """A hook that also ran at pre-commit keeps it and counts at its recorded stages again."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "repos:\n- repo: local\n  hooks:\n"
        + LOCAL_HOOK.format(id="both")
        + "    stages: [pre-commit, manual]  # infra: was [pre-commit, push]  # slow\n"
    )
    hook = config.load(path).hooks[0]
    assert (hook.stages, hook.migrated) == (("pre-commit", "pre-push"), True)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("default_stages: [pre-commit, manual]  # infra: was every stage\n", "every"),
        ("default_stages: [pre-commit, manual]  # infra: was [commit, push]\n", ("pre-commit", "pre-push")),
        ("default_stages: [pre-commit, manual]\n", ("pre-commit", "manual")),
    ],
)
def test_default_stages_marker_restores_the_recorded_default(
    tmp_path: Path, line: str, expected: object
) -> None:
    """Hooks without stages take the default_stages recorded by `infra migrate`, not the parked one."""
    from pre_commit.clientlib import STAGES

    path = tmp_path / "c.yaml"
    path.write_text(_local() + line)
    cfg = config.load(path)
    assert cfg.hooks[0].stages == (tuple(STAGES) if expected == "every" else expected)
    assert cfg.default_stages == ("pre-commit", "manual")  # what pre-commit itself uses


def test_runner_hook_is_never_planned(tmp_path: Path) -> None:
    """The infra-prepush hook runs the plan, so it is not one of the pre-push hooks."""
    path = tmp_path / "c.yaml"
    path.write_text(
        _local() + "  - id: infra-prepush\n    name: r\n    entry: nox -t prepush\n    language: system\n"
    )
    cfg = config.load(path)
    assert [h.key for h in cfg.hooks] == ["ok", "infra-prepush"]
    assert [h.key for h in cfg.hooks_for_stage("pre-push")] == ["ok"]
