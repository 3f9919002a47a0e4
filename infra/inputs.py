"""What counts as a project input for test selection, and what a module does when imported.

A recorded read says "this test depends on that path". Some paths change on every run and are
never the project's inputs: git's own database (every commit writes ``.git/objects/``),
infra's state directory, tool caches (``__pycache__``, ``.pytest_cache``, ``.mypy_cache``,
coverage and testmon data files) and virtual environments. Counting them made a fixture that
walks the repository root look changed on every push, so selection never engaged. The same
rule filters the names inside a recorded directory listing.

What a module does when imported is everything but its function bodies: constants, imports,
class bodies, decorators, default values, module-level calls (``import_effects_digest``), plus
the bodies of the project functions those calls reach (``import_time_callees``, resolved by
``infra.tracker``). testmon attributes nothing run at import to any test, so selection keeps a
digest of all of it for every project module the run imported: when it changes, any test may
behave differently, and the run is full. Whether a test module changes process state for the
other modules of its process (``changes_shared_state``) decides whether its hook may share one.

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


class _Bodies(ast.NodeTransformer):
    """Function bodies emptied (testmon fingerprints them, per test) and docstrings dropped.

    pytest hook implementations (``def pytest_*``, in a plugin module listed by ``pytest_plugins``
    as in a conftest) run outside any test, where testmon sees nothing: their bodies stay."""

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args = self.visit(node.args)
        node.returns = None if node.returns is None else self.visit(node.returns)
        if not node.name.startswith("pytest_"):
            node.body = [ast.Pass()]
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a docstring
        return self.generic_visit(node)


def import_effects_digest(source: bytes) -> str:
    """A digest of everything a module runs when it is imported: every statement but function
    bodies (constants, imports, class bodies, decorators, default values included).

    testmon attributes no import-time execution to a test: a test that reads ``mod.VERSION``
    or a class attribute runs no code of ``mod`` it can fingerprint, so any change outside
    function bodies of a module imported outside tests must force a full run.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return hashlib.sha1(source).hexdigest()  # unparsable: any change counts
    return hashlib.sha1(ast.dump(_Bodies().visit(tree)).encode()).hexdigest()


def _main_guard(stmt: ast.If) -> bool:
    """``if __name__ == "__main__":``: never runs on import."""
    test = stmt.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _pytest_call(value: ast.expr) -> bool:
    """``pytest.skip(...)``, ``pytest.importorskip(...)``: pytest's own, no state of the project."""
    func = value.func if isinstance(value, ast.Call) else None
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "pytest"


def _shares(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Call | ast.Await) and not _pytest_call(stmt.value)
    if isinstance(stmt, ast.If) and _main_guard(stmt):
        return False
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = stmt.targets if isinstance(stmt, ast.Assign | ast.Delete) else [stmt.target]
        return any(isinstance(n, ast.Attribute | ast.Subscript) for t in targets for n in ast.walk(t))
    if isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.Try):
        blocks = [getattr(stmt, name, []) for name in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(stmt, "handlers", [])]
        return any(_shares(s) for block in blocks for s in block)
    return False


def changes_shared_state(source: bytes) -> bool:
    """Whether importing a (test) module changes what other modules see: a module-level call
    statement (``os.environ.setdefault(...)``, ``sys.path.insert(...)``, ``load_dotenv()``) or an
    assignment to an attribute or item (``os.environ["X"] = ...``, ``settings.debug = True``).

    Under pre-commit each pytest hook is its own process: such a module's effects reach only its
    own hook's tests. Merged into one process they would reach every hook's (``infra.execute``
    gives such a hook a process of its own). Definitions, imports and the module's own names
    do not count; an unparsable module does.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return True
    return shares_state(tree)


def shares_state(tree: ast.Module) -> bool:
    """``changes_shared_state`` for a parsed module."""
    return any(_shares(s) for s in tree.body)


def dotted(expr: ast.expr) -> str | None:
    """``a.b.c`` for a name or an attribute chain; None for anything computed (``f()()``, ``x[0]``)."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    return ".".join([expr.id, *reversed(parts)])


def import_time_callees(tree: ast.Module) -> list[str]:
    """What a module calls while it is imported, as dotted names: the callee of every call
    outside function bodies (module level, class bodies, decorator expressions, default values,
    base classes), every decorator (it is called with what it decorates), each base's
    ``__init_subclass__`` and a metaclass. ``__main__`` guards and lambda bodies do not run on
    import; a computed callee (``handlers[name]()``) cannot be named."""
    found: list[ast.expr] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.extend(d for d in node.decorator_list if not isinstance(d, ast.Call))
            if isinstance(node, ast.ClassDef):  # a base's __init_subclass__, a metaclass: called
                found.extend(
                    ast.Attribute(value=b, attr="__init_subclass__", ctx=ast.Load()) for b in node.bases
                )
                found.extend(k.value for k in node.keywords if k.arg == "metaclass")
            parts: list[ast.AST] = [*node.decorator_list]
            parts += (
                [node.args]
                if not isinstance(node, ast.ClassDef)
                else [*node.bases, *node.keywords, *node.body]
            )
            for part in parts:
                visit(part)
            return
        if isinstance(node, ast.Lambda):
            visit(node.args)
            return
        if isinstance(node, ast.If) and _main_guard(node):
            return
        if isinstance(node, ast.Call):
            found.append(node.func)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return _names(found)


def calls_in(node: ast.AST) -> list[str]:
    """The callee of every call anywhere inside ``node`` (a function run at import: all of it may
    run, nested definitions included), and its decorators, as dotted names."""
    found: list[ast.expr] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            found.append(sub.func)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.extend(d for d in sub.decorator_list if not isinstance(d, ast.Call))
    return _names(found)


def _names(exprs: list[ast.expr]) -> list[str]:
    return sorted({name for name in map(dotted, exprs) if name is not None})


def definitions(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Every function and class of a module by its ``__qualname__`` (``C.m``, ``f.<locals>.g``);
    a name defined twice (``if``/``else`` variants) keeps both."""
    found: dict[str, list[ast.AST]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                found.setdefault(name, []).append(child)
                inner = f"{name}.<locals>." if not isinstance(child, ast.ClassDef) else f"{name}."
                visit(child, inner)
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def definition_digest(source: bytes, qualname: str) -> str:
    """A digest of one function or class of a module, body included, docstrings and comments
    not: ``-`` when the module has no such definition."""
    try:
        nodes = definitions(ast.parse(source)).get(qualname)
    except (SyntaxError, ValueError):
        return hashlib.sha1(source).hexdigest()
    if not nodes:
        return "-"
    return hashlib.sha1("".join(ast.dump(_Docstrings().visit(n)) for n in nodes).encode()).hexdigest()


class _Docstrings(ast.NodeTransformer):
    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None
        return self.generic_visit(node)
