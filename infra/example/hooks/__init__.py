"""The example's hooks: 43 marked ``pre-push``, 32 without ``stages``, 5 ``manual``; all ``repo: local``.

Kinds and counts follow the reference config (REFERENCE §1): among the 43 marked hooks,
17 pytest invocations, 20 Python scripts (18 validators plus local stand-ins for the
reference's two remote hooks, mypy and terraform_validate) and 6 shell/tool hooks. The 32
hooks without ``stages`` stand in for the reference's 16 local and 16 remote ones. Every
hook is ``language: system`` so pre-commit never builds an environment (no network).
"""

from __future__ import annotations

from infra.example.hooks.basics import CONFIGURATION, HYGIENE, INFRASTRUCTURE, PYTHON_LINT, WORKFLOW_HOOKS
from infra.example.hooks.deployment import CONTAINERS, DEPLOYMENT
from infra.example.hooks.docs import DOCUMENTATION
from infra.example.hooks.model import ExampleHook
from infra.example.hooks.suite import SOURCE, TEST_SUITE

__all__ = ["ALL_HOOKS", "SECTIONS", "ExampleHook"]

SECTIONS: tuple[tuple[str, tuple[ExampleHook, ...]], ...] = (
    ("File hygiene (pre-commit-hooks stand-ins; no stages, so they run at every stage)", HYGIENE),
    ("Python lint, layout and security (black/isort/flake8/bandit/gitleaks stand-ins)", PYTHON_LINT),
    ("Dependencies and pytest configuration", CONFIGURATION),
    ("GitHub workflows", WORKFLOW_HOOKS),
    ("Documentation", DOCUMENTATION),
    ("Deployment (tests/deployment has its own pytest.ini)", DEPLOYMENT),
    ("Containers", CONTAINERS),
    ("Source package", SOURCE),
    ("Test suite quality", TEST_SUITE),
    ("Infrastructure as code and shell", INFRASTRUCTURE),
)

ALL_HOOKS: tuple[ExampleHook, ...] = tuple(hook for _, hooks in SECTIONS for hook in hooks)
