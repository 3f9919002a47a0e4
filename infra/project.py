"""Load a repository's plan: config + settings + the tree -> ``plan.Plan`` (the I/O side)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from infra import classify, config, plan, pytestcfg, settings

STAGE = "pre-push"


class Project(NamedTuple):
    root: Path
    settings: settings.Settings
    config: config.Config
    plan: plan.Plan
    has_tree: bool


def _has_tree(config_path: Path) -> bool:
    directory = config_path.resolve().parent
    return any((d / ".git").exists() for d in (directory, *directory.parents))


def load(root: Path, config_path: Path | None = None, environ: dict[str, str] | None = None) -> Project:
    """Plan the hooks pre-commit runs at pre-push (from ``config_path`` or ``[tool.infra] config``)."""
    conf = settings.load(root, environ)
    path = config_path or conf.config
    cfg = config.load(path)
    hooks = cfg.hooks_for_stage(STAGE)
    classified = {h.key: classify.classify(h) for h in hooks}
    tree = _has_tree(path)
    tree_root = path.resolve().parent
    pytest_configs: dict[str, pytestcfg.PytestConfig | None] = {}
    known: dict[tuple[tuple[str, ...], tuple[str, ...]], pytestcfg.PytestConfig] = {}
    for hook in hooks:
        call = classified[hook.key].pytest
        if call is None or not tree:
            pytest_configs[hook.key] = None
            continue
        # only the targets' paths matter (node ids do not): hooks naming tests of one file share it
        paths = tuple(pytestcfg.target_path(t) for t in call.repo_targets or (call.cwd,))
        if (paths, call.options) not in known:
            known[paths, call.options] = pytestcfg.effective(tree_root, paths, call.options)
        pytest_configs[hook.key] = known[paths, call.options]
    notes = (
        []
        if tree
        else [
            f"{path}: no repository tree beside the config: planned from the config alone, "
            "pytest configurations (rootdir, ini file, conftests) could not be compared"
        ]
    )
    migrated = [h.key for h in hooks if h.migrated]
    if migrated:
        notes.append(f"{len(migrated)} hooks parked in `manual` by `infra migrate` are planned at pre-push")
    the_plan = plan.plan(
        hooks,
        classified,
        pytest_configs,
        overrides=conf.sessions,
        run_as_written=conf.run_as_written,
        notes=notes,
    )
    return Project(root, conf, cfg, the_plan, tree)
