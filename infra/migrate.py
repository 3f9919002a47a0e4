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
before: the config stays the one source of truth. ``revert_text`` undoes all of it from the
markers alone, byte for byte. Nothing is written unless the result is a valid config that
reverts to the original bytes, holds the same data apart from the stages, and plans the
same hooks at pre-push.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from infra import config
from infra.config import RUNNER_HOOK_ID, Config, Hook
from infra.errors import ConfigError

PRE_PUSH = "pre-push"
MANUAL = "manual"
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
_NEWLINE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks, so rows match marks


class Migration(NamedTuple):
    text: str
    parked: tuple[str, ...]  # keys of the hooks marked for pre-push, now parked in manual
    stageless: tuple[str, ...]  # keys of the hooks without stages: no longer at pre-push in pre-commit
    default_stages: str  # "added", "rewritten" or "" (left alone)
    runner_added: bool


class Reversion(NamedTuple):
    text: str
    restored: int  # stages / default_stages lines given back their original value
    removed: tuple[str, ...]  # what migrate had added and revert took out


class _Line(NamedTuple):
    text: str
    end: str  # the line break ("" for a last line without one)


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
    lines = _split(cfg.text)
    root = yaml.compose(cfg.text, Loader=config._Loader)
    assert root is not None  # load() validated a mapping with repos
    edits: dict[int, str] = {}
    parked = []
    for hook, node in zip(cfg.hooks, _hook_nodes(root), strict=True):
        if PRE_PUSH in precommit_stages(hook, cfg) and hook.raw.get("stages") and not is_runner(hook):
            where = f"{cfg.path}:{hook.line}: hook {hook.key}"
            edits.update(_rewrite(lines, *_entry(node, "stages", where), where))
            parked.append(hook.key)
    stageless = tuple(h.key for h in cfg.hooks if not h.raw.get("stages"))
    runner_added = not any(is_runner(h) for h in cfg.hooks)
    added = _runner_block(cfg, root, lines) if runner_added else []
    default_change = ""
    if _value(root, "default_stages") is None:
        added.append(
            " " * root.start_mark.column + f"default_stages: {_flow(_stages_but_push())}{MARK}{EVERY_STAGE}"
        )
        default_change = "added"
    elif PRE_PUSH in cfg.default_stages:
        key, value = _entry(root, "default_stages", f"{cfg.path}: default_stages")
        edits.update(_rewrite(lines, key, value, f"{cfg.path}: default_stages"))
        default_change = "rewritten"
    new = [line._replace(text=edits.get(row, line.text)) for row, line in enumerate(lines)]
    if added:
        _insert(new, _last_row(_value(root, "repos"), lines), added)
    stageless = stageless if default_change else ()
    return Migration(_join(new), tuple(parked), stageless, default_change, runner_added)


def _stages_but_push() -> list[str]:
    from pre_commit.clientlib import STAGES

    rest = [s for s in STAGES if s not in (PRE_PUSH, "pre-commit", MANUAL)]
    return ["pre-commit", *rest, MANUAL]


def _rewrite(lines: list[_Line], key: yaml.Node, value: yaml.Node, where: str) -> dict[int, str]:
    """The edited rows of one ``stages:`` entry; same number of rows."""
    row, text = key.start_mark.line, lines[key.start_mark.line].text
    if not isinstance(value, yaml.SequenceNode) or not all(
        isinstance(n, yaml.ScalarNode) and n.start_mark.line == n.end_mark.line for n in value.value
    ):
        raise ConfigError(f"{where}: write each stage name on one line, then run infra migrate again")
    written = [str(n.value) for n in value.value]
    from pre_commit.clientlib import transform_stage

    kept = [s for s in written if transform_stage(s) != PRE_PUSH]
    new = _flow(kept if MANUAL in kept else [*kept, MANUAL])
    if value.flow_style and value.start_mark.line == value.end_mark.line == row:
        start, end = value.start_mark.column, value.end_mark.column
        return {row: text[:start] + new + MARK + text[start:end] + text[end:]}
    if not value.flow_style and value.value:
        colon = text.index(":", key.end_mark.column)
        last = value.value[-1].end_mark.line
        count = f"{last - row} line{'s' if last - row > 1 else ''} below"
        head = f"{text[: colon + 1]} {new}{MARK}{_flow(written)} ({count})"
        parked = {r: _park(lines[r].text) for r in range(row + 1, last + 1)}
        return {row: head + text[colon + 1 :], **parked}
    raise ConfigError(
        f"{where}: write stages on one line (`stages: [pre-push]`) or as a block list, "
        "then run infra migrate again"
    )


def _park(text: str) -> str:
    body = text.lstrip(" \t")
    return text[: len(text) - len(body)] + PARKED + (f" {body}" if body else "")


def _runner_block(cfg: Config, root: yaml.Node, lines: list[_Line]) -> list[str]:
    """The ``repo: local`` item with the runner hook, indented like the config's own repos."""
    repos = _entry(root, "repos", str(cfg.path))[1]
    if not isinstance(repos, yaml.SequenceNode) or repos.flow_style:
        raise ConfigError(
            f"{cfg.path}: repos is a flow list; write it as a block list, then run infra migrate again"
        )
    first = repos.value[0]
    key = first.start_mark.column
    dash = lines[first.start_mark.line].text.rfind("-", 0, key)
    hook_dash, hook_key = key + 2, key + 4
    for repo in repos.value:
        hooks = _value(repo, "hooks")
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


def revert_text(text: str, where: Path) -> Reversion:
    """``text`` as it was before ``infra migrate`` (pure); the markers carry everything needed."""
    lines = _split(text)
    out: list[_Line] = []
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
            _remove(out, row, row + 1)
            removed.append("default_stages line")
            break
    if _remove_runner(out, where):
        removed.append(f"{RUNNER_HOOK_ID} hook")
    return Reversion(_join(out), restored, tuple(removed))


def _unpark(rows: Iterator[tuple[int, _Line]], count: int, where: str) -> list[_Line]:
    out = []
    for _ in range(count):
        _, line = next(rows, (-1, _Line("", "")))
        match = _PARKED_LINE.match(line.text)
        if match is None:
            raise ConfigError(
                f"{where}: expected {count} `{PARKED}` line(s) below this marker; restore them, "
                "or restore the config from git"
            )
        out.append(line._replace(text=match["indent"] + (match["rest"] or "")))
    return out


def _remove_runner(lines: list[_Line], where: Path) -> bool:
    expected = [_words(t) for t in ("- repo: local", "hooks:", f"- {RUNNER_KEYS[0]}", *RUNNER_KEYS[1:])]
    for row, line in enumerate(lines):
        if line.text.strip() == RUNNER_COMMENT:
            found = [_words(x.text) for x in lines[row + 1 : row + 1 + len(expected)]]
            if found != expected:
                raise ConfigError(
                    f"{where}:{row + 1}: the {RUNNER_HOOK_ID} block below this comment was edited; "
                    "remove it by hand"
                )
            _remove(lines, row, row + 1 + len(expected))
            return True
    return False


def _words(text: str) -> str:
    return " ".join(text.split())


def _split(text: str) -> list[_Line]:
    lines, pos = [], 0
    for match in _NEWLINE.finditer(text):
        lines.append(_Line(text[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(text):
        lines.append(_Line(text[pos:], ""))
    return lines


def _join(lines: Sequence[_Line]) -> str:
    return "".join(line.text + line.end for line in lines)


def _insert(lines: list[_Line], row: int, texts: Sequence[str]) -> None:
    """Insert ``texts`` after ``row``; at an unterminated last row the last new line stays so."""
    newline = next((line.end for line in lines if line.end), "\n")
    end = lines[row].end
    lines[row] = lines[row]._replace(end=end or newline)
    added = [_Line(t, newline) for t in texts]
    added[-1] = added[-1]._replace(end=end and newline)
    lines[row + 1 : row + 1] = added


def _remove(lines: list[_Line], start: int, stop: int) -> None:
    """Delete ``lines[start:stop]``, the inverse of ``_insert``."""
    if stop == len(lines) and not lines[stop - 1].end and start > 0:
        lines[start - 1] = lines[start - 1]._replace(end="")
    del lines[start:stop]


def _last_row(node: yaml.Node, lines: list[_Line]) -> int:
    """The last row holding content of ``node`` (comments and blank lines after it excluded)."""
    row = max(n.end_mark.line - (n.end_mark.column == 0) for n in _leaves(node))
    while row > 0 and not lines[row].text.strip():
        row -= 1
    return row


def _leaves(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _leaves(item)
    else:
        for key, value in node.value:
            yield from _leaves(key)
            yield from _leaves(value)


def _hook_nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    for repo in _value(root, "repos").value:
        yield from _value(repo, "hooks").value


def _value(node: yaml.Node, name: str) -> Any:
    """The value node of key ``name`` in mapping ``node``, or None."""
    return next((value for key, value in node.value if key.value == name), None)


def _entry(node: yaml.Node, name: str, where: str) -> tuple[yaml.Node, yaml.Node]:
    """Key and value nodes of ``name``, in a mapping that must be written in block style."""
    if getattr(node, "flow_style", False):
        raise ConfigError(
            f"{where}: written as a flow mapping {{...}}; write it as a block, then run infra migrate again"
        )
    return next((key, value) for key, value in node.value if key.value == name)


def _flow(stages: Sequence[str]) -> str:
    return "[" + ", ".join(stages) + "]"


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
    data = yaml.load(text, Loader=config._Loader)
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
