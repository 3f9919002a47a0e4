"""Talking to pre-commit itself: a config holding just some hooks, and reading its verdicts."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from infra.config import Config, Hook
from infra.results import Status

# A path that never exists: ``pre-commit run --files`` with it alone checks no file at all
# (pre-commit drops missing files) without falling back to the staged files.
NO_FILE = ".infra-no-changed-files"
_STATUS = re.compile(r"^(?P<name>.*?)\.+(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)$")
_HOOK_ID = re.compile(r"^- hook id: (?P<id>\S+)$")


def subset_config(config: Config, hooks: Sequence[Hook]) -> dict[str, Any]:
    """The config with only ``hooks`` (as written, stages set to pre-push), top-level keys kept."""
    repos: list[dict[str, Any]] = []
    for hook in hooks:
        raw = {**hook.raw, "stages": ["pre-push"]}
        if repos and repos[-1]["repo"] == hook.repo and repos[-1].get("rev") == hook.rev:
            repos[-1]["hooks"].append(raw)
            continue
        repo: dict[str, Any] = {"repo": hook.repo, "hooks": [raw]}
        if hook.rev is not None:
            repo["rev"] = hook.rev
        repos.append(repo)
    return {"files": config.files, "exclude": config.exclude, "repos": repos}


def parse_verdicts(output: str) -> list[tuple[str, Status]]:
    """Each hook's (id, status) from ``pre-commit run --verbose`` output, in run order.

    A status line counts only when the next line is its ``- hook id:`` line (``--verbose``
    prints one for every hook), so a hook's own output cannot be mistaken for a verdict.
    """
    lines = output.splitlines()
    out = []
    for line, following in itertools.pairwise(lines):
        match = _STATUS.match(line.strip())
        hook = _HOOK_ID.match(following.strip())
        if match and hook:
            out.append((hook.group("id"), Status(match.group("status").lower())))
    return out


def parse_statuses(output: str) -> list[Status]:
    """Just the statuses of :func:`parse_verdicts`, in run order."""
    return [status for _, status in parse_verdicts(output)]
