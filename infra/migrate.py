"""``infra migrate``: pre-commit runs ONE pre-push hook, ``nox -t prepush``, and no hook is lost.

The config is edited as text, line by line, never re-dumped, so every comment and every byte
outside the edited lines survives:

* each hook marked for pre-push (``stages`` listing ``pre-push`` or legacy ``push``) keeps its
  definition; its ``stages:`` line parks it in ``manual`` and records what it was::

      stages: [pre-push]  # slow       ->  stages: [manual]  # infra: was [pre-push]  # slow
      stages: [commit, push]          ->  stages: [commit, manual]  # infra: was [commit, push]

  A block list (``stages:`` then ``- pre-push`` lines) gets the same one-line form with
  ``(N lines below)``, and its item lines stay below as ``# infra-was:`` comments: the line
  count, hence every hook's line number and the plan's hashes, never moves.
* hooks without ``stages`` take ``default_stages`` (every stage unless set): it becomes every
  stage but pre-push, marked ``# infra: was every stage`` (or ``was [...]`` when it was set).
* a ``repo: local`` block with the ``infra-prepush`` hook is appended to ``repos:``.

``infra.config`` reads the markers back, so the planner plans exactly the hooks it planned
before: the config stays the one source of truth. ``revert_text`` (``infra.migrate_marks``,
beside the markers' grammar) undoes all of it from the markers alone, byte for byte; rows are
found and edited through ``infra.yaml_lines``. Nothing is written unless the result is a valid config that
reverts to the original bytes, holds the same data apart from the stages, and plans the
same hooks at pre-push.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from infra import config, config_file, yaml_lines
from infra.config import RUNNER_HOOK_ID, Config, Hook
from infra.errors import ConfigError
from infra.migrate_marks import (
    EVERY_STAGE,
    MARK,
    PARKED,
    RUNNER_COMMENT,
    RUNNER_ENTRY,
    RUNNER_KEYS,
    Reversion,
    revert_text,
)

__all__ = [  # the markers' names too: callers know them as migrate.RUNNER_ENTRY, migrate.revert_text
    "PRE_PUSH",
    "RUNNER_COMMENT",
    "RUNNER_ENTRY",
    "RUNNER_KEYS",
    "Migration",
    "Reversion",
    "is_runner",
    "migrate",
    "migrate_text",
    "precommit_stages",
    "revert",
    "revert_text",
]

PRE_PUSH = "pre-push"
MANUAL = "manual"


class Migration(NamedTuple):
    text: str
    parked: tuple[str, ...]  # keys of the hooks marked for pre-push, now parked in manual
    stageless: tuple[str, ...]  # keys of the hooks without stages: no longer at pre-push in pre-commit
    default_stages: str  # "added", "rewritten" or "" (left alone)
    runner_added: bool


def precommit_stages(hook: Hook, cfg: Config) -> tuple[str, ...]:
    """The stages pre-commit itself runs ``hook`` in (markers ignored, unlike ``hook.stages``)."""
    from pre_commit.clientlib import transform_stage

    return tuple(transform_stage(str(s)) for s in hook.raw.get("stages") or ()) or cfg.default_stages


def is_runner(hook: Hook) -> bool:
    return hook.repo == config.LOCAL and hook.id == RUNNER_HOOK_ID


def migrate_text(cfg: Config) -> Migration:
    """The migrated text of ``cfg`` (pure: nothing is read or written)."""
    if not cfg.hooks_for_stage(PRE_PUSH):
        return Migration(cfg.text, (), (), "", False)
    lines = yaml_lines.split(cfg.text)
    root = yaml.compose(cfg.text, Loader=config_file.Loader)
    assert root is not None  # load() validated a mapping with repos
    edits: dict[int, str] = {}
    parked = []
    for hook, node in zip(cfg.hooks, yaml_lines.hook_nodes(root), strict=True):
        if PRE_PUSH in precommit_stages(hook, cfg) and hook.raw.get("stages") and not is_runner(hook):
            where = f"{cfg.path}:{hook.line}: hook {hook.key}"
            edits.update(_rewrite(lines, *yaml_lines.entry(node, "stages", where), where))
            parked.append(hook.key)
    stageless = tuple(h.key for h in cfg.hooks if not h.raw.get("stages"))
    runner_added = not any(is_runner(h) for h in cfg.hooks)
    added = _runner_block(cfg, root, lines) if runner_added else []
    default_change = ""
    if yaml_lines.value(root, "default_stages") is None:
        added.append(
            " " * root.start_mark.column
            + f"default_stages: {yaml_lines.flow(_stages_but_push())}{MARK}{EVERY_STAGE}"
        )
        default_change = "added"
    elif PRE_PUSH in cfg.default_stages:
        key, value = yaml_lines.entry(root, "default_stages", f"{cfg.path}: default_stages")
        edits.update(_rewrite(lines, key, value, f"{cfg.path}: default_stages"))
        default_change = "rewritten"
    new = [line._replace(text=edits.get(row, line.text)) for row, line in enumerate(lines)]
    if added:
        yaml_lines.insert(new, yaml_lines.last_row(yaml_lines.value(root, "repos"), lines), added)
    stageless = stageless if default_change else ()
    return Migration(yaml_lines.join(new), tuple(parked), stageless, default_change, runner_added)


def _stages_but_push() -> list[str]:
    from pre_commit.clientlib import STAGES

    rest = [s for s in STAGES if s not in (PRE_PUSH, "pre-commit", MANUAL)]
    return ["pre-commit", *rest, MANUAL]


def _rewrite(lines: list[yaml_lines.Line], key: yaml.Node, value: yaml.Node, where: str) -> dict[int, str]:
    """The edited rows of one ``stages:`` entry; same number of rows."""
    row, text = key.start_mark.line, lines[key.start_mark.line].text
    if not isinstance(value, yaml.SequenceNode) or not all(
        isinstance(n, yaml.ScalarNode) and n.start_mark.line == n.end_mark.line for n in value.value
    ):
        raise ConfigError(f"{where}: write each stage name on one line, then run infra migrate again")
    written = [str(n.value) for n in value.value]
    from pre_commit.clientlib import transform_stage

    kept = [s for s in written if transform_stage(s) != PRE_PUSH]
    new = yaml_lines.flow(kept if MANUAL in kept else [*kept, MANUAL])
    if value.flow_style and value.start_mark.line == value.end_mark.line == row:
        start, end = value.start_mark.column, value.end_mark.column
        return {row: text[:start] + new + MARK + text[start:end] + text[end:]}
    if not value.flow_style and value.value:
        colon = text.index(":", key.end_mark.column)
        last = value.value[-1].end_mark.line
        count = f"{last - row} line{'s' if last - row > 1 else ''} below"
        head = f"{text[: colon + 1]} {new}{MARK}{yaml_lines.flow(written)} ({count})"
        parked = {r: _park(lines[r].text) for r in range(row + 1, last + 1)}
        return {row: head + text[colon + 1 :], **parked}
    raise ConfigError(
        f"{where}: write stages on one line (`stages: [pre-push]`) or as a block list, "
        "then run infra migrate again"
    )


def _park(text: str) -> str:
    body = text.lstrip(" \t")
    return text[: len(text) - len(body)] + PARKED + (f" {body}" if body else "")


def _runner_block(cfg: Config, root: yaml.Node, lines: list[yaml_lines.Line]) -> list[str]:
    """The ``repo: local`` item with the runner hook, indented like the config's own repos."""
    repos = yaml_lines.entry(root, "repos", str(cfg.path))[1]
    if not isinstance(repos, yaml.SequenceNode) or repos.flow_style:
        raise ConfigError(
            f"{cfg.path}: repos is a flow list; write it as a block list, then run infra migrate again"
        )
    first = repos.value[0]
    key = first.start_mark.column
    dash = lines[first.start_mark.line].text.rfind("-", 0, key)
    hook_dash, hook_key = key + 2, key + 4
    for repo in repos.value:
        hooks = yaml_lines.value(repo, "hooks")
        if isinstance(hooks, yaml.SequenceNode) and not hooks.flow_style:
            hook_key = hooks.value[0].start_mark.column
            hook_dash = lines[hooks.value[0].start_mark.line].text.rfind("-", 0, hook_key)
            break
    item = " " * dash + "-" + " " * (key - dash - 1)
    hook = " " * hook_dash + "-" + " " * (hook_key - hook_dash - 1)
    return [
        " " * dash + RUNNER_COMMENT,
        f"{item}repo: local",
        " " * key + "hooks:",
        hook + RUNNER_KEYS[0],
        *(" " * hook_key + k for k in RUNNER_KEYS[1:]),
    ]


def migrate(path: Path, *, write: bool) -> Migration:
    """Migrate the config at ``path``; written (after the safety checks) only when ``write``."""
    cfg = config.load(path)
    result = migrate_text(cfg)
    if result.text != cfg.text:
        _write_checked(path, result.text, lambda after: _check_migration(cfg, after), write=write)
    return result


def revert(path: Path, *, write: bool) -> Reversion:
    """Undo ``infra migrate`` on the config at ``path``; written only when ``write``."""
    cfg = config.load(path)
    result = revert_text(cfg.text, path)
    if result.text != cfg.text:
        _write_checked(path, result.text, lambda after: None, write=write)
    return result


def _check_migration(before: Config, after: Config) -> None:
    if revert_text(after.text, after.path).text != before.text:
        raise ConfigError("it would not revert to the original bytes")
    if _data(before.text) != _data(after.text):
        raise ConfigError("it would change more than the stages")
    lost = [h.key for h in before.hooks_for_stage(PRE_PUSH)]
    kept = [h.key for h in after.hooks_for_stage(PRE_PUSH)]
    if lost != kept:
        raise ConfigError(f"the planned hooks would change from {lost} to {kept}")


def _data(text: str) -> Any:
    """The config's data, minus every ``stages``/``default_stages`` and the runner's repo."""
    data = yaml.load(text, Loader=config_file.Loader)
    data.pop("default_stages", None)
    data["repos"] = [r for r in data["repos"] if [h["id"] for h in r["hooks"]] != [RUNNER_HOOK_ID]]
    for repo in data["repos"]:
        for hook in repo["hooks"]:
            hook.pop("stages", None)
    return data


def _write_checked(path: Path, text: str, check: Callable[[Config], None], *, write: bool) -> None:
    """Load ``text`` as a config beside ``path``, run ``check`` on it, then replace ``path``."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".infra-tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        try:
            check(config.load(tmp))
        except ConfigError as exc:
            problem = str(exc).replace(str(tmp), path.name)
            raise ConfigError(
                f"{path}: not rewritten: {problem}; migrate this config by hand (see README)"
            ) from None
        if write:
            shutil.copymode(path, tmp)
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
