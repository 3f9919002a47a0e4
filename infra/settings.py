"""The ``[tool.infra]`` table of ``pyproject.toml``: the few knobs a user may turn.

```toml
[tool.infra]
config = ".pre-commit-config.yaml"   # the hooks to plan
ledger = ".infra/ledger.jsonl"       # timing history (env INFRA_LEDGER wins)
keep-runs = 20                       # per-run verdict directories kept under .infra/runs/
session-timeout = 900                # seconds before a hung session is stopped
always-full = ["hook-id"]            # never narrowed by testmon (tests that use subprocesses)
run-as-written = ["hook-id"]         # never merged into a consolidated pytest call
xdist = false                        # pytest-xdist where recorded durations say it pays
warm = true                          # pytest forked from a warm process, outside CI (env INFRA_WARM wins)

[tool.infra.sessions]                # put hooks in sessions of your choosing
docs = ["check-links", "validate-adr-index"]
```

Session names become nox session names and, encoded by ``infra.state.safe_name``, file names:
a name such as ``../escape`` runs like any other and never leaves the state directory.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from infra import state
from infra.errors import ConfigError

_KEYS = {
    *("config", "ledger", "keep-runs", "session-timeout", "always-full", "run-as-written", "sessions"),
    *("reports", "host", "xdist", "warm"),  # reports, host: read by infra.team_reports and infra.hosts
}


class Settings(NamedTuple):
    root: Path
    config: Path
    ledger: Path
    session_timeout: float
    always_full: frozenset[str]
    run_as_written: frozenset[str]
    sessions: Mapping[str, str]  # hook id -> session name
    keep_runs: int = state.KEEP_RUNS
    xdist: bool = False  # opt-in: tests may behave differently under xdist (PYTEST_XDIST_WORKER)
    warm: bool = True  # pytest forked from a preloaded process (infra.warm); never in CI

    @property
    def state_dir(self) -> Path:
        return state.root_dir(self.root)


def load(root: Path, environ: Mapping[str, str] | None = None) -> Settings:
    pyproject = root / "pyproject.toml"
    table: dict[str, Any] = {}
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{pyproject}: invalid TOML ({exc}); fix the file") from None
        table = data.get("tool", {}).get("infra", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{pyproject}: [tool.infra] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{pyproject}: unknown key(s) in [tool.infra]: {', '.join(unknown)}; see README")
    env = environ or {}
    configured = _str(table, "ledger", state.DEFAULT_LEDGER, pyproject)
    return Settings(
        root=root,
        config=root / _str(table, "config", ".pre-commit-config.yaml", pyproject),
        ledger=state.resolve_ledger(root, env, configured),
        session_timeout=_number(table, "session-timeout", 900.0, pyproject),
        always_full=frozenset(_strings(table, "always-full", pyproject)),
        run_as_written=frozenset(_strings(table, "run-as-written", pyproject)),
        sessions=_sessions(table.get("sessions", {}), pyproject),
        keep_runs=_keep_runs(table, pyproject),
        xdist=_bool(table, "xdist", pyproject),
        warm=_bool(table, "warm", pyproject, default=True),
    )


def _bool(table: dict[str, Any], key: str, path: Path, default: bool = False) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [tool.infra] {key} must be true or false")
    return value


def _str(table: dict[str, Any], key: str, default: str, path: Path) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: [tool.infra] {key} must be a non-empty string")
    return value


def _number(table: dict[str, Any], key: str, default: float, path: Path) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{path}: [tool.infra] {key} must be a positive number of seconds")
    return float(value)


def _strings(table: dict[str, Any], key: str, path: Path) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.infra] {key} must be a list of hook ids")
    return value


def _sessions(table: Any, path: Path) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.infra.sessions] must be a table of session = [hook ids]")
    out: dict[str, str] = {}
    for session, ids in table.items():
        if not session or any(ch in session for ch in "\0\n\r"):
            raise ConfigError(
                f"{path}: [tool.infra.sessions] name {session!r} is empty or spans lines; rename it"
            )
        for hook_id in _strings(table, session, path):
            if hook_id in out:
                raise ConfigError(
                    f"{path}: hook {hook_id!r} is assigned to both {out[hook_id]!r} and {session!r} "
                    "in [tool.infra.sessions]; keep one"
                )
            out[hook_id] = session
        del ids
    return out


def _keep_runs(table: dict[str, Any], path: Path) -> int:
    value = table.get("keep-runs", state.KEEP_RUNS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{path}: [tool.infra] keep-runs must be a positive whole number of runs")
    return value
