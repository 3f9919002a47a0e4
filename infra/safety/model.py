"""Mutations as data: what a mutation is, the classes of issue 13, and the edits they are made of.

An edit is a function of the repository root, so a catalogue can be listed before any
repository exists and applied to any fresh copy. Edits check their own precondition (the text
they replace is there) and raise ``FatalError`` otherwise: a catalogue that silently stopped
mutating anything would report agreement about nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from infra.errors import FatalError

Edit = Callable[[Path], None]

# The classes of issue 13 (1-5), the five ways of class 2, and ordinary changes.
CLASSES: dict[str, str] = {
    "1": "a hook or a test leaves tracked files modified",
    "2-metadata": "a test reaches the changed file through metadata only",
    "2-cache": "data read once behind a cache, used by later tests",
    "2-resources": "data read through importlib.resources / pkgutil.get_data",
    "2-import": "import-time side effects of another test module",
    "2-subdir": "src/ code exercised only by a subdirectory pytest.ini session",
    "2-late": "a test module read after collection by a session-wide check (a test-tree scan)",
    "names": "a Python file added: a test module, a helper, a module taking an existing name",
    "3": "a wrapper step (source, env assignment) decides the verdict",
    "4": "a broken commit with its fix left unstaged in the working tree",
    "5": "a `cd DIR && pytest FILE` hook that pre-commit passes",
    "ordinary": "function bodies, data files, deletions, renames, comment-only controls",
}


class Mutation(NamedTuple):
    """One commit a developer could push. ``unstaged`` edits the working tree after the commit."""

    repo: str  # "example" | "src"
    cls: str  # a key of CLASSES
    kind: str  # what was edited: src, test, data, config, launcher, ...
    describe: str
    apply: Edit
    unstaged: Edit | None = None

    @property
    def name(self) -> str:
        return f"{self.repo}:{self.describe}"


def _read(root: Path, rel: str) -> str:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except OSError:
        raise FatalError(f"{root / rel}: missing; regenerate the repository the catalogue is for") from None


def replace(rel: str, old: str, new: str) -> Edit:
    """Replace the first ``old`` in ``rel`` with ``new``."""

    def edit(root: Path) -> None:
        text = _read(root, rel)
        if old not in text:
            raise FatalError(f"{rel}: {old[:40]!r} not found; the catalogue no longer matches the repository")
        (root / rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def append(rel: str, tail: str) -> Edit:
    """Append ``tail`` to ``rel``."""

    def edit(root: Path) -> None:
        (root / rel).write_text(_read(root, rel) + tail, encoding="utf-8")

    return edit


def write(rel: str, text: str) -> Edit:
    """Write ``rel`` (creating its directory)."""

    def edit(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    return edit


def transform(rel: str, change: Callable[[str], str]) -> Edit:
    """Rewrite ``rel`` through ``change``; the result must differ."""

    def edit(root: Path) -> None:
        text = _read(root, rel)
        new = change(text)
        if new == text:
            raise FatalError(f"{rel}: the mutation changed nothing; the catalogue no longer matches")
        (root / rel).write_text(new, encoding="utf-8")

    return edit


def chmod_x(rel: str, *, executable: bool) -> Edit:
    """Set or clear the executable bits of ``rel`` (git records the mode)."""

    def edit(root: Path) -> None:
        mode = (root / rel).stat().st_mode
        os.chmod(root / rel, mode | 0o111 if executable else mode & ~0o111)

    return edit


def delete(rel: str) -> Edit:
    def edit(root: Path) -> None:
        (root / rel).unlink()

    return edit


def rename(rel: str, new_rel: str) -> Edit:
    def edit(root: Path) -> None:
        (root / new_rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).rename(root / new_rel)

    return edit


def both(*edits: Edit) -> Edit:
    """Several edits in one commit."""

    def edit(root: Path) -> None:
        for one in edits:
            one(root)

    return edit


def restore(rel: str, text: str) -> Edit:
    """Put ``rel`` back to ``text`` (the unstaged fix of a class-4 mutation)."""
    return write(rel, text)


def undo_in_worktree(root: Path) -> None:
    """The fix of a class-4 mutation: the files HEAD changed get their parent's content back in
    the working tree, left unstaged (the commit stays broken)."""
    from infra import run

    for rel in run.git(root, "diff", "--name-only", "HEAD~1", "HEAD").splitlines():
        (root / rel).write_text(run.git(root, "show", f"HEAD~1:{rel}"), encoding="utf-8")
