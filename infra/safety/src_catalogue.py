"""Mutations of the src-layout example (``infra example create --shape src``), written by hand.

Each targets one trap of issue 13 in ``stockroom`` (see ``infra/example/srcrepo``): the
comment says which hook pre-commit fails (or passes) and why an unsound consolidated run
would answer differently. Ordinary mutations (function bodies, flipped asserts, deletions,
renames, comment-only controls) give the selection figures their denominator.
"""

from __future__ import annotations

import json

from infra.safety.model import (
    Edit,
    Mutation,
    append,
    both,
    chmod_x,
    delete,
    rename,
    replace,
    transform,
    write,
)

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


def _m(cls: str, kind: str, describe: str, apply: Edit, unstaged: Edit | None = None) -> Mutation:
    return Mutation(REPO, cls, kind, describe, apply, unstaged)


def _wide_json(text: str) -> str:
    """The same JSON, indented 200 wide: same content, several kilobytes on disk."""
    return json.dumps(json.loads(text), indent=200) + "\n"


def _class1() -> list[Mutation]:
    return [
        # docs-snapshots rewrites the tracked docs/cli.md: pre-commit fails it (files modified).
        _m(
            "1",
            "src",
            "cli.py: a command added (the snapshot test rewrites docs/cli.md)",
            replace(
                "src/stockroom/cli.py", '    "report":', '    "sync": "Sync the catalogue",\n    "report":'
            ),
        ),
        _m(
            "1",
            "src",
            "cli.py: a help text changed (docs/cli.md rewritten)",
            replace("src/stockroom/cli.py", "Print the stock report", "Print the stock report as text"),
        ),
        # fix-license-headers (pass_filenames: false) adds the header back and exits 0.
        _m("1", "src", "text.py: licence header dropped (the fixer rewrites it)", replace(TEXT, HEADER, "")),
        _m(
            "1",
            "src",
            "data/__init__.py: licence header dropped (the fixer rewrites it)",
            replace("src/stockroom/data/__init__.py", HEADER, ""),
        ),
        _m(
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
        _m(
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
        _m(
            "2-metadata",
            "launcher",
            "bin/stockroom-report: executable bit cleared",
            chmod_x("bin/stockroom-report", executable=False),
        ),
        _m(
            "2-metadata",
            "launcher",
            "bin/stockroom-sync: executable bit cleared",
            chmod_x("bin/stockroom-sync", executable=False),
        ),
        # Same content, > 2 KB: fails only under STOCKROOM_MODE=ci (the hook's env assignment).
        _m("2-metadata", "data", "units.json: re-indented to 5 KB (getsize)", transform(UNITS, _wide_json)),
        _m(
            "2-metadata",
            "data",
            "banner.txt: emptied (os.stat size)",
            transform("src/stockroom/data/banner.txt", lambda _: ""),
        ),
        # Behind functools.lru_cache: the first test reads units.json, later ones use the cache.
        _m("2-cache", "data", "units.json: kg factor 1000 -> 100", replace(UNITS, '"kg": 1000', '"kg": 100')),
        _m("2-cache", "data", "units.json: cm factor 10 -> 100", replace(UNITS, '"cm": 10,', '"cm": 100,')),
        _m("2-cache", "data", "units.json: ml dropped", replace(UNITS, '"ml": 1, ', "")),
        # In a module global: the first test to call catalog.load() reads the file.
        _m("2-cache", "data", "catalog.csv: widget price 250 -> 260", replace(CATALOG, ",250,", ",260,")),
        _m(
            "2-cache",
            "data",
            "catalog.csv: sprocket sold by metre",
            replace(CATALOG, "Sprocket,75,kg", "Sprocket,75,m"),
        ),
        # importlib.resources and pkgutil.get_data.
        _m(
            "2-resources",
            "data",
            "banner.txt: wording changed (importlib.resources)",
            replace("src/stockroom/data/banner.txt", "Welcome to", "Welcome to the"),
        ),
        _m(
            "2-resources",
            "data",
            "regions.txt: eu-west dropped (resources open)",
            replace("src/stockroom/data/regions.txt", "eu-west\n", ""),
        ),
        _m(
            "2-resources",
            "data",
            "schema.json: price required (pkgutil.get_data)",
            replace("src/stockroom/data/schema.json", '"quantity"]', '"quantity", "price"]'),
        ),
        _m(
            "2-resources",
            "data",
            "schema.json: max_quantity 10000 -> 5000 (pkgutil.get_data)",
            replace("src/stockroom/data/schema.json", "10000", "5000"),
        ),
        # tests/unit/test_locale_setup.py sets EUR and strict parsing at import.
        _m(
            "2-import",
            "src",
            "money.format_cents: same output, new code (passes only with the locale module)",
            replace(
                MONEY,
                'return f"{cents // 100}.{cents % 100:02d} {currency()}"',
                'return f"{cents / 100:.2f} {currency()}"',
            ),
        ),
        _m(
            "2-import",
            "src",
            "money.parse_amount: strict mode wants three decimals (fails only when strict)",
            replace(MONEY, "len(fraction) != 2", "len(fraction) != 3"),
        ),
        _m(
            "2-import",
            "test",
            "test_money.py: a one-decimal test (fails only under the suite's strict mode)",
            append(
                "tests/unit/test_money.py",
                '\n\ndef test_parse_one_decimal() -> None:\n    assert money.parse_amount("3.5") == 350\n',
            ),
        ),
        _m(
            "2-import",
            "src",
            "money.currency: default USD -> GBP (unit tests see EUR from the locale module)",
            replace(MONEY, '"STOCKROOM_CURRENCY", "USD"', '"STOCKROOM_CURRENCY", "GBP"'),
        ),
        # report.py is exercised only by tests/integration (its own pytest.ini, rootdir there).
        _m(
            "2-subdir",
            "src",
            "report.line: quantity column narrowed",
            replace(REPORT, "{quantity:>4}", "{quantity:>3}"),
        ),
        _m(
            "2-subdir",
            "src",
            "report.totals: units counts lines",
            replace(REPORT, '"units": sum(stock.lines.values())', '"units": len(stock.lines)'),
        ),
        _m(
            "2-subdir",
            "src",
            "report.csv_export: header renamed",
            replace(REPORT, '"sku,quantity,value_cents"', '"sku,qty,value_cents"'),
        ),
        _m("2-subdir", "src", "report.render: total capitalised", replace(REPORT, 'f"total ', 'f"Total ')),
        _m(
            "2-subdir",
            "src",
            "inventory.Stock.skus: insertion order (only the report shows it)",
            replace("src/stockroom/inventory.py", "return sorted(self.lines)", "return list(self.lines)"),
        ),
        # The conftest's collection-finish scan reads every test module's text: a test module
        # changed where no test runs must still reach the scan (pre-commit fails the hooks).
        _m(
            "2-late",
            "test",
            "test_text.py: a breakpoint() in a comment",
            append(TEST_TEXT, "# breakpoint()\n"),
        ),
        _m(
            "2-late",
            "test",
            "test_money.py: a breakpoint() in a helper no test calls",
            append("tests/unit/test_money.py", "\n\ndef _debug() -> None:\n    breakpoint()\n"),
        ),
        _m(
            "2-late",
            "test",
            "test_export.py (integration): a breakpoint() in a comment",
            append("tests/integration/test_export.py", "# breakpoint()\n"),
        ),
        # Controls: the scan reads the changed module and finds nothing (pre-commit passes).
        _m(
            "2-late",
            "test",
            "test_text.py: a comment (control: passes)",
            append(TEST_TEXT, "# checked by hand\n"),
        ),
        _m(
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
        _m(
            "names",
            "test",
            "a new test module, failing",
            write(MORE, more + "    assert text.slugify('a  b') == 'a--b'\n"),
        ),
        _m(
            "names",
            "test",
            "a new test module (control: passes)",
            write(MORE, more + "    assert text.slugify('a  b') == 'a-b'\n"),
        ),
        _m(
            "names",
            "src",
            "a new module nothing imports (control: passes)",
            write("src/stockroom/extra.py", "EXTRA = 1\n"),
        ),
        _m(
            "names",
            "test",
            "tests/unit/stockroom.py added: the package's name, found first by the unit tests",
            write("tests/unit/stockroom.py", "VERSION = 0\n"),
        ),
        _m(
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


def _class3() -> list[Mutation]:
    touch_units = append("src/stockroom/units.py", "\n# units: conversions by dimension\n")
    return [
        # data-tests runs `source .venv/bin/activate && pytest ...`: the source step fails.
        _m(
            "3",
            "venv",
            "activate returns 1 (data-tests' source step fails) + units.py comment",
            both(append(ACTIVATE, "return 1\n"), touch_units),
        ),
        _m(
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
        _m(
            "3",
            "venv",
            "activate has a syntax error + catalog.py comment",
            both(
                append(ACTIVATE, "if then fi\n"),
                append("src/stockroom/catalog.py", "\n# catalogue rows by SKU\n"),
            ),
        ),
        # file-metadata runs `STOCKROOM_MODE=ci pytest ...`: the limit exists only with the assignment.
        _m(
            "3",
            "data",
            "catalog.csv: a long product name row (over the CI size limit only)",
            append(CATALOG, "L-600," + "Long pallet " * 190 + ",1,kg\n"),
        ),
    ]


def _class4() -> list[Mutation]:
    cases = [
        (TEXT, 'strip("-")', 'strip("_")', "text.slugify broken"),
        (UNITS, '"kg": 1000', '"kg": 1', "units.json kg factor broken"),
        (REPORT, "{quantity:>4}", "{quantity:>5}", "report.line broken"),
    ]
    return [
        _m(
            "4",
            "src",
            f"{what} in the commit, fixed in the working tree (unstaged)",
            replace(rel, old, new),
            replace(rel, new, old),
        )
        for rel, old, new, what in cases
    ]


def _class5() -> list[Mutation]:
    # integration-pipeline is `bash -c 'cd tests/integration && pytest test_pipeline.py -q'`.
    return [
        _m(
            "5",
            "comment",
            "report.py: comment added (pipeline hook passes)",
            append(REPORT, "\n# report: text and CSV\n"),
        ),
        _m(
            "5",
            "test",
            "test_pipeline.py: a passing test added",
            append(
                "tests/integration/test_pipeline.py",
                "\n\ndef test_report_has_four_lines(stock: Stock) -> None:\n    assert len(report.render(stock).splitlines()) == 4\n",
            ),
        ),
        _m(
            "5",
            "src",
            "inventory.Stock.skus: same result, new code",
            replace(
                "src/stockroom/inventory.py", "return sorted(self.lines)", "return sorted(self.lines.keys())"
            ),
        ),
        _m(
            "5",
            "src",
            "catalog.search: same result, new code",
            replace(
                "src/stockroom/catalog.py",
                "term.lower() in item.name.lower()",
                "term.casefold() in item.name.casefold()",
            ),
        ),
        _m(
            "5",
            "src",
            "report.totals: same result, new code",
            replace(REPORT, '"lines": len(stock.lines)', '"lines": len(stock.skus())'),
        ),
    ]


def _ordinary() -> list[Mutation]:
    bodies = [
        (
            TEXT,
            'return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")',
            "return name.lower()",
            "text.slugify",
        ),
        (
            TEXT,
            'return " ".join(word[:1].upper() + word[1:] for word in name.split())',
            "return name.title()",
            "text.title_case",
        ),
        (TEXT, 'else text[: max(width - 1, 0)] + "…"', "else text[:width]", "text.truncate"),
        (TEXT, 'return " ".join(text.split())', "return text.strip()", "text.normalize_space"),
        (TEXT, 'return word if count == 1 else word + "s"', 'return word + "s"', "text.pluralize"),
        (TEXT, "for word in name.split() if word)", "for word in name.split()[:1] if word)", "text.initials"),
        (TEXT, "return bool(_SKU.match(text))", "return bool(_SKU.search(text.upper()))", "text.is_sku"),
        (
            TEXT,
            'return f"{prefix.upper()}-{int(number):03d}"',
            'return f"{prefix}-{int(number):03d}"',
            "text.pad_sku",
        ),
        ("src/stockroom/units.py", "raise KeyError(unit)", "return dimension", "units.dimension_of"),
        ("src/stockroom/catalog.py", "return sorted(load())", "return list(load())", "catalog.skus"),
        ("src/stockroom/inventory.py", "if quantity <= 0:", "if quantity < 0:", "inventory.Stock.add"),
        ("src/stockroom/schema.py", 'f"missing {field}"', 'f"missing field {field}"', "schema.validate"),
        ("src/stockroom/cli.py", "return 2\n", "return 1\n", "cli.main"),
    ]
    out = [
        _m("ordinary", "src", f"{what}: body changed", replace(rel, old, new))
        for rel, old, new, what in bodies
    ]
    flips = [
        ("tests/unit/test_text.py", "assert text.slugify('Bolt pack') == 'bolt-pack'", "test_slugify_0"),
        (
            "tests/unit/test_inventory.py",
            "assert stock.value_cents() == 800",
            "test_value_at_catalogue_prices",
        ),
        (
            "tests/unit/test_units.py",
            'assert units.units_of("volume") == ["l", "ml"]',
            "test_units_of_volume",
        ),
        (
            "tests/test_layout.py",
            'assert not [f for f in repo_files if f.endswith(".local.json")]',
            "test_no_local_config",
        ),
        (
            "tests/integration/test_export.py",
            'assert report.csv_export(Stock()) == "sku,quantity,value_cents\\n"',
            "test_csv_export_empty",
        ),
    ]
    for rel, line, test in flips:
        body = line.removeprefix("assert ")
        out.append(
            _m("ordinary", "test", f"{test}: assert flipped", replace(rel, line, f"assert not ({body})"))
        )
    out += [
        _m("ordinary", "data", "catalog.csv: a row added", append(CATALOG, "N-700,Nut pack,120,kg\n")),
        _m("ordinary", "delete", "tests/unit/test_cli.py deleted", delete("tests/unit/test_cli.py")),
        _m("ordinary", "delete", "bin/stockroom-sync deleted", delete("bin/stockroom-sync")),
        _m(
            "ordinary",
            "rename",
            "test_banner.py renamed",
            rename("tests/unit/test_banner.py", "tests/unit/test_texts_banner.py"),
        ),
        _m("ordinary", "comment", "text.py: comment added", append(TEXT, "\n# text helpers end here\n")),
        _m(
            "ordinary",
            "comment",
            "tests/conftest.py: comment added",
            append("tests/conftest.py", "\n# fixtures end here\n"),
        ),
        _m(
            "ordinary",
            "comment",
            "test_text.py: comment added",
            append("tests/unit/test_text.py", "\n# more cases welcome\n"),
        ),
        _m(
            "ordinary",
            "docs",
            "README.md: a sentence added",
            append("README.md", "\nSee docs/cli.md for the commands.\n"),
        ),
    ]
    return out


def catalogue() -> list[Mutation]:
    """Every mutation of the src-layout example, classes first."""
    return [*_class1(), *_class2(), *_names(), *_class3(), *_class4(), *_class5(), *_ordinary()]
