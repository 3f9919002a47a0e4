"""Source-package and test-suite hooks: wiring, schemas, meta tests, the .venv-sourcing pytest hooks."""

from __future__ import annotations

from infra.example.hooks.model import (
    MANUAL,
    PRE_PUSH,
    PYTEST,
    SCRIPT,
    TEST_FILES,
    TESTS_PY,
    VENV_PYTEST,
    ExampleHook,
)

SOURCE = (
    ExampleHook(
        "validate-dependency-injection",
        "Dependency injection wiring",
        "python3 .githooks/validate-dependency-injection",
        SCRIPT,
        files=r"^(src/shopfront/(core/dependencies|core/cache|auth/service_principal)\.py|"
        r"tests/unit/test_(dependencies_wiring|cache_redis_config)\.py)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-api-schemas",
        "API responses match schemas",
        "python scripts/validate_api_schemas.py",
        SCRIPT,
        files=r"^src/shopfront/(api|auth)/.*\.py$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "check-type-annotations",
        "Type annotations (mypy stand-in)",
        "python scripts/check_annotations.py src/shopfront",
        SCRIPT,
        files=r"^src/shopfront/",
        stages=PRE_PUSH,
    ),
)

TEST_SUITE = (
    ExampleHook(
        "check-test-sleep-duration",
        "Test sleep durations",
        "python scripts/check_test_sleep_duration.py",
        SCRIPT,
        files=TESTS_PY,
        exclude=r"^tests/meta/test_sleep_duration_linter\.py$",
        pass_filenames=True,
    ),
    ExampleHook(
        "prevent-local-config-commits",
        "No local config files committed",
        "pytest tests/test_gitignore_validation.py -v",
        PYTEST,
        always_run=True,
    ),
    ExampleHook(
        "validate-test-fixtures",
        "Test fixtures",
        "python scripts/validate_test_fixtures.py",
        SCRIPT,
        files=TEST_FILES,
        stages=PRE_PUSH,
        pass_filenames=True,
    ),
    ExampleHook(
        "validate-fixture-organization",
        "Fixture organization",
        "python -m pytest tests/test_fixture_organization.py -v --tb=short",
        PYTEST,
        files=TESTS_PY,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "regression-prevention-tests",
        "CI regression prevention",
        "pytest tests/test_regression_prevention.py -v --tb=short",
        PYTEST,
        files=r"^(tests/.*\.py|\.github/workflows/.*\.ya?ml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "detect-dead-test-code",
        "Dead test code",
        "python scripts/detect_dead_test_code.py tests/",
        SCRIPT,
        files=TEST_FILES,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-test-time-bombs",
        "Test time bombs",
        "python scripts/validate_test_time_bombs.py",
        SCRIPT,
        files=TEST_FILES,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "check-e2e-completion",
        "E2E completion",
        "python scripts/check_e2e_completion.py --min-percent 25",
        SCRIPT,
        files=r"^tests/e2e/test_full_user_journey\.py$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "check-test-sleep-budget",
        "Test sleep budget",
        "python scripts/check_test_sleep_budget.py --max-seconds 60 --warn-seconds 45",
        SCRIPT,
        files=TEST_FILES,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-meta-test-quality",
        "Meta tests of test quality",
        "pytest tests/meta/test_property_test_quality.py tests/meta/test_context_manager_quality.py "
        "tests/meta/test_kubectl_safety.py -v --tb=short",
        PYTEST,
        files=TEST_FILES,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "check-test-memory-safety",
        "Test memory safety",
        "python scripts/check_test_memory_safety.py",
        SCRIPT,
        files=TEST_FILES,
        pass_filenames=True,
    ),
    ExampleHook(
        "check-async-mock-usage",
        "AsyncMock usage",
        "python scripts/check_async_mock_usage.py",
        SCRIPT,
        files=TEST_FILES,
        pass_filenames=True,
    ),
    ExampleHook(
        "check-async-mock-configuration",
        "AsyncMock configuration audit",
        "python scripts/check_async_mock_configuration.py",
        SCRIPT,
        files=TEST_FILES,
        stages=MANUAL,
        pass_filenames=True,
    ),
    ExampleHook(
        "validate-test-ids",
        "Parametrize ids",
        "python scripts/validate_test_ids.py",
        SCRIPT,
        files=TESTS_PY,
        pass_filenames=True,
    ),
    ExampleHook(
        "validate-test-isolation",
        "Test isolation",
        "python scripts/validation/validate_test_isolation.py tests/",
        SCRIPT,
        files=TEST_FILES,
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-test-dependencies",
        "Test imports are declared",
        VENV_PYTEST.format(
            "tests/regression/test_dev_dependencies.py::test_test_imports_have_dev_dependencies"
        ),
        PYTEST,
        files=r"^(tests/.*\.py|pyproject\.toml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-fixture-scopes",
        "Fixture scopes are compatible",
        VENV_PYTEST.format(
            "tests/meta/test_fixture_validation.py::TestFixtureDecorators::"
            "test_fixture_scope_dependencies_are_compatible"
        ),
        PYTEST,
        files=r"^tests/conftest\.py$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-minimum-coverage",
        "Every module is tested",
        "python -m pytest tests/meta/test_coverage_enforcement.py -v --tb=short",
        PYTEST,
        files=r"^(src/.*\.py|tests/.*\.py|pyproject\.toml)$",
        stages=PRE_PUSH,
    ),
    ExampleHook(
        "validate-test-suite-performance",
        "Suite size budgets",
        "pytest tests/meta/test_performance_budget.py -v --tb=short",
        PYTEST,
        files=TESTS_PY,
        stages=MANUAL,
    ),
    ExampleHook(
        "detect-slow-unit-tests",
        "Unit tests never sleep",
        "pytest tests/meta/test_slow_test_detection.py -v --tb=short",
        PYTEST,
        files=TESTS_PY,
        stages=MANUAL,
    ),
)
