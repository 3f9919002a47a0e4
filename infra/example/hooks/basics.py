"""Hygiene, lint, dependency, workflow and infrastructure hooks (mostly without ``stages``)."""

from __future__ import annotations

from infra.example.hooks.model import PRE_PUSH, PYTEST, SCRIPT, SHELL, WORKFLOWS, ExampleHook


def _hygiene(hook_id: str, check: str, types: str, *args: str, exclude: str | None = None) -> ExampleHook:
    return ExampleHook(
        hook_id,
        hook_id.replace("-", " ").capitalize(),
        f"python scripts/hygiene.py {check}",
        SCRIPT,
        types=(types,),
        args=args,
        exclude=exclude,
        pass_filenames=None,
    )


def _lint(hook_id: str, name: str, entry: str, *args: str, types: str = "python") -> ExampleHook:
    return ExampleHook(hook_id, name, entry, SCRIPT, types=(types,), args=args, pass_filenames=None)


HYGIENE = (
    _hygiene("trailing-whitespace", "trailing-whitespace", "text"),
    _hygiene("end-of-file-fixer", "end-of-file", "text"),
    _hygiene(
        "check-yaml",
        "yaml",
        "yaml",
        "--allow-multiple-documents",
        exclude="^deployments/helm/shopfront/templates/",
    ),
    _hygiene(
        "check-added-large-files", "large-files", "file", "--maxkb=500", exclude=r"^requirements\.lock$"
    ),
    _hygiene("check-merge-conflict", "merge-conflict", "text"),
    _hygiene("detect-private-key", "private-key", "text"),
    _hygiene("check-json", "json", "json"),
    _hygiene("check-toml", "toml", "toml"),
    _hygiene("mixed-line-ending", "line-endings", "text"),
)

PYTHON_LINT = (
    _lint(
        "python-format",
        "Python layout (black stand-in)",
        "python scripts/lint.py format",
        "--line-length=127",
    ),
    _lint("python-imports", "Python import order (isort stand-in)", "python scripts/lint.py imports"),
    _lint(
        "python-lint", "Python lint (flake8 stand-in)", "python scripts/lint.py lint", "--max-complexity=20"
    ),
    _lint(
        "python-security",
        "Python security lint (bandit stand-in)",
        "python scripts/security.py",
        "-x",
        "tests",
    ),
    _lint("secrets-scan", "Secrets scan (gitleaks stand-in)", "python scripts/scan_secrets.py", types="text"),
)

CONFIGURATION = (
    ExampleHook(
        "requirements-lock-check",
        "requirements.lock pins pyproject.toml",
        "bash -c 'python scripts/check_lock.py || (echo \"ERROR - requirements.lock out of sync\"; exit 1)'",
        SHELL,
        files=r"^(pyproject\.toml|requirements\.lock)$",
    ),
    ExampleHook(
        "validate-pytest-config",
        "Pytest addopts match declared plugins",
        "python scripts/validate_pytest_config.py",
        SCRIPT,
        files=r"^pyproject\.toml$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-pytest-markers",
        "Pytest markers are registered",
        "python scripts/validate_pytest_markers.py",
        SCRIPT,
        files=r"^(tests/.*\.py|pyproject\.toml)$",
    ),
    ExampleHook(
        "validate-pre-push-hook",
        "Installed pre-push hook is pre-commit's",
        "python scripts/validate_pre_push_hook.py",
        SCRIPT,
        files=r"^\.git/hooks/pre-push$",
        stages=PRE_PUSH,
        always_run=True,
    ),
)

WORKFLOW_HOOKS = (
    ExampleHook(
        "check-github-workflows",
        "GitHub workflow schema",
        "python scripts/validate_workflow_schema.py",
        SCRIPT,
        files=WORKFLOWS,
        pass_filenames=True,
    ),
    ExampleHook(
        "workflow-permissions-lint",
        "Workflows declare permissions (actionlint stand-in)",
        'bash -c \'for f in .github/workflows/*.yml; do grep -q "^permissions:" "$f" || '
        '{ echo "$f: no top-level permissions"; exit 1; }; done\'',
        SHELL,
        files=WORKFLOWS,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-github-workflows",
        "Workflow contexts match triggers",
        "python scripts/validate_github_workflows.py",
        SCRIPT,
        files=WORKFLOWS,
    ),
    ExampleHook(
        "validate-workflow-test-deps",
        "Workflows install test dependencies",
        "python scripts/validation/validate_workflow_test_deps.py",
        SCRIPT,
        files=WORKFLOWS,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-github-action-versions",
        "GitHub Actions versions and permissions",
        "python -m pytest tests/meta/test_github_actions_validation.py -v --tb=short",
        PYTEST,
        files=r"^(\.github/workflows/.*\.ya?ml|\.github/actions/.*/action\.yml)$",
        stages=PRE_PUSH,
    ),
)


INFRASTRUCTURE = (
    ExampleHook(
        "validate-terraform",
        "Terraform validate (stand-in)",
        "python scripts/validate_terraform.py",
        SCRIPT,
        files=r"\.tf$",
        stages=PRE_PUSH,
        pass_filenames=True,
    ),
    ExampleHook(
        "terraform-fmt",
        "Terraform formatting (stand-in)",
        "python scripts/terraform_fmt.py --check",
        SCRIPT,
        files=r"\.tf$",
        pass_filenames=True,
    ),
    ExampleHook(
        "shell-syntax",
        "Shell syntax (bash -n)",
        'bash -c \'for f in "$@"; do bash -n "$f" || exit 1; done\' --',
        SHELL,
        types=("shell",),
        pass_filenames=None,
    ),
)
