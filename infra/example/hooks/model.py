"""The record of one example hook, and the constants the hook tables share."""

from __future__ import annotations

from typing import NamedTuple

PRE_PUSH = ("pre-push",)
MANUAL = ("manual",)
PYTEST, SCRIPT, SHELL = "pytest", "script", "shell"
VENV_PYTEST = "bash -c 'source .venv/bin/activate && pytest {} -v --tb=short'"
HELM_TESTS = "pytest tests/deployment/test_helm_configuration.py::{} -v --tb=short"
TESTS_PY, TEST_FILES = r"^tests/.*\.py$", r"^tests/.*test_.*\.py$"
WORKFLOWS, DEPLOYMENT_YAML = r"^\.github/workflows/.*\.ya?ml$", r"^deployments/.*\.(yaml|yml)$"


class ExampleHook(NamedTuple):
    """One hook of the generated ``.pre-commit-config.yaml``. ``pass_filenames=None`` omits the key."""

    id: str
    name: str
    entry: str
    kind: str
    files: str | None = None
    exclude: str | None = None
    types: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    pass_filenames: bool | None = False
    always_run: bool = False
