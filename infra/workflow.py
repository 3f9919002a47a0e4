"""The GitHub Actions workflow ``infra init`` writes: infra's CI entries in a user's repository.

Two of infra's three entries belong in CI, and a user had to write both by hand:

* on push and pull request, every pre-push session over every file without test selection
  (``nox -t prepush -- --all-files --full``), then the timing gate (``nox -s regress``, whose
  Markdown table lands in the job summary) over a ledger kept in the actions cache per runner OS;
* weekly and on demand, ``nox -s reports``, and a pull request only when a report changed
  (step ``changed`` compares the tree with ``git status --porcelain``; the ``.infra/`` state is
  git-ignored by ``infra init`` so it never counts).

``permissions: {}`` at the top, each job asks for what it uses; ``persist-credentials: false``.
The environment step installs the project (``pip install -e .``, requirements files) and infra;
a project on uv or poetry adapts that one step. The file is written once: an existing one is
the user's and is never overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

PATH = Path(".github/workflows/infra.yml")
PACKAGE = "infra-prepush"
TEMPLATE = """\
# Written by `infra init`: infra's CI entries. Adapt the `setup` steps to your project's tooling.
#   push / pull request: every pre-push session on every file, then the timing gate;
#   weekly and on demand: regenerate the reports, open a pull request only when one changed.
name: infra

on:
  push:
    branches: [{branch}]
  pull_request:
  schedule:
    - cron: "23 5 * * 1"  # Mondays 05:23 UTC
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.event_name }}}}-${{{{ github.ref }}}}
  cancel-in-progress: true

env:
  PIP_DISABLE_PIP_VERSION_CHECK: "1"
  PYTHON_VERSION: "{python}"

jobs:
  prepush:
    if: github.event_name == 'push' || github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
          fetch-depth: 0  # the ledger records the merge base
      - uses: actions/setup-python@v5
        with:
          python-version: ${{{{ env.PYTHON_VERSION }}}}
      - id: setup
        name: the project's environment
        run: |
          python -m venv .venv
          .venv/bin/python -m pip install -q {install}
          echo "$PWD/.venv/bin" >> "$GITHUB_PATH"
      - name: restore the timing ledger
        uses: actions/cache/restore@v4
        with:
          path: .infra/ledger.jsonl
          key: infra-ledger-${{{{ runner.os }}}}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}
          restore-keys: infra-ledger-${{{{ runner.os }}}}-
      - id: prepush
        name: nox -t prepush (every file, no test selection)
        run: nox -t prepush -- --all-files --full
      - id: regress
        name: timing gate
        run: nox -s regress
      - id: compact
        name: keep the ledger bounded
        if: ${{{{ !cancelled() }}}}
        run: infra ledger compact --keep 500
      - name: save the timing ledger
        if: ${{{{ !cancelled() && github.event_name == 'push' }}}}
        uses: actions/cache/save@v4
        with:
          path: .infra/ledger.jsonl
          key: infra-ledger-${{{{ runner.os }}}}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}

  reports:
    if: github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    permissions:
      contents: write
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: actions/setup-python@v5
        with:
          python-version: ${{{{ env.PYTHON_VERSION }}}}
      - id: setup
        name: the project's environment
        run: |
          python -m venv .venv
          .venv/bin/python -m pip install -q {install}
          echo "$PWD/.venv/bin" >> "$GITHUB_PATH"
      - id: reports
        name: nox -s reports
        run: nox -s reports
      - id: changed
        name: did a report change?
        run: |
          git status --porcelain
          if [ -n "$(git status --porcelain)" ]; then echo "changed=true"; else echo "changed=false"; fi >> "$GITHUB_OUTPUT"
      - name: open a pull request
        if: steps.changed.outputs.changed == 'true'
        uses: peter-evans/create-pull-request@v7
        with:
          branch: infra/reports
          delete-branch: true
          commit-message: Regenerate reports
          title: Regenerate reports
          body: Written by the `reports` job of `.github/workflows/infra.yml` (`nox -s reports`).
"""


class Written(NamedTuple):
    path: Path
    created: bool


def install_words(top: Path) -> str:
    """What the environment step installs: the project as it can be installed, and infra."""
    words = []
    pyproject = top / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8", errors="replace") if pyproject.is_file() else ""
    if re.search(r"(?m)^\[project\]", text) or (top / "setup.py").is_file():
        words.append("-e .")
    words += [f"-r {p.name}" for p in sorted(top.glob("requirements*.txt"))]
    if PACKAGE not in text:
        words.append(PACKAGE)
    return " ".join(words)


def render(top: Path, *, branch: str = "main", python: str = "3.12") -> str:
    return TEMPLATE.format(branch=branch, python=python, install=install_words(top))


def write(top: Path, branch: str = "main") -> Written:
    """Write the workflow unless a file is already at its path (it is then the user's)."""
    path = top / PATH
    if path.exists():
        return Written(path, False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(top, branch=branch), encoding="utf-8")
    return Written(path, True)
