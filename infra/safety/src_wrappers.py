"""Mutations of the src-layout example about how hooks are invoked (issue 13 classes 3-5).

A wrapper step (``source``, an env assignment) that decides the verdict, a broken commit whose
fix is left unstaged, and ``cd DIR && pytest FILE`` hooks that pre-commit passes.
"""

from __future__ import annotations

from infra.safety.model import Mutation, append, both, delete, replace
from infra.safety.src_repo import ACTIVATE, CATALOG, REPORT, TEXT, UNITS, mutation


def wrappers() -> list[Mutation]:
    touch_units = append("src/stockroom/units.py", "\n# units: conversions by dimension\n")
    return [
        # data-tests runs `source .venv/bin/activate && pytest ...`: the source step fails.
        mutation(
            "3",
            "venv",
            "activate returns 1 (data-tests' source step fails) + units.py comment",
            both(append(ACTIVATE, "return 1\n"), touch_units),
        ),
        mutation(
            "3",
            "venv",
            "activate deleted + a passing catalog test",
            both(
                delete(ACTIVATE),
                append(
                    "tests/unit/test_catalog.py",
                    '\n\ndef test_gadget_by_length() -> None:\n    assert catalog.load()["G-200"].unit == "m"\n',
                ),
            ),
        ),
        mutation(
            "3",
            "venv",
            "activate has a syntax error + catalog.py comment",
            both(
                append(ACTIVATE, "if then fi\n"),
                append("src/stockroom/catalog.py", "\n# catalogue rows by SKU\n"),
            ),
        ),
        # file-metadata runs `STOCKROOM_MODE=ci pytest ...`: the limit exists only with the assignment.
        mutation(
            "3",
            "data",
            "catalog.csv: a long product name row (over the CI size limit only)",
            append(CATALOG, "L-600," + "Long pallet " * 190 + ",1,kg\n"),
        ),
    ]


def unstaged() -> list[Mutation]:
    cases = [
        (TEXT, 'strip("-")', 'strip("_")', "text.slugify broken"),
        (UNITS, '"kg": 1000', '"kg": 1', "units.json kg factor broken"),
        (REPORT, "{quantity:>4}", "{quantity:>5}", "report.line broken"),
    ]
    return [
        mutation(
            "4",
            "src",
            f"{what} in the commit, fixed in the working tree (unstaged)",
            replace(rel, old, new),
            replace(rel, new, old),
        )
        for rel, old, new, what in cases
    ]


def cd_hooks() -> list[Mutation]:
    # integration-pipeline is `bash -c 'cd tests/integration && pytest test_pipeline.py -q'`.
    return [
        mutation(
            "5",
            "comment",
            "report.py: comment added (pipeline hook passes)",
            append(REPORT, "\n# report: text and CSV\n"),
        ),
        mutation(
            "5",
            "test",
            "test_pipeline.py: a passing test added",
            append(
                "tests/integration/test_pipeline.py",
                "\n\ndef test_report_has_four_lines(stock: Stock) -> None:\n    assert len(report.render(stock).splitlines()) == 4\n",
            ),
        ),
        mutation(
            "5",
            "src",
            "inventory.Stock.skus: same result, new code",
            replace(
                "src/stockroom/inventory.py", "return sorted(self.lines)", "return sorted(self.lines.keys())"
            ),
        ),
        mutation(
            "5",
            "src",
            "catalog.search: same result, new code",
            replace(
                "src/stockroom/catalog.py",
                "term.lower() in item.name.lower()",
                "term.casefold() in item.name.casefold()",
            ),
        ),
        mutation(
            "5",
            "src",
            "report.totals: same result, new code",
            replace(REPORT, '"lines": len(stock.lines)', '"lines": len(stock.skus())'),
        ),
    ]
