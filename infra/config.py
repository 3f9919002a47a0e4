"""Read ``.pre-commit-config.yaml`` exactly as pre-commit does.

Validation and defaults come from pre-commit's own schema (``pre_commit.clientlib``), so a
config that ``pre-commit validate-config`` rejects is rejected here too, and every default
(``default_stages`` = every stage, ``types: [file]``, ``pass_filenames: true``, legacy stage
names, ``system`` -> ``unsupported``) is pre-commit's. What we add: one-line errors with the
file and line, the line of each hook, and a stable unique ``key`` per hook (duplicate ids are
valid in pre-commit, so ``id``, ``id#2``, ... keep them apart).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from infra.errors import ConfigError

CONFIG_FILE = ".pre-commit-config.yaml"
MAX_CONFIG_BYTES = 5 * 1024 * 1024
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

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


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
    text = _read_text(path)
    data, nodes = _parse_yaml(path, text)
    applied = _validate(path, data, nodes)
    hook_lines = _hook_lines(nodes)
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


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{path}: file is {size:,} bytes, over the {MAX_CONFIG_BYTES:,}-byte limit; "
                "is this really a pre-commit config?"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; pass --config or run in a repository root") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory; pass the config file itself") from None
    except PermissionError:
        raise ConfigError(f"{path}: permission denied; make the file readable") from None
    if b"\0" in raw:
        raise ConfigError(f"{path}: binary file (contains NUL bytes); expected YAML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def _parse_yaml(path: Path, text: str) -> tuple[Any, yaml.Node | None]:
    try:
        loader = _Loader(text)  # one parse: the nodes (for line numbers) and the data built from them
        try:
            node: yaml.Node | None = loader.get_single_node()
            data = _construct(loader, node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ConfigError(f"{path}{where}: YAML syntax error: {problem}; fix the YAML") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {str(exc).splitlines()[0]}; fix the YAML") from None
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply; fix the YAML") from None
    return data, node


_STR = "tag:yaml.org,2002:str"


def _construct(loader: Any, node: yaml.Node) -> Any:
    """``loader.construct_document(node)``, with plain strings, lists and mappings built directly.

    PyYAML's generic constructor is most of the time of loading a big config (20,000 hooks:
    1.8 s of 3.2 s); the common nodes take a few lines here, and anything else (merge keys,
    non-string scalars, other tags, keys that are not plain strings) goes to PyYAML itself, so
    the data is exactly what ``yaml.load`` gives.
    """
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        return node.value
    if isinstance(node, yaml.SequenceNode) and node.tag == "tag:yaml.org,2002:seq":
        return [_construct(loader, item) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == "tag:yaml.org,2002:map":
        keys = [k for k, _ in node.value]
        if all(isinstance(k, yaml.ScalarNode) and k.tag == _STR for k in keys):  # no `<<` merge key
            return {k.value: _construct(loader, v) for k, v in node.value}
    return loader.construct_document(node)


def _validate(path: Path, data: Any, nodes: yaml.Node | None) -> dict[str, Any]:
    import cfgv
    from pre_commit.clientlib import CONFIG_SCHEMA

    logging.getLogger("pre_commit").disabled = True  # warnings only; validate-config agrees
    try:
        cfgv.validate(data, CONFIG_SCHEMA)
    except cfgv.ValidationError as exc:
        contexts, message = _unwind(exc)
        line = _line_for_contexts(contexts, nodes)
        where = f":{line}" if line else ""
        chain = " > ".join(c.removeprefix("At ") for c in contexts[1:])
        chain = f" ({chain})" if chain else ""
        raise ConfigError(
            f"{path}{where}: {message}{chain}; fix it (pre-commit validate-config agrees)"
        ) from None
    applied: dict[str, Any] = cfgv.apply_defaults(data, CONFIG_SCHEMA)
    return applied


def _unwind(exc: Exception) -> tuple[list[str], str]:
    contexts: list[str] = []
    err: Any = exc
    while getattr(err, "ctx", None) is not None:
        contexts.append(str(err.ctx))
        err = err.error_msg
    message = err.error_msg if hasattr(err, "error_msg") else str(err)
    return contexts, " ".join(str(message).split())


_HOOK_CTX = re.compile(r"^At Hook\(id=(.*)\)$")


def _line_for_contexts(contexts: Sequence[str], nodes: yaml.Node | None) -> int:
    """Best line for a validation error: the hook it names, else the top of the file."""
    for ctx in contexts:
        match = _HOOK_CTX.match(ctx)
        if match:
            hook_id = match.group(1).strip("'\"")
            for hook_id_seen, line in _hook_lines(nodes):
                if hook_id_seen == hook_id:
                    return line
    return 0


def _hook_lines(nodes: yaml.Node | None) -> list[tuple[str, int]]:
    """(id, 1-based line) of every hook mapping, in file order."""
    out: list[tuple[str, int]] = []
    for repo in _seq(_get(nodes, "repos")):
        for hook in _seq(_get(repo, "hooks")):
            id_node = _get(hook, "id")
            hook_id = id_node.value if isinstance(id_node, yaml.ScalarNode) else ""
            out.append((str(hook_id), hook.start_mark.line + 1))
    return out


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.Node):
                return v
    return None


def _seq(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


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
