"""The test suite as written: a static (AST) scan of test modules, without importing them.

pytest's defaults decide what is a test: ``test_*.py`` / ``*_test.py`` files, ``test*``
functions, ``Test*`` classes without ``__init__``. Parametrize cases are counted from literal
values (a lower bound when some are not literal); skip/skipif/xfail markers are listed with
their reasons. Used by ``infra reports`` (``test-suite.md``).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

_SKIP_MARKERS = ("skip", "skipif", "xfail")
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


class SuiteTest(NamedTuple):
    """One test function as written (parametrize cases counted, not listed)."""

    path: str
    line: int
    name: str  # "test_x" or "TestA::test_x"
    markers: frozenset[str]  # its own, its classes' and the module's; parametrize excluded
    cases: int  # product of the literal parametrize value counts (1 when not parametrized)
    parametrized: bool
    dynamic: bool  # some parametrize values are not literal, so ``cases`` is a lower bound


class Skip(NamedTuple):
    path: str
    line: int
    target: str  # the test, class or "(module)" the marker applies to
    marker: str
    reason: str


class Suite(NamedTuple):
    files: list[str]
    tests: list[SuiteTest]
    skips: list[Skip]
    unparsable: list[str]


class _Mark(NamedTuple):
    name: str
    call: ast.Call | None
    line: int


# --- static scan of test modules (pure) ---------------------------------------------------


def _mark(node: ast.expr) -> _Mark | None:
    """``pytest.mark.x``, ``mark.x`` or either called, else None."""
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call is not None else node
    if isinstance(target, ast.Attribute):
        owner = target.value
        if (isinstance(owner, ast.Name) and owner.id == "mark") or (
            isinstance(owner, ast.Attribute) and owner.attr == "mark"
        ):
            return _Mark(target.attr, call, node.lineno)
    return None


def _marks(nodes: Sequence[ast.expr]) -> list[_Mark]:
    return [m for m in map(_mark, nodes) if m is not None]


def _pytestmark(body: Sequence[ast.stmt]) -> list[_Mark]:
    """Marks from ``pytestmark = mark`` or ``pytestmark = [marks]`` in a module or class body."""
    found: list[_Mark] = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ):
            value = stmt.value
            found += _marks(value.elts if isinstance(value, ast.List | ast.Tuple) else [value])
    return found


def _values(call: ast.Call | None) -> int | None:
    """How many cases a parametrize call makes, when its values are a literal collection."""
    if call is None:
        return None
    values = call.args[1] if len(call.args) > 1 else None
    values = next((k.value for k in call.keywords if k.arg == "argvalues"), values)
    if isinstance(values, ast.List | ast.Tuple | ast.Set) and not any(
        isinstance(e, ast.Starred) for e in values.elts
    ):
        return len(values.elts)
    return None


def _text(node: ast.expr) -> str:
    text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ast.unparse(node)
    return " ".join(text.split())


def _reason(mark: _Mark) -> str:
    if mark.call is None:
        return ""
    reason = next((_text(k.value) for k in mark.call.keywords if k.arg == "reason"), "")
    if mark.call.args and mark.name == "skip":
        return reason or _text(mark.call.args[0])
    if mark.call.args:
        condition = f"if {_text(mark.call.args[0])}"
        return f"{condition}: {reason}" if reason else condition
    return reason


def _skips(marks: Sequence[_Mark], path: str, target: str) -> list[Skip]:
    return [Skip(path, m.line, target, m.name, _reason(m)) for m in marks if m.name in _SKIP_MARKERS]


def _test(
    path: str, node: ast.FunctionDef | ast.AsyncFunctionDef, name: str, marks: list[_Mark]
) -> SuiteTest:
    counts = [_values(m.call) for m in marks if m.name == "parametrize"]
    cases = math.prod(n for n in counts if n is not None)
    markers = frozenset(m.name for m in marks if m.name != "parametrize")
    return SuiteTest(path, node.lineno, name, markers, cases, bool(counts), None in counts)


def _is_fixture(decorator: ast.expr) -> bool:
    """``@fixture``, ``@pytest.fixture``, ``@pytest_asyncio.fixture``, called or not."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "fixture") or (
        isinstance(target, ast.Attribute) and target.attr == "fixture"
    )


def _collect(
    node: ast.stmt, path: str, inherited: list[_Mark], prefix: str, out: tuple[list[SuiteTest], list[Skip]]
) -> None:
    tests, skips = out
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
        if any(_is_fixture(d) for d in node.decorator_list):
            return  # a fixture named test_*: pytest does not collect it
        own = _marks(node.decorator_list)
        skips += _skips(own, path, prefix + node.name)
        tests.append(_test(path, node, prefix + node.name, [*inherited, *own]))
    elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
        if any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in node.body):
            return  # pytest does not collect a test class with __init__
        own = [*_marks(node.decorator_list), *_pytestmark(node.body)]
        skips += _skips(own, path, prefix + node.name)
        for child in node.body:
            _collect(child, path, [*inherited, *own], f"{prefix}{node.name}::", out)


def scan_module(source: str | bytes, path: str) -> tuple[list[SuiteTest], list[Skip]]:
    """The tests and skip/xfail markers of one test module; ``SyntaxError`` if it does not parse."""
    tree = ast.parse(source, filename=path)
    module = _pytestmark(tree.body)
    out: tuple[list[SuiteTest], list[Skip]] = ([], _skips(module, path, "(module)"))
    for node in tree.body:
        _collect(node, path, module, "", out)
    return out


# --- files (I/O) ----------------------------------------------------------------------------


def python_files(top: Path, exclude: Sequence[Path] = ()) -> Iterator[Path]:
    """``*.py`` under ``top`` in sorted order, skipping hidden, cache and excluded directories."""
    return _walk(top, frozenset(p.resolve() for p in exclude))


def _walk(top: Path, skipped: frozenset[Path]) -> Iterator[Path]:
    for child in sorted(top.iterdir()):
        if skipped and child.resolve() in skipped:
            continue
        if child.is_dir():
            if not child.name.startswith(".") and child.name not in _SKIPPED_DIRS:
                yield from _walk(child, skipped)
        elif child.suffix == ".py":
            yield child


def is_test_file(path: Path) -> bool:
    """pytest's default ``python_files``: ``test_*.py`` and ``*_test.py``."""
    return path.name.startswith("test_") or path.name.endswith("_test.py")


def relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base``, "/"-separated (as given when it lies elsewhere)."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def scan_suite(files: Sequence[Path], base: Path) -> Suite:
    """Scan test modules; files are labelled relative to ``base``; unparsable ones are listed."""
    suite = Suite([], [], [], [])
    for file in files:
        label = relative(file, base)
        suite.files.append(label)
        try:
            tests, skips = scan_module(file.read_bytes(), label)
        except (SyntaxError, ValueError, OSError):
            suite.unparsable.append(label)
            continue
        suite.tests.extend(tests)
        suite.skips.extend(skips)
    return suite
