"""``infra.classify``: pytest launchers, targets and options; scripts; tools; remote hooks."""

from __future__ import annotations

import pytest

from infra.classify import Kind, classify
from infra.config import Hook


def _hook(
    entry: str | None,
    *,
    args: tuple[str, ...] = (),
    language: str | None = "unsupported",
    repo: str = "local",
) -> Hook:
    return Hook(
        key="h",
        id="h",
        name="h",
        alias="",
        repo=repo,
        rev=None,
        entry=entry,
        language=language,
        files="",
        exclude="^$",
        types=("file",),
        types_or=(),
        exclude_types=(),
        args=args,
        additional_dependencies=(),
        always_run=False,
        pass_filenames=False,
        require_serial=False,
        fail_fast=False,
        verbose=False,
        stages=("pre-push",),
        line=1,
    )


@pytest.mark.parametrize(
    ("entry", "launcher", "setup", "targets", "options"),
    [
        ("pytest tests/a.py -v --tb=short", (), "", ("tests/a.py",), ()),
        ("python -m pytest tests/a.py::test_x", (), "", ("tests/a.py::test_x",), ()),
        ("python3 -m pytest -m 'not slow' tests", (), "", ("tests",), ("-m", "not slow")),
        ("uv run pytest tests/a.py::C::test -v", ("uv", "run"), "", ("tests/a.py::C::test",), ()),
        ("uv run --frozen pytest tests/a.py", ("uv", "run", "--frozen"), "", ("tests/a.py",), ()),
        ("uv run --with hypothesis pytest t.py", ("uv", "run", "--with", "hypothesis"), "", ("t.py",), ()),
        ("poetry run pytest tests -p no:randomly", ("poetry", "run"), "", ("tests",), ("-p", "no:randomly")),
        ("pipenv run pytest tests", ("pipenv", "run"), "", ("tests",), ()),
        ("hatch run test:pytest tests/x.py", ("hatch", "run", "env=test"), "", ("tests/x.py",), ()),
        (".venv/bin/pytest a.py b.py c.py", (), "", ("a.py", "b.py", "c.py"), ()),
        (
            "bash -c 'source .venv/bin/activate && pytest t.py::test -v --tb=short'",
            (),
            "source .venv/bin/activate",
            ("t.py::test",),
            (),
        ),
        (
            "bash -c 'cd . ; python -m pytest -c tests/x/pytest.ini t.py'",
            (),
            "cd .",
            ("t.py",),
            ("-c", "tests/x/pytest.ini"),
        ),
    ],
)
def test_pytest_forms(
    entry: str, launcher: tuple[str, ...], setup: str, targets: tuple[str, ...], options: tuple[str, ...]
) -> None:
    """Every recognised launcher yields the targets and the options that shape the run."""
    c = classify(_hook(entry))
    assert c.kind is Kind.PYTEST and c.pytest is not None
    assert (c.pytest.launcher, c.pytest.setup, c.pytest.targets, c.pytest.options) == (
        launcher,
        setup,
        targets,
        options,
    )


def test_args_are_appended_and_display_options_dropped() -> None:
    """Hook args join the entry; -v/--tb/-x are dropped from a merged run but remembered."""
    c = classify(_hook("pytest", args=("tests/a.py", "-x", "-v", "--tb", "short", "-k", "fast")))
    assert c.pytest is not None
    assert c.pytest.targets == ("tests/a.py",)
    assert c.pytest.options == ("-k", "fast")
    assert c.pytest.dropped == ("-x", "-v", "--tb", "short")


@pytest.mark.parametrize(
    "entry",
    [
        "bash -c 'pytest a.py || true'",
        "bash -c 'pytest a.py | tee log'",
        "bash -c 'pytest a.py && pytest b.py'",
        "bash -c 'pytest a.py && echo done'",
    ],
)
def test_entries_that_do_more_than_pytest_run_as_written(entry: str) -> None:
    """Pipes, `||`, two pytest calls or work after pytest: never merged."""
    assert classify(_hook(entry)).kind is Kind.TOOL


@pytest.mark.parametrize(
    ("entry", "script"),
    [
        ("uv run python scripts/check.py --strict", "scripts/check.py"),
        ("python scripts/x.py", "scripts/x.py"),
        ("python3 .githooks/validate", ".githooks/validate"),
        ("scripts/run_checks.py", "scripts/run_checks.py"),
    ],
)
def test_python_scripts(entry: str, script: str) -> None:
    """Script hooks are recognised by their interpreter or path."""
    c = classify(_hook(entry, language="python"))
    assert (c.kind, c.script) == (Kind.SCRIPT, script)


@pytest.mark.parametrize(
    ("entry", "tool"),
    [
        ("helm lint deployments/helm/app", "helm"),
        ("bash -c 'kubectl kustomize x | grep P && exit 1 || exit 0'", "kubectl"),
        ("bash -c 'if ! command -v trivy &> /dev/null; then exit 0; fi; trivy config .'", "trivy"),
        ("bash -c 'set -e; actionlint -no-color'", "actionlint"),
        ('bash -c "unbalanced \'"', "bash"),
    ],
)
def test_tools(entry: str, tool: str) -> None:
    """Shell and external tools are named by the program they run."""
    c = classify(_hook(entry))
    assert (c.kind, c.tool) == (Kind.TOOL, tool)


def test_remote_and_meta_hooks() -> None:
    """Hooks with no entry in the config come from a remote manifest; meta hooks are pre-commit's."""
    assert classify(_hook(None, repo="https://example.invalid/x", language=None)).kind is Kind.REMOTE
    assert classify(_hook("x", repo="meta")).kind is Kind.META


def test_unparsable_and_empty_entries_still_run() -> None:
    """An entry shlex cannot split is kept as a tool hook run as written."""
    assert classify(_hook("echo 'unterminated")).kind is Kind.TOOL
    assert classify(_hook("")).kind is Kind.TOOL
