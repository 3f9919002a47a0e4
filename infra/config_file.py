"""The config file as pre-commit reads it: text, YAML (with each node's line) and schema check.

``config.py`` turns the validated data into ``Hook`` records; everything before that lives here,
where a broken file becomes one ``ConfigError`` line naming the file (and the line, when the
error is in a hook), and a big config still loads fast (strings, lists and mappings are built
straight from the nodes). ``Loader`` is also what ``infra migrate`` parses with.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from infra.errors import ConfigError

MAX_CONFIG_BYTES = 5 * 1024 * 1024

try:
    Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    Loader = yaml.SafeLoader


def read_text(path: Path) -> str:
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


def parse_yaml(path: Path, text: str) -> tuple[Any, yaml.Node | None]:
    try:
        loader = Loader(text)  # one parse: the nodes (for line numbers) and the data built from them
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


def validate(path: Path, data: Any, nodes: yaml.Node | None) -> dict[str, Any]:
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
            for hook_id_seen, line in hook_lines(nodes):
                if hook_id_seen == hook_id:
                    return line
    return 0


def hook_lines(nodes: yaml.Node | None) -> list[tuple[str, int]]:
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
