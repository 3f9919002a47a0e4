"""What counts as a project input for test selection, and what a module does when imported.

A recorded read says "this test depends on that path". Some paths change on every run and are
never the project's inputs: git's own database (every commit writes ``.git/objects/``),
infra's state directory, tool caches (``__pycache__``, ``.pytest_cache``, ``.mypy_cache``,
coverage and testmon data files) and virtual environments. Counting them made a fixture that
walks the repository root look changed on every push, so selection never engaged. The same
rule filters the names inside a recorded directory listing.

The import-time effects of a module are the module-level statements that can change shared
state when it is imported (calls, assignments computed by calls, ``if``/``try``/loops at
module level); definitions, imports, docstrings and literal constants are not. Selection
keeps a digest of them for every project module imported outside a test: when it changes,
every test in the process may behave differently, so the run is full.

Imported by the pytest plugin: keep it free of heavy imports.
"""

from __future__ import annotations

import ast
import hashlib
import os

CACHE_DIRS = frozenset(
    {
        ".git",
        ".infra",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".nox",
        ".tox",
        ".venv",
        "venv",
        ".eggs",
    }
)
CACHE_FILE_PREFIXES = (".coverage", ".testmondata")
_venvs: dict[str, bool] = {}


def is_input(root: str, rel: str) -> bool:
    """False for git internals, state, caches and virtual environments under ``root``."""
    parts = rel.strip("/").split("/")
    if any(p in CACHE_DIRS or p.endswith((".pyc", ".egg-info")) for p in parts):
        return False
    if parts[-1].startswith(CACHE_FILE_PREFIXES):
        return False
    top = parts[0]
    if len(parts) > 1 or rel.endswith("/"):
        known = _venvs.get(top)
        if known is None:
            known = _venvs[top] = os.path.isfile(os.path.join(root, top, "pyvenv.cfg"))
        return not known
    return True


def listing_names(root: str, rel_dir: str, names: list[str]) -> list[str]:
    """The entries of a directory listing that are inputs (cache entries come and go)."""
    return sorted(n for n in names if is_input(root, f"{rel_dir.rstrip('/')}/{n}".lstrip("/")))


_PURE_VALUES = (
    *(ast.Constant, ast.Name, ast.Attribute, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Subscript),
    *(ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.JoinedStr, ast.FormattedValue, ast.Slice),
)


def _has_effect(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
        return False
    if isinstance(stmt, ast.Pass):
        return False
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return False  # a docstring or a bare constant
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = [n for t in targets for n in ast.walk(t) if isinstance(n, ast.expr)]
        if not all(isinstance(n, ast.Name | ast.Tuple | ast.List) for n in names):
            return True  # ``os.environ["X"] = ...``, ``mod.attr = ...`` change another object
        value = stmt.value
        return value is not None and not all(
            isinstance(n, _PURE_VALUES) or not isinstance(n, ast.expr) for n in ast.walk(value)
        )
    return True


def import_effects_digest(source: bytes) -> str:
    """A digest of the module-level statements that can change state when the module is imported."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return hashlib.sha1(source).hexdigest()  # unparsable: any change counts
    effects = [ast.dump(s) for s in tree.body if _has_effect(s)]
    return hashlib.sha1("\n".join(effects).encode()).hexdigest()
