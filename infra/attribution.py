"""Which hook owns which test, and each hook's verdict from a consolidated pytest run (pure).

A hook owns a test when one of its targets names it: a directory (everything below), a file
(every test in it), or a node id (that test, its parametrizations, and for a class its methods).
A hook fails when a test it owns fails, when a file it targets fails to collect, or when it
owns no test at all while pre-commit's own run of it would have collected none (pytest exit 5)
unless testmon deselected them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple


class PytestReport(NamedTuple):
    exitstatus: int
    tests: Mapping[str, str]  # repo-relative node id -> passed | failed | skipped
    collect_errors: Sequence[str]
    deselected: int
    durations: Mapping[str, float] = {}
    reads: Mapping[str, list[str]] = {}  # test id -> repository files it read / dirs it listed
    outside: Sequence[str] = ()  # read outside any test: start-up, collection, shared fixtures
    writes: Mapping[str, list[str]] = {}  # test id -> repository files it wrote
    outside_writes: Sequence[str] = ()  # written outside any test
    readers: Mapping[str, list[str]] = {}  # path read -> repository modules whose code read it
    rootdir: str = "."  # pytest's rootdir, relative to the repository
    collected: Sequence[str] | None = None  # narrowed: collected before testmon's deselection
    cpu_s: float = 0.0  # the pytest process's own CPU (and its reaped children's): a warm child's


class Verdict(NamedTuple):
    failed: bool
    reason: str
    owned: int
    failed_tests: tuple[str, ...]


def owns(target: str, test_id: str) -> bool:
    path, _, rest = target.partition("::")
    test_path, _, test_rest = test_id.partition("::")
    path = path.rstrip("/")
    if not rest:
        return path in ("", ".") or test_path == path or test_path.startswith(path + "/")
    return test_path == path and (
        test_rest == rest or test_rest.startswith(rest + "[") or test_rest.startswith(rest + "::")
    )


def collect_error_hits(target: str, error_id: str) -> bool:
    """A collection error in a file or directory that the target lies in or covers."""
    error_path = error_id.partition("::")[0].rstrip("/")
    path = target.partition("::")[0].rstrip("/")
    if error_path in ("", "."):
        return True
    return path == error_path or path.startswith(error_path + "/") or error_path.startswith(path + "/")


def verdict(targets: Sequence[str], report: PytestReport, *, narrowed: bool) -> Verdict:
    """The verdict for one hook. ``narrowed``: testmon may have deselected its tests."""
    errors = [e for e in report.collect_errors if any(collect_error_hits(t, e) for t in targets)]
    owned = {tid: outcome for tid, outcome in report.tests.items() if any(owns(t, tid) for t in targets)}
    failed = tuple(sorted(tid for tid, outcome in owned.items() if outcome == "failed"))
    if errors:
        return Verdict(True, f"collection error in {', '.join(sorted(set(errors)))}", len(owned), failed)
    if failed:
        return Verdict(True, f"{len(failed)} of {len(owned)} tests failed", len(owned), failed)
    if report.exitstatus == 1 and "failed" not in report.tests.values() and not report.collect_errors:
        # No test failed, yet pytest failed: a session-wide check (``pytest.exit(..., returncode=1)``
        # in a plugin's hook, a session fixture's teardown). It fails every hook of the process,
        # as it fails each hook's own pytest under pre-commit.
        return Verdict(True, "pytest exited 1 without a failed test (a session-wide check)", len(owned), ())
    if not owned:
        collected = report.collected  # None: not known (an xdist controller collects nothing)
        if (collected is None and narrowed) or any(owns(t, tid) for t in targets for tid in collected or ()):
            why = "no affected tests (testmon)" if narrowed else "tests collected, none run (--collect-only)"
            return Verdict(False, why, 0, ())
        return Verdict(True, "no tests collected (pytest exit 5 under pre-commit)", 0, ())
    return Verdict(False, f"{len(owned)} tests", len(owned), ())


def needs_rerun_alone(report: PytestReport | None, hook_count: int) -> bool:
    """A merged run that pytest aborted (usage error, internal error, interrupt, no report)
    says nothing about each hook: run each hook alone, as pre-commit would."""
    if report is None:
        return True
    return report.exitstatus in (2, 3, 4) and hook_count > 1
