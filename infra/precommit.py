"""Talking to pre-commit itself: a config holding just some hooks, and reading its verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.config import Config, Hook
from infra.results import Status


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
    """Each hook's (id, status) from ``pre-commit run --verbose`` output, in run order
    (``infra.hosts`` owns the parsing; pre-commit names every hook it reports)."""
    from infra import hosts

    verdicts = hosts.HOSTS["pre-commit"].parse_verdicts(output)
    return [(v.hook_id, v.status) for v in verdicts if v.hook_id is not None]
