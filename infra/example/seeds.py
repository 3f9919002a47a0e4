"""Seeded failures: small, realistic edits that make exactly one hook of the example fail.

Each seed edits files that the hook's own ``files:`` filter matches (so an incremental
``--from-ref/--to-ref`` run triggers it too) and is committed by ``seed_failure``. The full
pre-push run of a repository with every seed applied fails exactly the seeded hooks:
``SEED_ALSO_FAILS`` lists no other hook for any seed (tests/test_example.py checks this).
Outside pre-commit, a plain root ``pytest`` also fails for the seeds marked in ``ROOT_PYTEST_FAILS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from infra.errors import FatalError


class Seed(NamedTuple):
    edit: Callable[[Path], None]
    what: str
    force_add: tuple[str, ...] = ()


def _replace(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if old not in text:
        raise FatalError(f"{path}: expected text not found; seed a fresh `infra example create` repository")
    path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="\n")


def _append(root: Path, relative: str, text: str) -> None:
    if not (root / relative).is_file():
        raise FatalError(f"{root / relative}: not found; seed a fresh `infra example create` repository")
    if text in (root / relative).read_text(encoding="utf-8"):
        raise FatalError(f"{root / relative}: already seeded; seed a fresh `infra example create` repository")
    with (root / relative).open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _create(root: Path, relative: str, text: str) -> None:
    path = root / relative
    if path.exists():
        raise FatalError(f"{path}: already exists; seed a fresh `infra example create` repository")
    path.write_text(text, encoding="utf-8", newline="\n")


ROLLOUT_TEST = '''\
"""Rollout commands the operators' tooling builds."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit

ROLLOUT = ["kubectl", "apply", "-f", "deployments/overlays/production"]


def test_rollout_targets_an_overlay() -> None:
    """The rollout command applies a kustomize overlay directory."""
    assert ROLLOUT[-1].startswith("deployments/overlays/")
'''

SESSION_SCRATCH = '''

@pytest.fixture(scope="session")
def scratch_dir(tmp_path: Path) -> Path:
    """A scratch directory shared by the whole session."""
    return tmp_path
'''

SEEDS: dict[str, Seed] = {
    "validate-cors-security": Seed(
        lambda r: _replace(
            r,
            "deployments/gateway/cors-plugin.yaml",
            "example.com\n  credentials: true\n",
            'example.com\n    - "*"\n  credentials: true\n',
        ),
        "node-id hook: the gateway CORS plugin allows every origin with credentials",
    ),
    "validate-docker-compose-health-checks": Seed(
        lambda r: _replace(
            r,
            "docker/docker-compose.yml",
            '"/qdrant/grpc_health_probe", "-addr=localhost:6334"',
            '"curl", "-f", "http://localhost:6333/healthz"',
        ),
        "class node-id hook: qdrant's health check uses curl, which its image lacks",
    ),
    "validate-meta-test-quality": Seed(
        lambda r: _create(r, "tests/unit/test_rollout_commands.py", ROLLOUT_TEST),
        "3-file hook: a new test builds `kubectl apply` without --dry-run (test_kubectl_safety.py fails)",
    ),
    "validate-kustomize-builds": Seed(
        lambda r: _replace(
            r,
            "deployments/overlays/staging/kustomization.yaml",
            "resources:\n  - ../../base\n  - serviceaccount-staging.yaml\n",
            "bases:\n  - ../../base\nresources:\n  - serviceaccount-staging.yaml\n",
        ),
        "tests/deployment (own pytest.ini) hook: the staging overlay uses deprecated `bases:`; the"
        " DeprecationWarning is an error under tests/deployment/pytest.ini only",
    ),
    "check-mermaid-styling": Seed(
        lambda r: _append(
            r,
            "docs/guides/deployment.mdx",
            "\n## Promotion\n\n```mermaid\nflowchart LR\n    staging --> production\n```\n",
        ),
        "pass_filenames script: a diagram without Set3 classDef styling",
    ),
    "prevent-local-config-commits": Seed(
        lambda r: _create(r, "config/settings.local.json", '{"environment": "development"}\n'),
        "always_run pytest hook without stages: a git-ignored local config file is force-committed",
        force_add=("config/settings.local.json",),
    ),
    "validate-test-ids": Seed(
        lambda r: _replace(r, "tests/unit/test_cart.py", 'ids=["zero", "negative"]', 'ids=["zero", "zero"]'),
        "script without stages (pass_filenames): a repeated parametrize id",
    ),
    "check-helm-placeholders": Seed(
        lambda r: _replace(
            r,
            "deployments/helm/values-staging.yaml",
            "shopfront-staging-4821/shopfront/api",
            "YOUR_GCP_PROJECT_ID/shopfront-staging/api",
        ),
        "bash -c hook: an unresolved project placeholder in a Helm values file",
    ),
    "validate-test-dependencies": Seed(
        lambda r: _replace(r, "pyproject.toml", '    "pytest>=8",\n', ""),
        "`source .venv/bin/activate && pytest` hook: pytest dropped from the test dependency group",
    ),
    "validate-fixture-scopes": Seed(
        lambda r: _append(r, "tests/conftest.py", SESSION_SCRATCH),
        "`source .venv/bin/activate` hook with a class node id: a session fixture uses tmp_path",
    ),
    "trailing-whitespace": Seed(
        lambda r: _replace(
            r, "config/settings.example.yaml", "cache_ttl_seconds: 300\n", "cache_ttl_seconds: 300 \n"
        ),
        "types-based hook without stages: a line with trailing whitespace",
    ),
    "validate-gke-autopilot-compliance": Seed(
        lambda r: _replace(
            r,
            "deployments/kubernetes/base/deployment.yaml",
            "              cpu: 800m\n",
            '              cpu: "2"\n',
        ),
        "pre-push script: the worker's CPU limit is 10x its request",
    ),
}

SEEDABLE: tuple[str, ...] = tuple(SEEDS)
SEED_ALSO_FAILS: dict[str, tuple[str, ...]] = {hook_id: () for hook_id in SEEDS}
# Seeds that also break a plain `pytest` at the root (which does not collect tests/deployment).
ROOT_PYTEST_FAILS = (
    "validate-docker-compose-health-checks",
    "validate-meta-test-quality",
    "prevent-local-config-commits",
    "validate-test-dependencies",
    "validate-fixture-scopes",
)
