"""The host: the program that owns a repository's hooks config and its git ``pre-push`` hook.

infra plans and runs most hooks itself, but it still leans on the host for four things: the
config's validation, the hooks it delegates (remote, meta, other languages: run through the
host over a config that holds just them), reading those hooks' verdicts back from the host's
output, and the git hook that starts a push (``infra migrate``, ``infra doctor``). Two hosts
read the same ``.pre-commit-config.yaml``: pre-commit and prek, its Rust re-implementation.
They differ in flags, in what their output carries and in the hook script they install, so
everything that differs lives behind ``Host`` (one module per host, in a literal registry),
and callers ask :func:`detect` which one a repository uses:

1. the host whose hook is installed (``git rev-parse --git-path hooks/pre-push``, so
   ``core.hooksPath`` is followed), since that is what runs at the next push;
2. else ``[tool.infra] host = "prek"`` (or ``"pre-commit"``) in ``pyproject.toml``;
3. else pre-commit.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from infra import run
from infra.errors import ConfigError
from infra.hosts import base, pre_commit, prek
from infra.hosts.base import NO_FILE, Host, Script, Verdict
from infra.results import Status

if TYPE_CHECKING:
    from infra.config import Hook

__all__ = [
    "DEFAULT",
    "HOSTS",
    "NO_FILE",
    "Host",
    "Installed",
    "Script",
    "Verdict",
    "configured",
    "detect",
    "hook_path",
    "installed",
    "match",
    "validate",
]

HOSTS: dict[str, Host] = {
    pre_commit.HOST.name: pre_commit.HOST,
    prek.HOST.name: prek.HOST,
}
DEFAULT = pre_commit.HOST.name


class Installed(NamedTuple):
    """The repository's ``pre-push`` git hook script."""

    path: Path
    host: Host | None  # None: a script neither host wrote
    script: Script
    legacy: bool  # a ``pre-push.legacy`` is there too (the host runs it first: "migration mode")


def hook_path(root: Path) -> Path | None:
    """Where git looks for the ``pre-push`` hook (``core.hooksPath`` honoured); None outside git."""
    out = run.git(root, "rev-parse", "--git-path", "hooks/pre-push", check=False).strip()
    return root / out if out else None


def installed(root: Path) -> Installed | None:
    """The installed ``pre-push`` hook and the host it starts; None when there is none."""
    path = hook_path(root)
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    host = next((h for h in HOSTS.values() if h.owns(text)), None)
    legacy = path.with_name(f"{path.name}.legacy").is_file()
    return Installed(path, host, base.script(text), legacy)


def configured(root: Path) -> Host | None:
    """The host ``[tool.infra] host`` names in ``root/pyproject.toml``; None when unset."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); fix the file") from None
    table = data.get("tool", {}).get("infra", {})
    name = table.get("host") if isinstance(table, dict) else None
    if name is None:
        return None
    if name not in HOSTS:
        choices = " or ".join(f'"{n}"' for n in HOSTS)
        raise ConfigError(f"{path}: [tool.infra] host must be {choices}, not {name!r}")
    return HOSTS[name]


def detect(root: Path) -> Host:
    """The installed hook's host, else the configured one, else pre-commit."""
    hook = installed(root)
    if hook is not None and hook.host is not None:
        return hook.host
    return configured(root) or HOSTS[DEFAULT]


def match(verdicts: Sequence[Verdict], hooks: Sequence[Hook]) -> list[Status | None]:
    """Each of ``hooks``' status (None: the host gave it none), from verdicts in any order.

    A verdict with an id goes to the first hook with that id not yet matched, one without (a
    prek skip) to the first with that name; a nameless verdict whose name fits none (a remote
    hook's name comes from its manifest, unknown here) goes to the first hook left. A verdict
    with an id no hook has matches nothing.
    """
    found: list[Status | None] = [None] * len(hooks)
    ordered = sorted(verdicts, key=lambda v: v.hook_id is None)  # ids first: they are certain
    left = [v for v in ordered if not _put(found, hooks, v, _fits(v)) and v.hook_id is None]
    for verdict in left:
        _put(found, hooks, verdict, lambda hook: True)
    return found


def _fits(verdict: Verdict) -> Callable[[Hook], bool]:
    if verdict.hook_id is not None:
        return lambda hook: hook.id == verdict.hook_id
    return lambda hook: hook.name == verdict.name


def _put(
    found: list[Status | None], hooks: Sequence[Hook], verdict: Verdict, fits: Callable[[Hook], bool]
) -> bool:
    for n, hook in enumerate(hooks):
        if found[n] is None and fits(hook):
            found[n] = verdict.status
            return True
    return False


def validate(host: Host, config: Path, cwd: Path) -> None:
    """``host validate-config``; a config it rejects raises ``ConfigError`` (one line)."""
    result = run.run(host.validate_argv(config), cwd=cwd)
    if result.returncode:
        summary = host.error_summary(result.output)
        raise ConfigError(f"{config}: {host.name} validate-config: {summary}; fix the config")
