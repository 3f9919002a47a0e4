"""Ordinary mutations of the src-layout example: function bodies, flipped asserts, data files,
deletions, renames and comment-only controls. They give the selection figures their denominator.
"""

from __future__ import annotations

from infra.safety.model import Mutation, append, delete, rename, replace
from infra.safety.src_repo import CATALOG, TEXT, mutation


def ordinary() -> list[Mutation]:
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
        mutation("ordinary", "src", f"{what}: body changed", replace(rel, old, new))
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
            mutation(
                "ordinary", "test", f"{test}: assert flipped", replace(rel, line, f"assert not ({body})")
            )
        )
    out += [
        mutation("ordinary", "data", "catalog.csv: a row added", append(CATALOG, "N-700,Nut pack,120,kg\n")),
        mutation("ordinary", "delete", "tests/unit/test_cli.py deleted", delete("tests/unit/test_cli.py")),
        mutation("ordinary", "delete", "bin/stockroom-sync deleted", delete("bin/stockroom-sync")),
        mutation(
            "ordinary",
            "rename",
            "test_banner.py renamed",
            rename("tests/unit/test_banner.py", "tests/unit/test_texts_banner.py"),
        ),
        mutation(
            "ordinary", "comment", "text.py: comment added", append(TEXT, "\n# text helpers end here\n")
        ),
        mutation(
            "ordinary",
            "comment",
            "tests/conftest.py: comment added",
            append("tests/conftest.py", "\n# fixtures end here\n"),
        ),
        mutation(
            "ordinary",
            "comment",
            "test_text.py: comment added",
            append("tests/unit/test_text.py", "\n# more cases welcome\n"),
        ),
        mutation(
            "ordinary",
            "docs",
            "README.md: a sentence added",
            append("README.md", "\nSee docs/cli.md for the commands.\n"),
        ),
    ]
    return out
