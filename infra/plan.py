"""Group the hooks pre-commit runs at pre-push into consolidated sessions (pure: no I/O).

The rules, in order; the first that applies places a hook, and its reason is recorded:

1. ``[tool.infra.sessions]`` in pyproject.toml names the hook's session.
2. pytest hooks that target the same test file share a session, the session of the first of
   them in config order.
3. pytest hooks we consolidate go to the ``pytest`` session: pytest + plugins + conftest
   start-up is the cost every per-hook invocation paid again (seconds each on a real project),
   so hooks that can share one process must share one session to pay it once.
4. Everything else gets a domain read from the hook: its id, then its ``files`` filter, script
   path, test paths and tool, matched against a fixed keyword table (``infra.domains.DOMAINS``).
5. Anything else goes to ``misc``.

Inside a session, pytest hooks are merged into one pytest invocation only when their
effective configuration is identical (rootdir, ini file, conftests that define hooks, options
that shape the run, environment launcher). pytest hooks whose rootdir is not the session's
main one get a session of their own, ``<session>-<rootdir>``, so the two run in parallel.
A pytest hook measured by pytest-cov (``--cov`` in its options or the ini's ``addopts``) runs
as written: its coverage report and ``--cov-fail-under`` depend on exactly which tests run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from infra.classify import SYSTEM_LANGUAGES, Classified, Kind, in_cwd
from infra.config import Hook
from infra.domains import domain_of
from infra.pytestcfg import PytestConfig, target_path

PROJECT_ENV_LAUNCHERS = frozenset({"uv", "poetry", "pipenv", "pdm", "hatch"})


class Member(NamedTuple):
    hook: Hook
    classified: Classified
    runner: Runner
    reason: str  # why this session
    pytest_group: str | None  # the merge key of its pytest invocation

    def pytest_targets(self, filenames: Sequence[str]) -> list[str]:
        """What this pytest hook passes pytest: its targets, plus the matching files with
        pass_filenames (as written: relative to the directory its wrapper ``cd``s to)."""
        call = self.classified.pytest
        assert call is not None
        return [*call.targets, *(filenames if self.hook.pass_filenames else ())]

    def repo_targets(self, filenames: Sequence[str]) -> list[str]:
        """The same targets relative to the repository root (node ids are reported so)."""
        call = self.classified.pytest
        assert call is not None
        return [in_cwd(call.cwd, t) for t in self.pytest_targets(filenames)]


class Session(NamedTuple):
    name: str
    members: tuple[Member, ...]

    @property
    def hook_keys(self) -> tuple[str, ...]:
        return tuple(m.hook.key for m in self.members)

    def definition_hash(self) -> str:
        """Changes whenever what the session runs changes (for ledgers and testmon data)."""
        blob = json.dumps([_member_dict(m) for m in self.members], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Plan(NamedTuple):
    sessions: tuple[Session, ...]
    notes: tuple[str, ...]

    def session(self, name: str) -> Session:
        for s in self.sessions:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": [
                {
                    "name": s.name,
                    "definition_hash": s.definition_hash(),
                    "hooks": [_member_dict(m) for m in s.members],
                }
                for s in self.sessions
            ],
            "hook_count": sum(len(s.members) for s in self.sessions),
            "notes": list(self.notes),
        }


def _member_dict(m: Member) -> dict[str, Any]:
    return {
        "key": m.hook.key,
        "id": m.hook.id,
        "line": m.hook.line,
        "kind": m.classified.kind.value,
        "runner": m.runner.value,
        "files": m.hook.files,
        "always_run": m.hook.always_run,
        "pass_filenames": m.hook.pass_filenames,
        "entry": m.hook.entry,
        "args": list(m.hook.args),
        "pytest_group": m.pytest_group,
        "reason": m.reason,
    }


class Runner(StrEnum):
    """How a member runs (the value is what plans and reports show)."""

    PYTEST = "pytest"  # merged into one pytest process with the hooks of its configuration
    DIRECT = "direct"  # its entry as written, as pre-commit runs it
    HOST = "pre-commit"  # through the repository's host (remote, meta, other languages)


def runner_for(hook: Hook, classified: Classified, run_as_written: frozenset[str]) -> Runner:
    """How a member runs: merged into pytest, its entry directly, or through the host."""
    if classified.kind in (Kind.REMOTE, Kind.META):
        return Runner.HOST
    if hook.language in SYSTEM_LANGUAGES:
        direct = True
    elif hook.language == "python":
        first_word = (hook.entry or "").split()[:1]
        launched = bool(first_word) and first_word[0] in PROJECT_ENV_LAUNCHERS
        direct = launched or not hook.additional_dependencies
    else:
        direct = False
    if not direct:
        return Runner.HOST
    call = classified.pytest
    if call is not None and hook.id not in run_as_written and uses_project_env(call.launcher):
        return Runner.PYTEST
    return Runner.DIRECT


def uses_project_env(launcher: tuple[str, ...]) -> bool:
    """``uv run``/``poetry run``/... with no options, or no launcher: the environment nox runs in."""
    return not launcher or (launcher[0] in PROJECT_ENV_LAUNCHERS and len(launcher) == 2)


def pytest_group_key(classified: Classified, cfg: PytestConfig | None) -> str:
    call = classified.pytest
    assert call is not None
    env = "project env"
    steps = [s for s in call.setup.split(" && ") if s and "activate" not in s and s.split()[0] != "cd"]
    if steps:
        env += f" after `{' && '.join(steps)}`"
    where = cfg.describe() if cfg is not None else "config from the tree unknown"
    options = " ".join(call.options) or "no options"
    start = f"; started in {call.cwd}/" if call.cwd != "." else ""
    return f"{where}; {options}; {env}{start}"


def plan(
    hooks: Sequence[Hook],
    classified: Mapping[str, Classified],
    pytest_configs: Mapping[str, PytestConfig | None],
    *,
    overrides: Mapping[str, str],
    run_as_written: frozenset[str] = frozenset(),
    notes: Sequence[str] = (),
) -> Plan:
    """Place every hook in exactly one session; see the module docstring for the rules."""
    measured = [h for h in hooks if (cfg := pytest_configs.get(h.key)) is not None and cfg.coverage]
    run_as_written = run_as_written | {h.id for h in measured}
    notes = [
        *notes,
        *(f"{h.id}: pytest-cov measures exactly the tests it runs (--cov): run as written" for h in measured),
    ]
    placed: dict[str, tuple[str, str]] = {}
    by_file: dict[str, str] = {}
    for hook in hooks:
        c = classified[hook.key]
        runner = runner_for(hook, c, run_as_written)
        if hook.id in overrides:
            placed[hook.key] = (overrides[hook.id], "assigned in [tool.infra.sessions]")
            continue
        files = (
            [target_path(t) for t in c.pytest.repo_targets] if c.pytest and runner is Runner.PYTEST else []
        )
        shared = next((by_file[f] for f in files if f in by_file), None)
        if shared is not None:
            placed[hook.key] = (placed[shared][0], f"shares a test file with {shared}")
        elif runner is Runner.PYTEST:
            placed[hook.key] = ("pytest", "pytest hooks share one session: start-up paid once")
        else:
            placed[hook.key] = domain_of(hook, c)
        for f in files:
            by_file.setdefault(f, hook.key)
    placed = _split_by_pytest_config(hooks, classified, pytest_configs, placed)
    return _assemble(hooks, classified, pytest_configs, placed, run_as_written, notes)


def _split_by_pytest_config(
    hooks: Sequence[Hook],
    classified: Mapping[str, Classified],
    pytest_configs: Mapping[str, PytestConfig | None],
    placed: dict[str, tuple[str, str]],
) -> dict[str, tuple[str, str]]:
    """Hooks whose pytest rootdir is not the session's main one move to ``<session>-<rootdir>``."""
    rootdirs: dict[str, list[str]] = {}
    for hook in hooks:
        cfg = pytest_configs.get(hook.key)
        if cfg is not None and classified[hook.key].pytest is not None:
            rootdirs.setdefault(placed[hook.key][0], []).append(cfg.rootdir)
    main_rootdirs = {s: "." if "." in seen else seen[0] for s, seen in rootdirs.items() if len(set(seen)) > 1}
    out = dict(placed)
    for hook in hooks:
        cfg = pytest_configs.get(hook.key)
        session, reason = placed[hook.key]
        if cfg is None or session not in main_rootdirs or cfg.rootdir == main_rootdirs[session]:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", cfg.rootdir.lower()).strip("-")
        out[hook.key] = (f"{session}-{slug}", f"{reason}; own pytest config ({cfg.describe()})")
    return out


def _assemble(
    hooks: Sequence[Hook],
    classified: Mapping[str, Classified],
    pytest_configs: Mapping[str, PytestConfig | None],
    placed: Mapping[str, tuple[str, str]],
    run_as_written: frozenset[str],
    notes: Sequence[str],
) -> Plan:
    members: dict[str, list[Member]] = {}
    for hook in hooks:
        c = classified[hook.key]
        runner = runner_for(hook, c, run_as_written)
        group = pytest_group_key(c, pytest_configs.get(hook.key)) if runner is Runner.PYTEST else None
        session, reason = placed[hook.key]
        members.setdefault(session, []).append(Member(hook, c, runner, reason, group))
    sessions = tuple(Session(name, tuple(ms)) for name, ms in members.items())
    return Plan(sessions, tuple(notes))
