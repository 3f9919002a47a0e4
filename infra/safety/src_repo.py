"""The src-layout example as the mutations name it: its paths, and a Mutation of this repository."""

from __future__ import annotations

import json

from infra.safety.model import Edit, Mutation

REPO = "src"
UNITS = "src/stockroom/data/units.json"
CATALOG = "src/stockroom/data/catalog.csv"
REPORT = "src/stockroom/report.py"
MONEY = "src/stockroom/money.py"
TEXT = "src/stockroom/text.py"
TEST_TEXT = "tests/unit/test_text.py"
MORE = "tests/unit/test_more.py"
ACTIVATE = ".venv/bin/activate"
HEADER = "# SPDX-License-Identifier: MIT\n"


def mutation(cls: str, kind: str, describe: str, apply: Edit, unstaged: Edit | None = None) -> Mutation:
    return Mutation(REPO, cls, kind, describe, apply, unstaged)


def wide_json(text: str) -> str:
    """The same JSON, indented 200 wide: same content, several kilobytes on disk."""
    return json.dumps(json.loads(text), indent=200) + "\n"
