"""What crosses a process boundary: every environment variable infra sets or reads, in one place.

A push runs in several processes (nox's parent, its parallel children, each hook's process,
the pytest processes and their xdist workers, git's hook). They talk through environment
variables and a few files; a name spelled in two modules is a name that can drift. Every
module takes the names from here. The files that cross (the hand-off pickle, the pytest
report, the restore spec, the per-run results) are each defined by one module
(``infra.handoff``, ``infra.pytest_report``, ``infra.restore``, ``infra.results``), with its
own to/from-dict or load/write pair.

Imported by the pytest plugin and every nox child: constants only.
"""

from __future__ import annotations

# set by the nox parent of a prepush run, read by its children
RUN_ID = "INFRA_RUN_ID"  # one id for every session record of a run (CI sets it across shards)
JOBS = "INFRA_JOBS"  # how many sessions nox runs at once
LONG_POLE = "INFRA_LONG_POLE"  # the session that outlives the others (sizes xdist as if alone)
BATCHES = "INFRA_BATCHES"  # short sessions folded into one nox child, as JSON lists of names
PARENT = "INFRA_NOX_PID"  # the parent's pid: children stop when it dies
STATE_PROBLEM = "INFRA_STATE_PROBLEM"  # the parent already warned that state cannot be written

# set by a session for the pytest process it starts, read by the plugin
PYTEST_REPORT = "INFRA_PYTEST_REPORT"  # where the plugin writes its report
REPO_ROOT = "INFRA_REPO_ROOT"  # node ids and reads are relative to it
RESTORE = "INFRA_RESTORE"  # the restore spec (``infra.restore``)
TRACK = "INFRA_TRACK"  # "0": record no reads (a CI run keeps no state)
ASYNCMOCK_GUARD = "INFRA_ASYNCMOCK_GUARD"  # the AsyncMock guard's mode
ASYNCMOCK_REPORT = "INFRA_ASYNCMOCK_REPORT"  # where the guard writes its findings
SAFE_PATH = "INFRA_SAFE_PATH"  # "1": the hooks call the `pytest` script, which puts no cwd on sys.path
WARM_MANIFEST = "INFRA_WARM_MANIFEST"  # where the plugin writes the modules a run imported (``infra.warm``)

# set by the user (or by infra's own hook script)
LEDGER = "INFRA_LEDGER"  # the ledger path, before [tool.infra] ledger
VERBOSE = "INFRA_VERBOSE"  # print every pytest process's output, not only failing ones
HOOK_DRY_RUN = "INFRA_HOOK_DRY_RUN"  # `infra doctor`: the installed hook only proves it starts
WARM = "INFRA_WARM"  # "1"/"0": pytest through a warm process (wins over [tool.infra] warm)
WARM_IDLE = "INFRA_WARM_IDLE"  # seconds a warm process waits for a run before it stops
WARM_MAX_AGE = "INFRA_WARM_MAX_AGE"  # seconds a warm process serves before a fresh one replaces it

PREFIX = "INFRA_"  # every name above: never part of what makes two wrapper environments differ

# marks on a recorded path: written by the pytest plugin (infra.tracker), read by infra.reads
STAT = "?stat"  # only the path's metadata (existence, size, mode) was read
IMPORT = "?import"  # a module imported outside any test: its import-time effects count
LATE = "?late"  # read outside any test after collection: cannot shape which tests exist
LOCAL = "?local"  # a test module imported outside any test whose import changes no shared state
RUN = "?run="  # ``path?run=qualname``: a function or class of path that ran while modules were imported
