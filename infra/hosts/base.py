"""What every host is: the ``Host`` protocol, a parsed verdict, and the parts both hosts share.

Both hosts print one status line per hook (``name....Passed``, ``name....(no files to
check)Skipped``), padded with dots, and with ``--verbose`` a ``- hook id: ID`` line under it;
they differ in which lines carry an id and in how a hook's own output is set off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from infra.results import Status

# A path that never exists: ``run --files`` with it alone checks no file at all (both hosts
# drop missing files) without falling back to the staged files.
NO_FILE = ".infra-no-changed-files"
PRE_PUSH = "pre-push"
STATUS = re.compile(r"^(?P<name>.*?)\.+(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$")
HOOK_ID = re.compile(r"^- hook id: (?P<id>\S+)$")
_HOOK_TYPE = re.compile(r"--hook-type[= ](?P<value>[\w-]+)")
_CONFIG = re.compile(r"--config[= ](?P<value>[^\s'\")]+)")


class Verdict(NamedTuple):
    """One hook's status line: its name, its id when the host printed one, its status."""

    name: str
    hook_id: str | None
    status: Status


class Script(NamedTuple):
    """What an installed git hook script passes to its host's ``hook-impl``."""

    hook_type: str | None
    config: str | None  # None: the host's default config file


class Host(Protocol):
    """A program that reads ``.pre-commit-config.yaml`` and runs its hooks: pre-commit or prek."""

    @property
    def name(self) -> str: ...

    def program(self) -> list[str]:
        """The argv prefix that starts the host."""
        ...

    def validate_argv(self, config: Path) -> list[str]: ...

    def run_argv(
        self, config: Path | None, files: Sequence[str] | None, refs: tuple[str, str] | None = None
    ) -> list[str]:
        """Run the pre-push stage, verbose, no colour, over ``refs``, else ``files``, else all files."""
        ...

    def install_argv(self, config: str | None = None) -> list[str]:
        """Install the host's ``pre-push`` git hook (for ``config`` when it is not the default)."""
        ...

    def parse_verdicts(self, output: str) -> list[Verdict]:
        """Each hook's verdict from the output of :meth:`run_argv`, in the order the host ran them."""
        ...

    def owns(self, script: str) -> bool:
        """Whether ``script``, an installed git hook, hands over to this host."""
        ...

    def error_summary(self, output: str) -> str:
        """The line of ``validate-config`` output that says what is wrong."""
        ...


def run_args(
    config: Path | None, files: Sequence[str] | None, refs: tuple[str, str] | None, *stage: str
) -> list[str]:
    """``run`` at the pre-push stage (``stage``: the host's flag and any extra), verbose, no colour."""
    return ["run", *config_args(config), *stage, "--color", "never", "--verbose", *selection(files, refs)]


def install_args(config: str | None) -> list[str]:
    return ["install", "--hook-type", PRE_PUSH, *config_args(config)]


def selection(files: Sequence[str] | None, refs: tuple[str, str] | None) -> list[str]:
    """The file-selection flags both hosts share: a pushed range, some files, or all files."""
    if refs is not None:
        return ["--from-ref", refs[0], "--to-ref", refs[1]]
    if files is not None:
        return ["--files", *files, NO_FILE]
    return ["--all-files"]


def config_args(config: Path | str | None) -> list[str]:
    return [] if config is None else ["--config", str(config)]


def script(text: str) -> Script:
    """The hook type and config an installed hook script passes on (pre-commit's and prek's)."""
    hook_type, config = _HOOK_TYPE.search(text), _CONFIG.search(text)
    return Script(hook_type.group("value") if hook_type else None, config.group("value") if config else None)


def last_line(output: str, marker: str) -> str:
    """The last line holding ``marker`` (what follows it), else the last non-blank line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    marked = [line.split(marker, 1)[1].strip() for line in lines if marker in line]
    return (marked or lines or ["no output"])[-1]
