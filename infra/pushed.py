"""A direct run judges what is pushed, as pre-commit does: unstaged changes are set aside.

Run by git's pre-push hook, pre-commit has already stashed what is not staged before our
hook starts. Run directly (``nox -t prepush`` in a shell), the working tree may hold a fix
that was never committed: judging the tree would pass a push whose commits are broken. So the
nox parent of a prepush run does what pre-commit does, with pre-commit's own code
(``staged_files_only``): unstaged changes to tracked files are saved as a patch under the
state directory, the tree is checked out to the index, and the patch is applied again when
the run ends (Ctrl-C included). With ``--all-files`` nothing is set aside (pre-commit
neither). A run killed with SIGKILL leaves the patch behind; the next run names it.
"""

from __future__ import annotations

import atexit
import contextlib
from pathlib import Path

from infra import output, state
from infra.run import cmd_output

PATCHES = "patches"


def set_aside_unstaged(root: Path) -> None:
    """Stash unstaged changes of tracked files until this process exits (no-op when there are none)."""
    from pre_commit.staged_files_only import staged_files_only

    patches = state.directory(root) / PATCHES
    left = sorted(patches.glob("*")) if patches.is_dir() else []
    if left:
        output.warn(
            f"{left[-1]}: unstaged changes saved by an interrupted run; apply them with "
            f"`git apply {left[-1]}` and delete the file"
        )
    rc, _, _ = cmd_output("git", "-C", str(root), "diff", "--quiet", "--ignore-submodules", check=False)
    if rc == 0:
        return
    patches.mkdir(parents=True, exist_ok=True)
    output.warn("unstaged changes are set aside while the pushed commits are checked (restored at exit)")
    stack = contextlib.ExitStack()
    with contextlib.chdir(root):
        stack.enter_context(staged_files_only(str(patches)))
    atexit.register(_restore, stack, root, set(patches.glob("*")) - set(left))


def _restore(stack: contextlib.ExitStack, root: Path, saved: set[Path]) -> None:
    """Apply the patch again (pre-commit's code handles conflicts with what hooks changed)."""
    with contextlib.chdir(root):
        stack.close()
    for patch in saved:
        patch.unlink(missing_ok=True)
