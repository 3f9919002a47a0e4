"""A session run in progress: its context, and what its hooks have produced so far.

``Ctx`` is what every runner of a session sees (the project, the session, the push's change
set, the options, the deadline, the environment); ``Outcome`` collects the verdicts, the
accounting (CPU, memory, tests selected) and, until the session's hooks have all run, the
charges of pre-commit's modified-files check with their evidence, settled against the other
sessions of the run at the end (``settle``, ``infra.claims``).
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from infra import changes, claims, modified, run, selection, wire
from infra.plan import Session
from infra.project import Project
from infra.results import HookResult, SelectionCounts, Status


class Options(NamedTuple):
    all_files: bool = False
    full: bool = False  # ignore testmon selection
    run_id: str = "manual"
    timeout: float | None = None


class Ctx(NamedTuple):
    project: Project
    session: Session
    change: changes.ChangeSet
    options: Options
    deadline: float | None
    env: dict[str, str]

    @property
    def root(self) -> Path:
        return self.project.root

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.1, self.deadline - time.monotonic())

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


class Charge(NamedTuple):
    """A hook's result before pre-commit's modified-files check, and the files it is charged with
    (file -> evidence, ``infra.claims``). ``output``: what to print if the charge stands."""

    result: HookResult
    files: Mapping[str, int]
    output: str = ""
    rerunnable: bool = False  # a direct hook: ``infra.ties`` may run it again to settle a tie


class Outcome:
    def __init__(self) -> None:
        self.hooks: dict[str, HookResult] = {}
        self.pending: dict[str, Charge] = {}
        self.cpu_s = 0.0
        self.peak_rss_mb = 0.0
        self.selected: int | None = None
        self.deselected = 0
        self.failed_tests = 0
        self.modes: list[selection.Decision] = []
        self.workers = 0
        self.tree: modified.Snapshot = {}
        self.start: modified.Snapshot = {}  # the tree when the session's first hook started
        self.longest_s = 0.0  # the longest single test or hook process (a push's lower bound)

    def fork(self) -> Outcome:
        """A fresh outcome for one of several pytest processes run at once (merged after)."""
        forked = Outcome()
        forked.tree = self.tree
        return forked

    def merge(self, other: Outcome) -> None:
        self.hooks.update(other.hooks)
        self.pending.update(other.pending)
        self.cpu_s += other.cpu_s
        self.peak_rss_mb = max(self.peak_rss_mb, other.peak_rss_mb)
        if other.selected is not None:
            self.selected = (self.selected or 0) + other.selected
        self.deselected += other.deselected
        self.failed_tests += other.failed_tests
        self.modes += other.modes
        self.workers = max(self.workers, other.workers)
        self.longest_s = max(self.longest_s, other.longest_s)

    def tree_changes(self, root: Path) -> list[str]:
        """Files the last hook left modified (pre-commit's check); moves the snapshot on."""
        after = modified.snapshot(root)
        changed, self.tree = modified.changed(self.tree, after), after
        return changed

    def show(self, result: run.Result, *, failed: bool) -> None:
        if failed or os.environ.get(wire.VERBOSE):
            print(f"$ {shlex.join(result.cmd)}\n{result.output.rstrip()}", flush=True)

    def add(self, hook: HookResult) -> None:
        self.hooks[hook.key] = hook

    def charge(
        self, result: HookResult, files: Mapping[str, int], output: str = "", *, rerunnable: bool = False
    ) -> None:
        """``result``, unless the files it is charged with say otherwise once settled."""
        if files:
            self.pending[result.key] = Charge(result, files, output, rerunnable)
        else:
            self.add(result)

    def settle(self, ctx: Ctx) -> None:
        """Publish this session's charges, then keep each one no other session holds stronger
        evidence for; a hook left with a charge fails, naming the files."""
        mine: dict[str, int] = {}
        for c in self.pending.values():
            for path, level in c.files.items():
                mine[path] = max(level, mine.get(path, claims.UNSEEN))
        claims.publish(ctx.root, ctx.options.run_id, ctx.session.name, mine)
        if not self.pending:
            return
        elsewhere = claims.others(ctx.root, ctx.options.run_id, ctx.session.name, ctx.deadline)
        ties: dict[str, claims.Tie] = {}
        for key, c in self.pending.items():
            kept = sorted(p for p, level in c.files.items() if level >= elsewhere.get(p, claims.UNSEEN))
            if kept and c.rerunnable and all(c.files[p] <= claims.TIMED for p in kept):
                clean = [p for p in kept if p not in self.start]  # restorable from the index
                ties[key] = claims.Tie(tuple(kept), tuple(clean), c.result.to_dict())
            result = c.result
            if kept:
                why = f"files were modified by this hook: {', '.join(kept)}"
                failed = result.status is Status.FAILED
                result = replace(
                    result,
                    status=Status.FAILED,
                    reason=f"{result.reason}; {why}" if failed else why,
                    modified=tuple(kept),
                )
            if c.output and result.status is Status.FAILED:
                print(c.output, flush=True)
            self.hooks[key] = result
        self.pending.clear()
        if ties:
            claims.stand(ctx.root, ctx.options.run_id, ctx.session.name, ties)

    def account(self, result: run.Result) -> None:
        self.cpu_s += result.cpu_s
        self.peak_rss_mb = max(self.peak_rss_mb, result.peak_rss_mb)

    def counts(self) -> SelectionCounts:
        if self.selected is None:
            return SelectionCounts(mode="none", why="no pytest hook ran", longest_s=self.longest_s)
        modes = sorted({d.mode for d in self.modes})
        return SelectionCounts(
            selected=self.selected,
            deselected=self.deselected,
            failed=self.failed_tests,
            mode="+".join(modes),
            why="; ".join(sorted({d.why for d in self.modes})),
            workers=self.workers,
            longest_s=self.longest_s,
        )
