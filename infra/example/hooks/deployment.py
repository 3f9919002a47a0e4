"""Deployment and container hooks: the tests/deployment node ids, manifests, Helm, kubectl, compose."""

from __future__ import annotations

from infra.example.hooks.model import (
    DEPLOYMENT_YAML,
    HELM_TESTS,
    PRE_PUSH,
    PYTEST,
    SCRIPT,
    SHELL,
    ExampleHook,
)

DEPLOYMENT = (
    ExampleHook(
        "validate-deployment-secrets",
        "Helm secret keys are wired",
        HELM_TESTS.format("test_deployment_secret_keys_exist_in_template"),
        PYTEST,
        files=r"^deployments/helm/.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-cors-security",
        "CORS is not a wildcard with credentials",
        HELM_TESTS.format("test_cors_not_wildcard_with_credentials"),
        PYTEST,
        files=r"^deployments/(gateway|base)/.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "check-hardcoded-credentials",
        "No credentials in config maps",
        HELM_TESTS.format("test_no_hardcoded_credentials_in_configmap"),
        PYTEST,
        files=r"^deployments/base/configmap\.yaml$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-redis-password-required",
        "Redis password is required",
        HELM_TESTS.format("test_redis_password_not_optional"),
        PYTEST,
        files=r"^deployments/base/redis-deployment\.yaml$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "scan-privileged-containers",
        "No privileged containers (trivy stand-in)",
        'bash -c \'if grep -rnE "privileged: *true|allowPrivilegeEscalation: *true" deployments; '
        'then echo "privileged containers found"; exit 1; fi\'',
        SHELL,
        files=DEPLOYMENT_YAML,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-gke-autopilot-compliance",
        "GKE Autopilot resource limits",
        "python scripts/validate_gke_autopilot_compliance.py",
        SCRIPT,
        files=r"^deployments/.*\.ya?ml$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-kustomize-builds",
        "Kustomize overlays build",
        "pytest tests/deployment/test_kustomize_builds.py -v --tb=short",
        PYTEST,
        files=DEPLOYMENT_YAML,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-network-policies",
        "Network policies",
        "pytest tests/deployment/test_network_policies.py",
        PYTEST,
        files=r"^deployments/.*network-policy\.(yaml|yml)$",
        args=("-v", "--tb=short"),
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-service-accounts",
        "Service accounts",
        "python -m pytest tests/deployment/test_service_accounts.py -v --tb=short",
        PYTEST,
        files=r"^deployments/.*serviceaccount.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-serviceaccount-naming",
        "Service account names",
        "python scripts/validate_serviceaccount_names.py",
        SCRIPT,
        files=r"^deployments/(base/serviceaccounts\.yaml|overlays/.*/serviceaccount.*\.yaml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "check-helm-placeholders",
        "No unresolved project placeholders in Helm values",
        'bash -c \'if grep -n "YOUR_.*_PROJECT_ID\\|@PROJECT_ID\\." deployments/helm/values-*.yaml; then '
        'echo "ERROR: unresolved PROJECT_ID placeholders in Helm values files"; exit 1; '
        'else echo "No dangerous placeholders found"; fi\'',
        SHELL,
        files=r"^deployments/helm/values-.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "helm-lint",
        "helm lint (skips itself without helm)",
        'bash -c \'if ! command -v helm >/dev/null 2>&1; then echo "helm not installed, skipping"; exit 0; fi; '
        "helm lint deployments/helm/shopfront'",
        SHELL,
        files=r"^deployments/helm/.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-cloud-overlays",
        "Cloud overlays build with kubectl",
        'bash -c \'if ! command -v kubectl >/dev/null 2>&1; then echo "kubectl not installed, skipping"; exit 0; fi; '
        "for cloud in aws gcp azure; do kubectl kustomize deployments/kubernetes/overlays/$cloud >/dev/null || exit 1; "
        "done'",
        SHELL,
        files=r"^deployments/kubernetes/overlays/(aws|gcp|azure)/.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-no-placeholders",
        "Production overlay has no placeholders",
        'bash -c \'kubectl kustomize deployments/overlays/production | grep -E "PLACEHOLDER_|PRODUCTION_DOMAIN" '
        "&& exit 1 || exit 0'",
        SHELL,
        files=r"^deployments/overlays/production/.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
)

CONTAINERS = (
    ExampleHook(
        "validate-docker-compose-health-checks",
        "Compose health checks work",
        "pytest tests/test_compose.py::TestCompose::test_qdrant_uses_grpc_health_probe -v --tb=short",
        PYTEST,
        files=r"^.*docker-compose.*\.(yaml|yml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-compose-test-config",
        "Test compose stack",
        "python scripts/validate_compose_services.py docker/docker-compose.test.yml",
        SCRIPT,
        files=r"^docker/docker-compose\.test\.yml$",
    ),
    ExampleHook(
        "validate-docker-image-contents",
        "Dockerfile",
        "python scripts/validate_dockerfile.py docker/Dockerfile",
        SCRIPT,
        files=r"^docker/Dockerfile$",
    ),
)
