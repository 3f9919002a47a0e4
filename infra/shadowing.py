"""Whether Python files added since the recorded run can change what an existing import finds.

An added or deleted Python file used to make every pytest group run fully: existence checks
by the import system leave no audit trail, so a read record cannot show who depends on them.
Most such pushes only add a test module or a new helper, which changes nothing an existing
import resolves: testmon runs a test module it has never seen, and code that imports the new
file changed too, so testmon selects the tests that ran it. What can change an existing
import's answer, and still makes the run full:

- a new ``__init__.py`` (a directory becomes a regular package: every module below it gets
  another name) or a file other than ``.py`` (``.pth``, ``.so``, ``.pyd``, ``.pyi``);
- a module whose name is already taken: by a standard-library module, by a top-level name an
  installed distribution provides, or by any other Python file or package directory of the
  repository (pytest's ``prepend`` import mode puts test directories first on ``sys.path``,
  so ``tests/yaml.py`` would shadow PyYAML for every test).

A deleted file needs no rule here: a test that ran it is selected by testmon (its file is
gone), a module imported at collection is in the read records (``?import``, now missing),
and every test module is still collected, so an import of it fails as in a full run. Pure:
the caller passes how to tell an importable top-level name (``installed``).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath


def installed(name: str) -> bool:
    """Whether ``name`` is importable as a top-level module here: the standard library, or found
    on ``sys.path`` (installed distributions, ``.pth`` paths). Finding a top-level spec imports
    nothing; any doubt counts as taken."""
    if name in sys.stdlib_module_names or "." in name:  # a dotted name would import its parent
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return True


def why_full(before: Sequence[str], after: Sequence[str], importable: Callable[[str], bool]) -> str | None:
    """Why the tracked Python files ``after`` (vs ``before``) need a full run, or None
    (``importable``: whether a top-level name is taken outside the repository)."""
    if not before:
        return "Python files were added or deleted since the last recorded run"
    old = set(before)
    added = [PurePosixPath(n) for n in after if n not in old]
    names: set[str] = set()
    for existing in map(PurePosixPath, old):
        names.update(existing.parts[:-1])  # package and source directories
        names.add(existing.stem)
    for path in added:
        if path.suffix != ".py":
            return f"{path} was added (a {path.suffix} file changes what imports find)"
        if path.name == "__init__.py":
            return f"{path} was added (its directory becomes a regular package)"
        if path.stem in names or importable(path.stem):
            return f"{path} was added: the module name {path.stem!r} is already taken, imports may find it instead"
    return None
