"""Mutations of the src-layout example (``infra example create --shape src``), written by hand.

Each targets one trap of issue 13 in ``stockroom`` (see ``infra/example/srcrepo``): the
comment says which hook pre-commit fails (or passes) and why an unsound consolidated run
would answer differently. Here: files left modified (class 1), the ways a changed file
reaches a test (class 2), added Python files; ``src_wrappers`` holds classes 3-5 and
``src_ordinary`` the ordinary edits that give the selection figures their denominator.
"""

from __future__ import annotations

import json

from infra.safety import src_ordinary, src_wrappers
from infra.safety.model import Mutation, append, both, chmod_x, replace, transform, write
from infra.safety.src_repo import (
    CATALOG,
    HEADER,
    MONEY,
    MORE,
    REPORT,
    TEST_TEXT,
    TEXT,
    UNITS,
    mutation,
    wide_json,
)


def _class1() -> list[Mutation]:
    return [
        # docs-snapshots rewrites the tracked docs/cli.md: pre-commit fails it (files modified).
        mutation(
            "1",
            "src",
            "cli.py: a command added (the snapshot test rewrites docs/cli.md)",
            replace(
                "src/stockroom/cli.py", '    "report":', '    "sync": "Sync the catalogue",\n    "report":'
            ),
        ),
        mutation(
            "1",
            "src",
            "cli.py: a help text changed (docs/cli.md rewritten)",
            replace("src/stockroom/cli.py", "Print the stock report", "Print the stock report as text"),
        ),
        # fix-license-headers (pass_filenames: false) adds the header back and exits 0.
        mutation(
            "1", "src", "text.py: licence header dropped (the fixer rewrites it)", replace(TEXT, HEADER, "")
        ),
        mutation(
            "1",
            "src",
            "data/__init__.py: licence header dropped (the fixer rewrites it)",
            replace("src/stockroom/data/__init__.py", HEADER, ""),
        ),
        mutation(
            "1",
            "test",
            "test_cli.py: a test rewrites the tracked docs/cli.md",
            append(
                "tests/unit/test_cli.py",
                "\n\ndef test_reference_written() -> None:\n"
                "    from pathlib import Path\n\n"
                "    Path(__file__).resolve().parents[2].joinpath('docs', 'cli.md').write_text(cli.reference() + '\\n')\n",
            ),
        ),
        # Control: an untracked file written by a test is not a modification (pre-commit passes).
        mutation(
            "1",
            "test",
            "test_docs.py: a test writes an untracked file (control: passes)",
            append(
                "tests/snapshots/test_docs.py",
                "\n\ndef test_units_preview_written() -> None:\n"
                "    (ROOT / 'docs' / 'preview.txt').write_text('preview\\n', encoding='utf-8')\n",
            ),
        ),
    ]


def _class2() -> list[Mutation]:
    return [
        # file-metadata: tests that only stat/access the file.
        mutation(
            "2-metadata",
            "launcher",
            "bin/stockroom-report: executable bit cleared",
            chmod_x("bin/stockroom-report", executable=False),
        ),
        mutation(
            "2-metadata",
            "launcher",
            "bin/stockroom-sync: executable bit cleared",
            chmod_x("bin/stockroom-sync", executable=False),
        ),
        # Same content, > 2 KB: fails only under STOCKROOM_MODE=ci (the hook's env assignment).
        mutation(
            "2-metadata", "data", "units.json: re-indented to 5 KB (getsize)", transform(UNITS, wide_json)
        ),
        mutation(
            "2-metadata",
            "data",
            "banner.txt: emptied (os.stat size)",
            transform("src/stockroom/data/banner.txt", lambda _: ""),
        ),
        mutation(
            "2-metadata",
            "data",
            "schema.json: re-indented to 28 KB (os.scandir entry stat)",
            transform(
                "src/stockroom/data/schema.json",
                lambda text: json.dumps(json.loads(text), indent=4000) + "\n",
            ),
        ),
        # Behind functools.lru_cache: the first test reads units.json, later ones use the cache.
        mutation(
            "2-cache", "data", "units.json: kg factor 1000 -> 100", replace(UNITS, '"kg": 1000', '"kg": 100')
        ),
        mutation(
            "2-cache", "data", "units.json: cm factor 10 -> 100", replace(UNITS, '"cm": 10,', '"cm": 100,')
        ),
        mutation("2-cache", "data", "units.json: ml dropped", replace(UNITS, '"ml": 1, ', "")),
        # In a module global: the first test to call catalog.load() reads the file.
        mutation(
            "2-cache", "data", "catalog.csv: widget price 250 -> 260", replace(CATALOG, ",250,", ",260,")
        ),
        mutation(
            "2-cache",
            "data",
            "catalog.csv: sprocket sold by metre",
            replace(CATALOG, "Sprocket,75,kg", "Sprocket,75,m"),
        ),
        # importlib.resources and pkgutil.get_data.
        mutation(
            "2-resources",
            "data",
            "banner.txt: wording changed (importlib.resources)",
            replace("src/stockroom/data/banner.txt", "Welcome to", "Welcome to the"),
        ),
        mutation(
            "2-resources",
            "data",
            "regions.txt: eu-west dropped (resources open)",
            replace("src/stockroom/data/regions.txt", "eu-west\n", ""),
        ),
        mutation(
            "2-resources",
            "data",
            "schema.json: price required (pkgutil.get_data)",
            replace("src/stockroom/data/schema.json", '"quantity"]', '"quantity", "price"]'),
        ),
        mutation(
            "2-resources",
            "data",
            "schema.json: max_quantity 10000 -> 5000 (pkgutil.get_data)",
            replace("src/stockroom/data/schema.json", "10000", "5000"),
        ),
        # tests/unit/test_locale_setup.py sets EUR and strict parsing at import.
        mutation(
            "2-import",
            "src",
            "money.format_cents: same output, new code (passes only with the locale module)",
            replace(
                MONEY,
                'return f"{cents // 100}.{cents % 100:02d} {currency()}"',
                'return f"{cents / 100:.2f} {currency()}"',
            ),
        ),
        mutation(
            "2-import",
            "src",
            "money.parse_amount: strict mode wants three decimals (fails only when strict)",
            replace(MONEY, "len(fraction) != 2", "len(fraction) != 3"),
        ),
        mutation(
            "2-import",
            "test",
            "test_money.py: a one-decimal test (fails only under the suite's strict mode)",
            append(
                "tests/unit/test_money.py",
                '\n\ndef test_parse_one_decimal() -> None:\n    assert money.parse_amount("3.5") == 350\n',
            ),
        ),
        mutation(
            "2-import",
            "src",
            "money.currency: default USD -> GBP (unit tests see EUR from the locale module)",
            replace(MONEY, '"STOCKROOM_CURRENCY", "USD"', '"STOCKROOM_CURRENCY", "GBP"'),
        ),
        # report.py is exercised only by tests/integration (its own pytest.ini, rootdir there).
        mutation(
            "2-subdir",
            "src",
            "report.line: quantity column narrowed",
            replace(REPORT, "{quantity:>4}", "{quantity:>3}"),
        ),
        mutation(
            "2-subdir",
            "src",
            "report.totals: units counts lines",
            replace(REPORT, '"units": sum(stock.lines.values())', '"units": len(stock.lines)'),
        ),
        mutation(
            "2-subdir",
            "src",
            "report.csv_export: header renamed",
            replace(REPORT, '"sku,quantity,value_cents"', '"sku,qty,value_cents"'),
        ),
        mutation(
            "2-subdir", "src", "report.render: total capitalised", replace(REPORT, 'f"total ', 'f"Total ')
        ),
        mutation(
            "2-subdir",
            "src",
            "inventory.Stock.skus: insertion order (only the report shows it)",
            replace("src/stockroom/inventory.py", "return sorted(self.lines)", "return list(self.lines)"),
        ),
        # The conftest's collection-finish scan reads every test module's text: a test module
        # changed where no test runs must still reach the scan (pre-commit fails the hooks).
        mutation(
            "2-late",
            "test",
            "test_text.py: a breakpoint() in a comment",
            append(TEST_TEXT, "# breakpoint()\n"),
        ),
        mutation(
            "2-late",
            "test",
            "test_money.py: a breakpoint() in a helper no test calls",
            append("tests/unit/test_money.py", "\n\ndef _debug() -> None:\n    breakpoint()\n"),
        ),
        mutation(
            "2-late",
            "test",
            "test_export.py (integration): a breakpoint() in a comment",
            append("tests/integration/test_export.py", "# breakpoint()\n"),
        ),
        # Controls: the scan reads the changed module and finds nothing (pre-commit passes).
        mutation(
            "2-late",
            "test",
            "test_text.py: a comment (control: passes)",
            append(TEST_TEXT, "# checked by hand\n"),
        ),
        mutation(
            "2-late",
            "test",
            "test_money.py: an unused helper (control: passes)",
            append("tests/unit/test_money.py", "\n\ndef _debug() -> None:\n    print('debug')\n"),
        ),
    ]


def _names() -> list[Mutation]:
    """Added Python files: selection stays on unless an existing import could find the new file."""
    more = "from stockroom import text\n\n\ndef test_slugify_double_space() -> None:\n"
    return [
        mutation(
            "names",
            "test",
            "a new test module, failing",
            write(MORE, more + "    assert text.slugify('a  b') == 'a--b'\n"),
        ),
        mutation(
            "names",
            "test",
            "a new test module (control: passes)",
            write(MORE, more + "    assert text.slugify('a  b') == 'a-b'\n"),
        ),
        mutation(
            "names",
            "src",
            "a new module nothing imports, without the licence header",
            write("src/stockroom/extra.py", "EXTRA = 1\n"),
        ),
        mutation(
            "names",
            "test",
            "tests/unit/stockroom.py added: the package's name, found first by the unit tests",
            write("tests/unit/stockroom.py", "VERSION = 0\n"),
        ),
        mutation(
            "names",
            "test",
            "a new helper module and a failing test that uses it",
            both(
                write(
                    "tests/unit/slug_cases.py", "def expected(name: str) -> str:\n    return name.lower()\n"
                ),
                append(
                    TEST_TEXT,
                    "\n\ndef test_slug_cases() -> None:\n    from slug_cases import expected\n\n"
                    "    assert text.slugify('Ab') == expected('Ab ')\n",
                ),
            ),
        ),
    ]


def catalogue() -> list[Mutation]:
    """Every mutation of the src-layout example, classes first."""
    return [
        *_class1(),
        *_class2(),
        *_names(),
        *src_wrappers.wrappers(),
        *src_wrappers.unstaged(),
        *src_wrappers.cd_hooks(),
        *src_ordinary.ordinary(),
    ]
