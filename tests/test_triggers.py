"""``infra.triggers`` (through ``execute.decide_all``, its one caller for a push) agrees with real
pre-commit on which hooks run, hook by hook."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra import changes, execute, project, triggers
from tests.conftest import commit, git, git_dir, write

POOL = {
    "src/app/core.py": "def f():\n    return 1\n",
    "src/app/auth.py": "def g():\n    return 2\n",
    "tests/test_core.py": "def test_f():\n    pass\n",
    "tests/conftest.py": "",
    "docs/index.md": "# Index\n",
    "docs/guide.mdx": "# Guide\n",
    "deployments/base/app.yaml": "a: 1\n",
    "deployments/helm/values-prod.yml": "b: 2\n",
    "scripts/deploy.sh": "#!/bin/bash\necho hi\n",
    "config/settings.json": "{}\n",
    "pyproject.toml": "[project]\nname = 'x'\n",
    "README.md": "# Readme\n",
    ".github/workflows/ci.yml": "on: push\n",
}

HOOKS: list[tuple[str, dict[str, object]]] = [
    # (id, extra keys)
    ("py-any", {"types": ["python"]}),
    ("src-only", {"files": r"^src/", "types_or": ["python", "pyi"]}),
    ("tests-not-conftest", {"files": r"^tests/.*\.py$", "exclude": r"conftest\.py$"}),
    ("docs", {"files": r"\.(md|mdx)$"}),
    ("docs-not-readme", {"files": r"\.(md|mdx)$", "exclude": r"^README\.md$"}),
    ("deploy-yaml", {"files": r"^deployments/.*\.(yaml|yml)$"}),
    ("helm-values", {"files": r"^deployments/helm/values-.*\.(yaml|yml)$"}),
    ("shell", {"types": ["shell"]}),
    ("not-yaml", {"exclude_types": ["yaml"]}),
    ("json-or-toml", {"types_or": ["json", "toml"]}),
    ("always", {"always_run": True, "files": r"^nothing-matches$"}),
    ("workflows", {"files": r"^\.github/workflows/.*\.ya?ml$"}),
    ("executables", {"types": ["executable"]}),
    ("text-files", {"types": ["text"], "files": "config"}),
    ("dup", {"files": r"\.py$"}),
    ("dup", {"files": r"\.yaml$"}),
]

STAGE_VARIANTS = [None, ["pre-push"], ["push"], ["commit"], ["manual"], ["pre-commit", "pre-push"]]


def _config_text(rng: random.Random, default_stages: list[str] | None, top_exclude: str | None) -> str:
    lines = []
    if default_stages is not None:
        lines.append(f"default_stages: {default_stages}")
    if top_exclude is not None:
        lines.append(f"exclude: '{top_exclude}'")
    lines += ["repos:", "- repo: local", "  hooks:"]
    for n, (hook_id, extra) in enumerate(HOOKS):
        stages = STAGE_VARIANTS[rng.randrange(len(STAGE_VARIANTS))]
        lines += [
            f"  - id: {hook_id}",
            f"    name: hook{n}-{hook_id}",
            "    entry: python -c 'import sys'",
            "    language: system",
        ]
        if stages is not None:
            lines.append(f"    stages: {stages}")
        for key, value in extra.items():
            lines.append(f"    {key}: {value if not isinstance(value, str) else repr(value)}")
    return "\n".join(lines) + "\n"


_LINE = re.compile(r"^(hook\d+-[\w-]+)\.+(\(no files to check\))?(Passed|Skipped|Failed)$")


def _pre_commit_verdicts(root: Path, from_ref: str, to_ref: str) -> dict[str, bool]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "run",
            "--hook-stage",
            "pre-push",
            "--from-ref",
            from_ref,
            "--to-ref",
            to_ref,
            "--color",
            "never",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    verdicts = {}
    for line in proc.stdout.splitlines():
        match = _LINE.match(line.strip())
        if match:
            verdicts[match.group(1)] = match.group(3) == "Passed"
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return verdicts


def _decided(
    root: Path, files: tuple[str, ...], environ: dict[str, str] | None = None
) -> list[triggers.Trigger]:
    """Every pre-push hook's trigger, as a push decides it (in plan order)."""
    change = changes.ChangeSet(files, all_files=False, source="test")
    return list(execute.decide_all(project.load(root), environ or {}, change).values())


def _ours(root: Path, from_ref: str, to_ref: str) -> dict[str, bool]:
    return {t.hook.name: t.runs for t in _decided(root, changes.diff(root, from_ref, to_ref))}


def _mutate(root: Path, rng: random.Random, step: int) -> None:
    names = sorted(POOL)
    for name in rng.sample(names, rng.randint(0, 3)):
        path = root / name
        if path.exists() and rng.random() < 0.2 and name != ".pre-commit-config.yaml":
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(POOL[name] + f"# change {step}\n")
            if name.endswith(".sh"):
                path.chmod(0o755)
    if rng.random() < 0.3:
        write(root, {f"new/file{step}.{rng.choice(['py', 'yaml', 'md', 'txt'])}": "x\n"})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "default_stages", "top_exclude"),
    [
        (1, None, None),
        (2, ["pre-commit"], None),
        (3, ["push", "commit"], None),
        (4, None, "^docs/"),
        (5, ["pre-push"], r"\.json$"),
    ],
)
def test_runs_exactly_the_hooks_pre_commit_runs(
    tmp_path: Path, seed: int, default_stages: list[str] | None, top_exclude: str | None
) -> None:
    """For random change sets, every hook is run-or-skipped exactly as pre-commit decides."""
    rng = random.Random(seed)
    root = git_dir(tmp_path / "repo")
    write(root, {".pre-commit-config.yaml": _config_text(rng, default_stages, top_exclude)})
    write(root, dict(rng.sample(sorted(POOL.items()), 6)))
    (root / "scripts").mkdir(exist_ok=True)
    base = commit(root, "base")
    compared = 0
    seen: set[bool] = set()
    for step in range(5):
        _mutate(root, rng, step)
        head = commit(root, f"step {step}")
        theirs = _pre_commit_verdicts(root, base, head)
        ours = _ours(root, base, head)
        assert ours == theirs, f"step {step}: files {changes.diff(root, base, head)}"
        compared += len(ours)
        seen |= set(ours.values())
        if rng.random() < 0.5:
            base = head
    assert compared > 0
    assert seen == {True, False}, "the change sets must make some hooks run and some skip"


def test_skip_env_and_alias_skip_a_hook(repo: Path) -> None:
    """SKIP names hooks by id or alias, as pre-commit's SKIP does."""
    write(
        repo,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n"
            "  - {id: a, name: a, entry: 'true', language: system, alias: al}\n"
            "  - {id: b, name: b, entry: 'true', language: system}\n",
            "x.py": "",
        },
    )
    out = _decided(repo, ("x.py",), {"SKIP": "al, "})
    assert sorted((t.hook.id, t.runs, t.why) for t in out) == [
        ("a", False, triggers.Why.SKIP_ENV),
        ("b", True, triggers.Why.FILES),
    ]


def test_deleted_files_are_not_passed(repo: Path) -> None:
    """A file the push deletes does not trigger a hook (pre-commit drops missing files)."""
    write(
        repo,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n"
            "  - {id: a, name: a, entry: 'true', language: system, files: '^gone'}\n",
            "gone.py": "",
        },
    )
    base = commit(repo)
    git(repo, "rm", "-q", "gone.py")
    head = commit(repo)
    (t,) = _decided(repo, changes.diff(repo, base, head))
    assert (t.runs, t.why, t.filenames) == (False, triggers.Why.NO_FILES, ())


def test_remote_hooks_are_left_to_pre_commit(repo: Path) -> None:
    """A remote hook always goes to pre-commit, which knows its manifest's filters."""
    write(
        repo,
        {
            ".pre-commit-config.yaml": "repos:\n- repo: https://example.invalid/hooks\n  rev: v1.0.0\n"
            "  hooks:\n  - id: black\n",
        },
    )
    (t,) = _decided(repo, ())
    assert (t.runs, t.why) == (True, triggers.Why.REMOTE)
