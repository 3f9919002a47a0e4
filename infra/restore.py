"""Which deselected tests must run anyway: one definition for the writer and both readers.

``infra.selection`` writes the spec (a JSON file named by ``INFRA_RESTORE``); the pytest
plugin (``infra.pytest_report``) puts those tests back after testmon's deselection, and
``infra.preselect`` asks the same question before deciding that no pytest process is needed.
Kept free of heavy imports: the plugin loads it into every consolidated pytest process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from infra import wire
from infra.attribution import owns

ENV = wire.RESTORE
SUBPROCESS = "<subprocess>"  # a test started a process whose reads we cannot see


class Spec(NamedTuple):
    targets: Sequence[str]  # everything these own runs (always-full hooks, test modules that read)
    changed: frozenset[str]  # recorded paths whose digest changed
    known: Mapping[str, Sequence[str]]  # test id -> what it read when it last ran
    tests: frozenset[str]  # ran code of a module that read a changed path

    def must_run(self, test_id: str) -> bool:
        reads = self.known.get(test_id)
        if reads is None or SUBPROCESS in reads or test_id in self.tests:
            return True
        return bool(self.changed.intersection(reads)) or any(owns(t, test_id) for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "targets": list(self.targets),
            "changed": sorted(self.changed),
            "known": {tid: list(paths) for tid, paths in self.known.items()},
            "tests": sorted(self.tests),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spec:
        return cls(
            list(data.get("targets", [])),
            frozenset(data.get("changed", [])),
            dict(data.get("known", {})),
            frozenset(data.get("tests", [])),
        )


def write(path: Path, spec: Spec) -> None:
    from infra import state  # not at import: the pytest plugin reads specs, never writes them

    state.write_atomic(path, json.dumps(spec.to_dict()))


def read(path: str | Path) -> Spec:
    return Spec.from_dict(json.loads(Path(path).read_text()))


def any_must_run(spec: Spec, test_ids: Iterable[str]) -> bool:
    return any(spec.must_run(t) for t in test_ids)
