"""Which hooks pre-commit would run for a set of changed files, and with which filenames.

This is pre-commit's ``Classifier`` (``commands/run.py``) rebuilt on our ``Hook``: files that
no longer exist are dropped, then the top-level ``files``/``exclude``, then the hook's
``files``/``exclude`` (``re.search``), then ``types``/``types_or``/``exclude_types`` with the
tags ``identify`` gives. A hook runs iff it is ``always_run`` or some file is left. ``SKIP``
names hooks (id or alias) that are skipped. Remote hooks are handed to pre-commit, which reads
their manifest (we do not have it) and decides for itself.

The trigger of every planned hook for a push is decided in one place, ``execute.decide_all``
(a ``Classifier`` over the change set, then ``decide`` for each hook): the nox parent of a push
(``infra.push``) and a session run on its own both call it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from identify.identify import tags_from_path

from infra.config import Hook


class Why(Enum):
    FILES = "matching files"
    ALWAYS_RUN = "always_run"
    REMOTE = "remote hook: pre-commit decides from its manifest"
    NO_FILES = "no files to check"
    SKIP_ENV = "named in SKIP"


class Trigger(NamedTuple):
    hook: Hook
    runs: bool
    why: Why
    filenames: tuple[str, ...]  # the files that passed the hook's filters


class Classifier:
    """Filters file names (relative to ``root``) the way pre-commit does."""

    def __init__(self, root: Path, filenames: Iterable[str], include: str, exclude: str) -> None:
        self.root = root
        self.filenames = [
            f for f in _include_exclude(filenames, include, exclude) if os.path.lexists(root / f)
        ]

    @functools.cache  # noqa: B019 - one Classifier per run; the cache dies with it
    def tags(self, filename: str) -> frozenset[str]:
        return frozenset(tags_from_path(str(self.root / filename)))

    def filenames_for_hook(self, hook: Hook) -> tuple[str, ...]:
        types, types_or, exclude_types = map(frozenset, (hook.types, hook.types_or, hook.exclude_types))
        out = []
        for name in _include_exclude(self.filenames, hook.files, hook.exclude):
            tags = self.tags(name)
            if tags >= types and (not types_or or tags & types_or) and not tags & exclude_types:
                out.append(name)
        return tuple(out)


def _include_exclude(names: Iterable[str], include: str, exclude: str) -> list[str]:
    include_re, exclude_re = re.compile(include), re.compile(exclude)
    return [n for n in names if include_re.search(n) and not exclude_re.search(n)]


def skips_from_env(environ: Mapping[str, str]) -> frozenset[str]:
    return frozenset(s.strip() for s in environ.get("SKIP", "").split(",") if s.strip())


def decide(classifier: Classifier, hook: Hook, skips: frozenset[str] = frozenset()) -> Trigger:
    """Does pre-commit run ``hook`` for the classifier's files, and on which of them."""
    if hook.id in skips or (hook.alias and hook.alias in skips):
        return Trigger(hook, False, Why.SKIP_ENV, ())
    names = classifier.filenames_for_hook(hook)
    if hook.is_remote:
        return Trigger(hook, True, Why.REMOTE, names)
    if names:
        return Trigger(hook, True, Why.FILES, names)
    if hook.always_run:
        return Trigger(hook, True, Why.ALWAYS_RUN, names)
    return Trigger(hook, False, Why.NO_FILES, names)
