"""The effective configuration one pytest invocation gets, read from the repository tree.

pytest takes its rootdir and ini file from the common ancestor of its arguments (or ``-c`` /
``--rootdir``), walking up for ``pytest.ini``, ``.pytest.ini``, ``pyproject.toml`` with a
``[tool.pytest...]`` table, ``tox.ini`` with ``[pytest]``, ``setup.cfg`` with
``[tool:pytest]``; it loads ``conftest.py`` files from the rootdir down. Two hooks may share
one pytest process only if all of that is the same. Fixture-only conftests are scoped to their
directory, so merging is safe; a conftest that defines ``pytest_*`` hook functions changes the
whole run, so it is part of the key.
"""

from __future__ import annotations

import ast
import configparser
import os
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

CONFIG_OPTIONS = ("-c", "--rootdir", "--confcutdir", "-p", "-o", "--override-ini", "--config-file")


class PytestConfig(NamedTuple):
    rootdir: str  # relative to the repository root, "." for the root
    inifile: str | None
    hook_conftests: tuple[str, ...]  # conftest.py files in the chain that define pytest_* hooks
    coverage: bool = False  # pytest-cov measures the run (``--cov`` in the options or ``addopts``)

    def describe(self) -> str:
        ini = self.inifile or "no ini file"
        extra = f", conftest hooks in {', '.join(self.hook_conftests)}" if self.hook_conftests else ""
        return f"rootdir {self.rootdir}, {ini}{extra}"


def target_path(target: str) -> str:
    """``tests/a.py::Class::test`` -> ``tests/a.py``."""
    return target.split("::", 1)[0]


def effective(root: Path, targets: Sequence[str], options: Sequence[str]) -> PytestConfig:
    """The configuration pytest would use when run from ``root`` with these arguments."""
    explicit_ini = _option_value(options, ("-c", "--config-file"))
    explicit_root = _option_value(options, ("--rootdir",))
    paths = [root / target_path(t) for t in targets] or [root]
    ancestor = _common_ancestor([p for p in paths if p.exists()] or [root])
    if explicit_ini is not None:
        inifile: Path | None = root / explicit_ini
        rootdir = root / explicit_root if explicit_root else ancestor
    else:
        rootdir, inifile = _locate(ancestor, root)
        if explicit_root:
            rootdir = root / explicit_root
    conftests = _hook_conftests(root, rootdir, paths)
    return PytestConfig(
        rootdir=_rel(rootdir, root),
        inifile=_rel(inifile, root) if inifile is not None else None,
        hook_conftests=conftests,
        coverage=measures_coverage([*options, *(_addopts(inifile) if inifile is not None else [])]),
    )


def measures_coverage(options: Sequence[str]) -> bool:
    """pytest-cov is on (``--cov``, ``--cov=PATH``): its report, and ``--cov-fail-under``, depend on
    exactly which tests the process runs, so such a call is never merged or narrowed."""
    return any(opt == "--cov" or opt.startswith("--cov=") for opt in options)


def _addopts(inifile: Path) -> list[str]:
    """The ini file's ``addopts``, split as pytest splits them (empty when unreadable)."""
    value = (_ini_options(inifile) or {}).get("addopts", "")
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        return shlex.split(str(value))
    except ValueError:
        return []


def _option_value(options: Sequence[str], names: tuple[str, ...]) -> str | None:
    for n, opt in enumerate(options):
        for name in names:
            if opt == name and n + 1 < len(options):
                return options[n + 1]
            if opt.startswith(name + "="):
                return opt.split("=", 1)[1]
    return None


def _common_ancestor(paths: Sequence[Path]) -> Path:
    common = Path(os.path.commonpath([str(p.resolve()) for p in paths]))
    return common.parent if common.is_file() else common


def _locate(start: Path, repo_root: Path) -> tuple[Path, Path | None]:
    for directory in [start, *start.parents]:
        for name in ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"):
            candidate = directory / name
            if candidate.is_file() and _is_pytest_config(candidate):
                return directory, candidate
        if directory == repo_root.resolve():
            break
    return start, None


def _is_pytest_config(path: Path) -> bool:
    return _ini_options(path) is not None


def _ini_options(path: Path) -> Mapping[str, Any] | None:
    """The pytest options a config file holds, or None when it is not a pytest config file
    (``pytest.ini`` always is, even empty; the others only with a pytest section)."""
    try:
        if path.name == "pyproject.toml":
            tool = tomllib.loads(path.read_text()).get("tool", {})
            table = tool.get("pytest") if isinstance(tool, dict) else None
            if not isinstance(table, dict):
                return None
            options = table.get("ini_options", table)
            return options if isinstance(options, dict) else {}
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(path.read_text())
    except (OSError, tomllib.TOMLDecodeError, configparser.Error, UnicodeDecodeError):
        return {} if path.name in ("pytest.ini", ".pytest.ini") else None
    section = {"setup.cfg": "tool:pytest"}.get(path.name, "pytest")
    if parser.has_section(section):
        return dict(parser[section])
    return {} if path.name in ("pytest.ini", ".pytest.ini") else None


def _hook_conftests(repo_root: Path, rootdir: Path, paths: Sequence[Path]) -> tuple[str, ...]:
    found: set[Path] = set()
    rootdir = rootdir.resolve()
    for path in paths:
        path = path.resolve()
        directory = path if path.is_dir() else path.parent
        chain = [directory, *directory.parents]
        for d in chain:
            if d == rootdir or rootdir in d.parents:
                found.add(d / "conftest.py")
        if path.is_dir():
            found.update(path.rglob("conftest.py"))
    return tuple(sorted(_rel(p, repo_root) for p in found if p.is_file() and _defines_hooks(p)))


def _defines_hooks(conftest: Path) -> bool:
    try:
        tree = ast.parse(conftest.read_bytes())
    except (SyntaxError, ValueError):
        return True  # cannot tell: keep it apart
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("pytest_")
        for node in tree.body
    )


def _rel(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return str(path)
    return rel.as_posix() if str(rel) != "." else "."
