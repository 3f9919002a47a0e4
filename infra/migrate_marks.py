"""The markers ``infra migrate`` leaves in a config, and ``revert_text``, which reads them back.

Every edit ``infra migrate`` makes is marked on the line it edits (``# infra: was [...]``, the
``# infra-was:`` item lines of a block list, the ``default_stages`` line it adds, the commented
runner block), so that a migration can be undone from the text alone, byte for byte: the
migrated file is the only record. ``infra.migrate`` writes these markers, this module defines
and undoes them, and ``infra.config`` reads the stages they keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from infra import yaml_lines
from infra.config import RUNNER_HOOK_ID
from infra.errors import ConfigError

MARK = "  # infra: was "
EVERY_STAGE = "every stage"
PARKED = "# infra-was:"
RUNNER_ENTRY = "nox -t prepush"
RUNNER_COMMENT = "# infra: added by `infra migrate`: runs every pre-push hook as nox sessions (undo: infra migrate --revert)"
RUNNER_KEYS = (
    f"id: {RUNNER_HOOK_ID}",
    f"name: infra prepush ({RUNNER_ENTRY})",
    f"entry: {RUNNER_ENTRY}",
    "language: system",
    "pass_filenames: false",
    "always_run: true",
    "stages: [pre-push]",
    "require_serial: true",
)
_HEAD = r"[ \t]*(?:-[ \t]+)?(?:default_)?stages[ \t]*:"
_BLOCK_MARKED = re.compile(
    rf"^(?P<head>{_HEAD}) \[[^\]]*\]  # infra: was \[[^\]]*\] \((?P<count>\d+) lines? below\)(?P<rest>.*)$"
)
_FLOW_MARKED = re.compile(
    rf"^(?P<head>{_HEAD}[ \t]*)\[[^\]]*\]  # infra: was (?P<value>\[[^\]]*\])(?P<rest>.*)$"
)
_ADDED_DEFAULT = re.compile(rf"^[ \t]*default_stages: \[[^\]]*\]{MARK}{EVERY_STAGE}$")
_PARKED_LINE = re.compile(rf"^(?P<indent>[ \t]*){re.escape(PARKED)}(?: (?P<rest>.*))?$")


class Reversion(NamedTuple):
    text: str
    restored: int  # stages / default_stages lines given back their original value
    removed: tuple[str, ...]  # what migrate had added and revert took out


def revert_text(text: str, where: Path) -> Reversion:
    """``text`` as it was before ``infra migrate`` (pure); the markers carry everything needed."""
    lines = yaml_lines.split(text)
    out: list[yaml_lines.Line] = []
    restored = 0
    rows = iter(enumerate(lines))
    for row, line in rows:
        if block := _BLOCK_MARKED.match(line.text):
            out.append(line._replace(text=block["head"] + block["rest"]))
            out.extend(_unpark(rows, int(block["count"]), f"{where}:{row + 1}"))
            restored += 1
        elif flow := _FLOW_MARKED.match(line.text):
            out.append(line._replace(text=flow["head"] + flow["value"] + flow["rest"]))
            restored += 1
        else:
            out.append(line)
    removed = []
    for row, line in enumerate(out):
        if _ADDED_DEFAULT.match(line.text):
            yaml_lines.remove(out, row, row + 1)
            removed.append("default_stages line")
            break
    if _remove_runner(out, where):
        removed.append(f"{RUNNER_HOOK_ID} hook")
    return Reversion(yaml_lines.join(out), restored, tuple(removed))


def _unpark(rows: Iterator[tuple[int, yaml_lines.Line]], count: int, where: str) -> list[yaml_lines.Line]:
    out = []
    for _ in range(count):
        _, line = next(rows, (-1, yaml_lines.Line("", "")))
        match = _PARKED_LINE.match(line.text)
        if match is None:
            raise ConfigError(
                f"{where}: expected {count} `{PARKED}` line(s) below this marker; restore them, "
                "or restore the config from git"
            )
        out.append(line._replace(text=match["indent"] + (match["rest"] or "")))
    return out


def _remove_runner(lines: list[yaml_lines.Line], where: Path) -> bool:
    expected = [
        yaml_lines.words(t) for t in ("- repo: local", "hooks:", f"- {RUNNER_KEYS[0]}", *RUNNER_KEYS[1:])
    ]
    for row, line in enumerate(lines):
        if line.text.strip() == RUNNER_COMMENT:
            found = [yaml_lines.words(x.text) for x in lines[row + 1 : row + 1 + len(expected)]]
            if found != expected:
                raise ConfigError(
                    f"{where}:{row + 1}: the {RUNNER_HOOK_ID} block below this comment was edited; "
                    "remove it by hand"
                )
            yaml_lines.remove(lines, row, row + 1 + len(expected))
            return True
    return False
