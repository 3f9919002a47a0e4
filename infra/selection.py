"""Which tests a consolidated pytest run selects (testmon), and why. Full runs for now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from infra import attribution, changes, triggers
    from infra.plan import Session
    from infra.project import Project


class Decision(NamedTuple):
    mode: str  # full | testmon | data-trigger
    why: str
    pytest_args: tuple[str, ...] = ()
    env: Mapping[str, str] = {}
    narrowed_keys: frozenset[str] = frozenset()

    def narrowed(self, key: str) -> bool:
        return key in self.narrowed_keys


def decide(
    project: Project,
    session: Session,
    group: Any,
    change: changes.ChangeSet,
    decided: Mapping[str, triggers.Trigger],
    *,
    full: bool,
) -> Decision:
    return Decision("full", "every target runs")


def record(
    project: Project, session: Session, decision: Decision, report: attribution.PytestReport | None
) -> None:
    return None
