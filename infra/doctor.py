"""``infra doctor``: is the pre-push stage set up the way ``infra migrate`` leaves it?

One line per check, ``ok`` or ``FAIL`` with the fix:

* **config**: the pre-commit config is valid (an invalid one stops here: exit 2);
* **pre-push entry**: pre-commit itself (markers ignored) runs exactly one hook at pre-push,
  and it calls ``nox -t prepush``;
* **no hook lost**: every hook pre-commit ran at pre-push before the migration (the config
  reverted from its markers) is in the plan ``nox -t prepush`` runs;
* **no per-hook pytest**: no pytest hook is still run one by one by pre-commit at pre-push;
* **git hook**: ``.git/hooks/pre-push`` (or ``core.hooksPath``) is installed and executable:
  a pre-commit wrapper for pre-push with this config, a prek wrapper, or a script that runs
  ``nox -t prepush``;
* **hook starts**: the installed hook's command starts from git's environment (``PATH``
  without the environment infra runs in, no ``VIRTUAL_ENV``), dry: ``nox -t prepush --list``.
  ``infra init``'s hook is run itself in its dry mode; for pre-commit's own wrapper the one
  pre-push hook's entry is run as pre-commit would (with git's ``PATH``). A push that would
  die with "Executable `nox` not found" fails here, naming the fix;
* **ci**: when ``.github/workflows`` has workflows, one of them runs ``nox -t prepush`` (or
  lists its sessions with ``nox --list --json -t prepush``).
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from infra import classify, config, hosts, migrate, project, run
from infra.config import Config
from infra.errors import ConfigError

NOX_PREPUSH = re.compile(r"\bnox\b[^#\n]*\s(?:-t|--tags)(?:=|\s+)[\"']?prepush\b")
INSTALL = "pre-commit install --hook-type pre-push"
MIGRATE = "run `infra migrate`"
HOOK_TIMEOUT_S = 120.0


class Check(NamedTuple):
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name}: {self.detail}"
        return f"FAIL  {self.name}: {self.detail}; fix: {self.fix}"


def diagnose(root: Path, config_path: Path) -> list[Check]:
    """Every check, in order; a config that does not load raises ``ConfigError``."""
    cfg = config.load(config_path)
    top = _toplevel(config_path)
    return [
        Check("config", True, f"{config_path} is valid ({len(cfg.hooks)} hooks)"),
        entry_check(cfg),
        lost_check(root, cfg),
        pytest_check(cfg),
        git_hook_check(top, cfg),
        hook_run_check(top, cfg),
        ci_check(top or config_path.resolve().parent),
    ]


def _pushed(cfg: Config) -> list[config.Hook]:
    """The hooks pre-commit itself runs at pre-push."""
    return [h for h in cfg.hooks if migrate.PRE_PUSH in migrate.precommit_stages(h, cfg)]


def entry_check(cfg: Config) -> Check:
    name = "pre-push entry"
    pushed = _pushed(cfg)
    if len(pushed) != 1:
        many = f"{len(pushed)} hooks at pre-push, not one" + (
            f": {_some(h.key for h in pushed)}" if pushed else ""
        )
        return Check(name, False, f"pre-commit runs {many}", MIGRATE)
    hook = pushed[0]
    command = " ".join([hook.entry or "(remote entry)", *hook.args])
    if not NOX_PREPUSH.search(command):
        fix = f"set its entry to `{migrate.RUNNER_ENTRY}`" if migrate.is_runner(hook) else MIGRATE
        return Check(name, False, f"the one pre-push hook, {hook.key}, runs `{command}`", fix)
    return Check(name, True, f"pre-commit runs one hook at pre-push: {hook.key} (`{command}`)")


def lost_check(root: Path, cfg: Config) -> Check:
    name = "no hook lost"
    try:
        before = _keys_before_migration(cfg)
    except ConfigError as exc:
        fix = "restore the config from git, then run `infra migrate` again"
        return Check(name, False, f"the migration markers cannot be read back ({exc})", fix)
    the_plan = project.load(root, cfg.path).plan
    planned = {m.hook.key for s in the_plan.sessions for m in s.members}
    lost = [key for key in before if key not in planned]
    if lost:
        fix = "give each its `# infra: was [...]` marker back, or `infra migrate --revert` and migrate again"
        return Check(
            name, False, f"{len(lost)} of {len(before)} pre-push hooks are not planned: {_some(lost)}", fix
        )
    detail = (
        f"all {len(before)} hooks pre-commit ran at pre-push are planned in {len(the_plan.sessions)} sessions"
    )
    return Check(name, True, detail)


def _keys_before_migration(cfg: Config) -> list[str]:
    """Keys of the pre-push hooks of the config as it was before ``infra migrate``."""
    text = migrate.revert_text(cfg.text, cfg.path).text
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / cfg.path.name
        path.write_text(text, encoding="utf-8", newline="")
        try:
            return [h.key for h in config.load(path).hooks_for_stage(migrate.PRE_PUSH)]
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(path), f"{cfg.path} reverted")) from None


def pytest_check(cfg: Config) -> Check:
    name = "no per-hook pytest"
    pytest = [
        h.key
        for h in _pushed(cfg)
        if not migrate.is_runner(h) and classify.classify(h).kind is classify.Kind.PYTEST
    ]
    if pytest:
        return Check(
            name,
            False,
            f"pre-commit still runs {len(pytest)} pytest hooks at pre-push: {_some(pytest)}",
            MIGRATE,
        )
    return Check(name, True, "no pytest hook runs on its own at pre-push")


def git_hook_check(top: Path | None, cfg: Config) -> Check:
    name = "git hook"
    if top is None:
        return Check(
            name,
            False,
            f"{cfg.path.resolve().parent} is not in a git repository",
            f"git init, then {INSTALL}",
        )
    path = top / run.git(top, "rev-parse", "--git-path", "hooks/pre-push").strip()
    shown = _short(path, top)
    if not path.is_file():
        return Check(name, False, f"{shown} is not installed", INSTALL)
    if not os.access(path, os.X_OK):
        return Check(name, False, f"{shown} is not executable, so git never runs it", f"chmod +x {path}")
    text = path.read_text(encoding="utf-8", errors="replace")
    hook = hosts.installed(top)
    if hook is not None and hook.host is not None:
        check = _host_wrapper(name, shown, hook, top, cfg)
        if check.ok and "# infra-init:" in text:
            return check._replace(
                detail=f"{shown} is `infra init`'s: {hook.host.name}'s pre-push, the environment on PATH"
            )
        return check
    if NOX_PREPUSH.search(text):
        return Check(name, True, f"{shown} is a custom script that runs `nox -t prepush`")
    return Check(name, False, f"{shown} runs neither pre-commit, prek nor `nox -t prepush`", INSTALL)


def _host_wrapper(name: str, path: Path, hook: hosts.Installed, top: Path, cfg: Config) -> Check:
    """pre-commit's or prek's installed wrapper: the pre-push hook type, with this config."""
    assert hook.host is not None
    install = f"{hook.host.name} install --hook-type pre-push"
    if hook.script.hook_type != "pre-push":
        return Check(name, False, f"{path} is a {hook.host.name} wrapper for another hook type", install)
    used = hook.script.config
    if used and (top / used).resolve() != cfg.path.resolve():
        relative = os.path.relpath(cfg.path.resolve(), top)
        return Check(
            name, False, f"{path} runs {hook.host.name} with {used}", f"{install} --config {relative}"
        )
    legacy = f" (and {path.name}.legacy, which it runs first)" if hook.legacy else ""
    return Check(name, True, f"{path} is {hook.host.name}'s pre-push wrapper{legacy}")


def git_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment git gives a hook when the project's virtualenv is not active."""
    from infra import init

    env = {k: v for k, v in environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    drop = {str(init.environment_bin())}
    if environ.get("VIRTUAL_ENV"):
        drop.add(str(Path(environ["VIRTUAL_ENV"]) / "bin"))
    kept = [p for p in environ.get("PATH", os.defpath).split(os.pathsep) if p and p.rstrip("/") not in drop]
    env["PATH"] = os.pathsep.join(kept) or os.defpath
    return env


def hook_run_check(top: Path | None, cfg: Config, environ: Mapping[str, str] | None = None) -> Check:
    """Start the installed hook's command as git would, dry (``--list``): does it find nox?"""
    from infra import init

    name = "hook starts"
    fix = f"run `infra init` (its hook puts {init.environment_bin()} first on PATH)"
    if top is None:
        return Check(name, False, "not in a git repository", "git init, then `infra init`")
    path = top / run.git(top, "rev-parse", "--git-path", "hooks/pre-push").strip()
    if not path.is_file() or not os.access(path, os.X_OK):
        return Check(name, False, f"{_short(path, top)} is not installed (see git hook)", fix)
    env = git_environment(os.environ if environ is None else environ)
    if init.HOOK_MARK in path.read_text(encoding="utf-8", errors="replace"):
        command, env[init.DRY_RUN_ENV] = [str(path)], "1"
        shown = f"{_short(path, top)} (dry run)"
        by_hand = f"{init.DRY_RUN_ENV}=1 {shlex.quote(str(path))}"
    else:
        runner = [h for h in _pushed(cfg) if migrate.is_runner(h)]
        entry = (
            shlex.split(runner[0].entry or migrate.RUNNER_ENTRY) if runner else migrate.RUNNER_ENTRY.split()
        )
        command = [*entry, *(runner[0].args if runner else ()), "--list"]
        shown = f"`{shlex.join(command)}` as pre-commit runs it"
        by_hand = shlex.join(command)
    result = run.run(command, cwd=top, env=env, timeout=HOOK_TIMEOUT_S)
    last = (result.output.strip().splitlines() or [""])[-1].strip()
    if result.returncode == 0:
        return Check(name, True, f"{shown} starts from git's environment (no virtualenv active)")
    if result.returncode == 127:  # the shell's (and run.run's) "command not found"
        return Check(name, False, f"{shown} cannot start from git's environment: {last}", fix)
    return Check(
        name,
        False,
        f"{shown} exited with code {result.returncode}: {last}",
        f"run `{by_hand}` in {top} to see why",
    )


def ci_check(top: Path) -> Check:
    name = "ci"
    folder = top / ".github" / "workflows"
    workflows = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    if not workflows:
        return Check(name, True, "no GitHub workflows to check")
    for workflow in workflows:
        for line in workflow.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.lstrip().startswith("#") and NOX_PREPUSH.search(line):
                return Check(
                    name, True, f"{workflow.relative_to(top)} runs the same sessions: `{line.strip()}`"
                )
    fix = "add a step `nox -t prepush` to a workflow (or a matrix from `nox --list --json -t prepush`)"
    return Check(
        name, False, f"none of the {len(workflows)} workflows in .github/workflows runs `nox -t prepush`", fix
    )


def _short(path: Path, top: Path) -> Path:
    """``path`` relative to the repository when it is inside it (``.git/hooks/pre-push``)."""
    try:
        return path.resolve().relative_to(top.resolve())
    except ValueError:
        return path


def _toplevel(config_path: Path) -> Path | None:
    out = run.git(config_path.resolve().parent, "rev-parse", "--show-toplevel", check=False).strip()
    return Path(out) if out else None


def _some(keys: Iterable[str], limit: int = 5) -> str:
    items = list(keys)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
