"""Read ``.pre-commit-config.yaml`` exactly as pre-commit does.

Validation and defaults come from pre-commit's own schema (``pre_commit.clientlib``), so a
config that ``pre-commit validate-config`` rejects is rejected here too, and every default
(``default_stages`` = every stage, ``types: [file]``, ``pass_filenames: true``, legacy stage
names, ``system`` -> ``unsupported``) is pre-commit's. What we add: one-line errors with the
file and line, the line of each hook, and a stable unique ``key`` per hook (duplicate ids are
valid in pre-commit, so ``id``, ``id#2``, ... keep them apart).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from infra import config_file

CONFIG_FILE = ".pre-commit-config.yaml"
LOCAL = "local"
META = "meta"
# A migrated hook keeps its definition but is parked in the manual stage; this marker on its
# `stages:` line (written by `infra migrate`) says which stages it really belongs to.
MIGRATED_MARKER = re.compile(r"#\s*infra: was (\[[^\]]*\])")
# `infra migrate` parks hooks without `stages` by setting `default_stages` (every stage but
# pre-push); this marker on that line gives the value pre-commit used before.
DEFAULT_STAGES_MARKER = re.compile(r"#\s*infra: was (every stage|\[[^\]]*\])")
# The one hook `infra migrate` leaves at pre-push: it runs the plan, so it is never planned.
RUNNER_HOOK_ID = "infra-prepush"


class Hook(NamedTuple):
    """One hook of the config, with pre-commit's defaults applied."""

    key: str  # unique: the id, or id#N for the N-th hook with the same id
    id: str
    name: str
    alias: str
    repo: str  # "local", "meta" or the remote URL
    rev: str | None
    entry: str | None  # None for remote hooks: it lives in the remote repo's manifest
    language: str | None
    files: str
    exclude: str
    types: tuple[str, ...]
    types_or: tuple[str, ...]
    exclude_types: tuple[str, ...]
    args: tuple[str, ...]
    additional_dependencies: tuple[str, ...]
    always_run: bool
    pass_filenames: bool
    require_serial: bool
    fail_fast: bool
    verbose: bool
    stages: tuple[str, ...]
    line: int  # 1-based line of the hook in the config file (0 when unknown)
    migrated: bool = False  # parked in `manual` by `infra migrate`, really a push hook
    raw: Mapping[str, Any] = {}  # the hook's keys as written (remote hooks: only the overrides)

    @property
    def is_remote(self) -> bool:
        return self.repo not in (LOCAL, META)


class Config(NamedTuple):
    path: Path
    hooks: tuple[Hook, ...]
    files: str
    exclude: str
    fail_fast: bool
    default_stages: tuple[str, ...]
    text: str

    def hooks_for_stage(self, stage: str) -> tuple[Hook, ...]:
        """The hooks pre-commit runs in ``stage`` (migrated hooks count at their real stages).

        The ``infra-prepush`` runner hook added by ``infra migrate`` is left out: it is what
        runs these hooks, not one of them.
        """
        return tuple(h for h in self.hooks if stage in h.stages and not _is_runner(h))


def _is_runner(hook: Hook) -> bool:
    return hook.repo == LOCAL and hook.id == RUNNER_HOOK_ID


def load(path: Path) -> Config:
    """Load and validate a config file; every problem is a one-line ``ConfigError``."""
    text = config_file.read_text(path)
    data, nodes = config_file.parse_yaml(path, text)
    applied = config_file.validate(path, data, nodes)
    hook_lines = config_file.hook_lines(nodes)
    lines = text.splitlines()
    raw_hooks = [dict(h) for repo in data["repos"] for h in repo["hooks"]]
    planned_default = _migrated_default_stages(nodes, lines) or tuple(applied["default_stages"])
    hooks = _build_hooks(applied, planned_default, hook_lines, lines, raw_hooks)
    return Config(
        path=path,
        hooks=hooks,
        files=applied["files"],
        exclude=applied["exclude"],
        fail_fast=applied["fail_fast"],
        default_stages=tuple(applied["default_stages"]),
        text=text,
    )


def _build_hooks(
    applied: dict[str, Any],
    default_stages: tuple[str, ...],
    hook_lines: list[tuple[str, int]],
    text_lines: list[str],
    raw_hooks: list[dict[str, Any]],
) -> tuple[Hook, ...]:
    seen: Counter[str] = Counter()
    hooks: list[Hook] = []
    for repo in applied["repos"]:
        for raw in repo["hooks"]:
            index = len(hooks)
            line = hook_lines[index][1] if index < len(hook_lines) else 0
            end = hook_lines[index + 1][1] - 1 if index + 1 < len(hook_lines) else len(text_lines)
            seen[raw["id"]] += 1
            key = raw["id"] if seen[raw["id"]] == 1 else f"{raw['id']}#{seen[raw['id']]}"
            hook = _hook(key, repo, raw, default_stages, line, text_lines[line - 1 : end] if line else [])
            hooks.append(hook._replace(raw=raw_hooks[index]))
    return tuple(hooks)


def _hook(
    key: str,
    repo: dict[str, Any],
    raw: dict[str, Any],
    default_stages: tuple[str, ...],
    line: int,
    hook_text: list[str],
) -> Hook:
    url = repo["repo"]
    remote = url not in (LOCAL, META)
    stages = tuple(raw.get("stages") or ()) or default_stages
    migrated_stages = _migrated_stages(raw, hook_text)
    return Hook(
        key=key,
        id=raw["id"],
        name=raw.get("name", raw["id"]),
        alias=raw.get("alias", ""),
        repo=url,
        rev=repo.get("rev"),
        entry=None if remote else raw["entry"],
        language=raw.get("language"),
        files=raw.get("files", ""),
        exclude=raw.get("exclude", "^$"),
        types=tuple(raw.get("types", ("file",))),
        types_or=tuple(raw.get("types_or", ())),
        exclude_types=tuple(raw.get("exclude_types", ())),
        args=tuple(raw.get("args", ())),
        additional_dependencies=tuple(raw.get("additional_dependencies", ())),
        always_run=raw.get("always_run", False),
        pass_filenames=raw.get("pass_filenames", True),
        require_serial=raw.get("require_serial", False),
        fail_fast=raw.get("fail_fast", False),
        verbose=raw.get("verbose", False),
        stages=migrated_stages or stages,
        line=line,
        migrated=migrated_stages is not None,
    )


def _migrated_stages(raw: dict[str, Any], hook_text: list[str]) -> tuple[str, ...] | None:
    """Stages recorded by ``infra migrate`` on the hook's ``stages:`` line, if any."""
    if "manual" not in (raw.get("stages") or ()):
        return None
    for text in hook_text:
        if text.lstrip().startswith("stages:"):
            match = MIGRATED_MARKER.search(text)
            if match:
                from pre_commit.clientlib import transform_stage

                parsed = yaml.safe_load(match.group(1)) or []
                return tuple(transform_stage(str(s)) for s in parsed)
            return None
    return None


def _migrated_default_stages(nodes: yaml.Node | None, text_lines: list[str]) -> tuple[str, ...] | None:
    """The ``default_stages`` recorded by ``infra migrate`` on that top-level line, if any."""
    keys = [k for k, _ in getattr(nodes, "value", ()) if k.value == "default_stages"]  # a mapping: validated
    match = DEFAULT_STAGES_MARKER.search(text_lines[keys[0].start_mark.line]) if keys else None
    if match is None:
        return None
    from pre_commit.clientlib import STAGES, transform_stage

    if match.group(1) == "every stage":
        return tuple(STAGES)
    return tuple(transform_stage(str(s)) for s in yaml.safe_load(match.group(1)) or [])
