# /// script
# dependencies = ["nox>=2026.10.20"]
# ///
"""The project's own sessions. Run them from the project's environment (see README).

`tests`, `lint`, `types` and `cover` check this repository; `reports`, `regress` and
`selection-safety` are the product's sessions; `prepush` sessions are planned by infra itself
from `.pre-commit-config.yaml` (dogfood: our pre-push hook is `nox -t prepush`).
"""

from __future__ import annotations

import sys

import nox

import infra.sessions

nox.options.default_venv_backend = "none"  # use the environment nox runs in (README's set-up)
nox.options.sessions = ["lint", "types", "tests"]
PY = sys.executable  # the environment nox runs in; its bin/ need not be on PATH


@nox.session(tags=["ci"])
def tests(session: nox.Session) -> None:
    """The test suite under coverage (branch), failing under 95% of infra/ covered.

    One xdist worker per CPU: most tests wait on real nox, pre-commit and pytest processes, so
    the suite takes about half the time on two cores. A few tests take a minute (a whole example
    push); work stealing keeps one worker from idling while the other finishes them. `-- -n 0`
    runs the suite in one process.
    """
    session.run(PY, "-m", "coverage", "erase")
    session.run(
        PY, "-m", "coverage", "run", "-m", "pytest", "-n", "logical", "--dist", "worksteal", *session.posargs
    )
    session.run(PY, "-m", "coverage", "combine", "-q", success_codes=[0, 1])
    session.run(PY, "-m", "coverage", "report", "--skip-covered", "--show-missing")


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.run(PY, "-m", "ruff", "check", ".")
    session.run(PY, "-m", "ruff", "format", "--check", ".")


@nox.session(tags=["ci"])
def types(session: nox.Session) -> None:
    """mypy --strict over infra and tests."""
    session.run(PY, "-m", "mypy")


@nox.session(tags=["ci"])
def reports(session: nox.Session) -> None:
    """Regenerate reports/ (AsyncMock scan, test suite, pre-push plan); `-- --check` fails when stale."""
    session.run(PY, "-m", "infra", "reports", "--exclude", "tests/asyncmock_corpus", *session.posargs)


@nox.session(name="selection-safety")
def selection_safety(session: nox.Session) -> None:
    """Fidelity harness: nox -t prepush against pre-commit, hook by hook, on 131 mutations (not in CI)."""
    session.run(PY, "-m", "infra.safety", *session.posargs)


@nox.session
def regress(session: nox.Session) -> None:
    """Fail when a prepush session got slower on this machine (see `infra regress --help`)."""
    session.run(PY, "-m", "infra", "regress", *session.posargs)


infra.sessions.register()  # last, so planned names that clash with ours get a prepush- prefix
