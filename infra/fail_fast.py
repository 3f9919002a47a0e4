"""pre-commit's ``fail_fast``: the hooks pre-commit would not have run.

pre-commit runs hooks one after another, in config order, and stops after a failing hook when
``fail_fast`` is set for the whole config or for that hook: the hooks after it never run and
report nothing. Sessions here run side by side, so those hooks did run, and reporting their own
verdicts would name failures pre-commit does not. Once every session has finished, they are
reported as pre-commit would leave them (skipped, "not run: fail_fast"), with what they did here
kept in the reason, so nothing is hidden from the user. The push fails either way: the hook
that stopped pre-commit failed.
"""

from __future__ import annotations

from dataclasses import replace

from infra import results
from infra.project import Project
from infra.results import Status


def apply(project: Project, run_id: str) -> list[str]:
    """Rewrite the run's results for ``fail_fast``; one line for the push output, if it applied."""
    found = results.read_run(project.root, run_id)
    verdicts = {h.key: h for r in found for h in r.hooks}
    order = [h for h in project.config.hooks if h.key in verdicts]
    stop = next(
        (
            i
            for i, hook in enumerate(order)
            if verdicts[hook.key].status is Status.FAILED and (project.config.fail_fast or hook.fail_fast)
        ),
        None,
    )
    if stop is None:
        return []
    first = order[stop].id
    later = {h.key for h in order[stop + 1 :]}
    for result in found:
        if later.intersection(h.key for h in result.hooks):
            hooks = tuple(
                replace(
                    h,
                    status=Status.SKIPPED,
                    reason=f"not run: fail_fast stops pre-commit after {first} (here it {h.status.value}: {h.reason})",
                )
                if h.key in later
                else h
                for h in result.hooks
            )
            results.write(project.root, replace(result, hooks=hooks))
    return [
        f"fail_fast: {first} failed, so the {len(later)} hooks after it count as not run, as under pre-commit"
    ]
