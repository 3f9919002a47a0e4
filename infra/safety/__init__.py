"""The mutation harness: on every mutation, ``nox -t prepush`` gives pre-commit's verdicts.

Issue 13's promise is verdict fidelity: hook by hook, the consolidated, incremental push says
what ``pre-commit run --hook-stage pre-push --from-ref X --to-ref Y`` says on the same range.
Comparing a full run with an incremental one (the harness's first form) cannot see execution
bugs both share (a dropped wrapper step, an unchecked modified file, a merged ``cd`` hook), so
pre-commit itself is the reference here. Mutations come from two generated repositories
(``infra example create`` and ``--shape src``), grouped in the classes of issue 13
(``model.CLASSES``): ``python -m infra.safety --list`` prints the catalogue.
"""

from __future__ import annotations

from pathlib import Path

from infra.safety import example_catalogue, src_catalogue
from infra.safety.harness import NoxRun, Outcome, check, figures, judge
from infra.safety.model import CLASSES, Mutation

__all__ = ["CLASSES", "Mutation", "NoxRun", "Outcome", "catalogue", "check", "figures", "judge"]


def catalogue(repo: str, root: Path | None = None) -> list[Mutation]:
    """The mutations for ``repo`` ("example" needs its ``root``: they are derived from its files)."""
    if repo == "src":
        return src_catalogue.catalogue()
    if root is None:
        raise ValueError("the example's catalogue is derived from a generated repository: pass its root")
    return example_catalogue.catalogue(root)
