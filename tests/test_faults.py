"""Faults, hostile settings and concurrent runs: exact verdicts, no traceback, no stray process.

Every scenario runs real ``nox -t prepush`` in a tiny repository (two pytest hooks merged into one
pytest process, two script hooks; one of each kind fails) and checks, beside its own point: the
hook verdicts equal pre-commit's, no traceback, no process of the run alive 2 s after it ended
(found by a marker in their environment, wherever they were re-parented), every ledger line a
valid record, and nothing written outside the repository's state directory (a snapshot of the
test's whole temp tree). Running as root, the runs drop CAP_DAC_OVERRIDE so read-only means it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from infra import hosts, ledger, precommit, state
from infra import run as run_module
from infra.results import Status
from tests.conftest import commit, git_dir, write

MARK = "INFRA_FAULT_MARK"
PYTEST_HOOK = (
    "  - id: {id}\n    name: {id}\n    entry: pytest -p no:cacheprovider {target}\n"
    "    language: system\n    pass_filenames: false\n"
)
SCRIPT_HOOK = (
    "  - id: {id}\n    name: {id}\n    entry: python -c 'import sys, time; time.sleep(0.3); sys.exit({code})'\n"
    "    language: system\n    pass_filenames: false\n"
)
CONFIG = (
    "repos:\n- repo: local\n  hooks:\n"
    + PYTEST_HOOK.format(id="unit", target="tests/test_ok.py")
    + PYTEST_HOOK.format(id="broken", target="tests/test_bad.py")
    + SCRIPT_HOOK.format(id="lint-check", code=0)
    + SCRIPT_HOOK.format(id="docs-check", code=1)
)
FILES = {
    ".pre-commit-config.yaml": CONFIG,
    "tests/test_ok.py": (
        "import os\nimport time\n\n\ndef test_ok():\n    time.sleep(float(os.environ.get('FAULT_SLEEP', '0.5')))\n"
    ),
    "tests/test_bad.py": "def test_bad():\n    assert False\n",
    "noxfile.py": "import infra.sessions\n\ninfra.sessions.register()\n",
    "pytest.ini": "[pytest]\n",
}
_VERDICT = re.compile(r"^\s+(?P<key>[\w.-]+?)\.{3,}(?P<status>Passed|Failed|Skipped)\b", re.MULTILINE)
_PRE_COMMIT: dict[str, Status] = {}


def _repo(root: Path, extra: dict[str, str] | None = None) -> Path:
    git_dir(root)
    write(root, {**FILES, **(extra or {})})
    commit(root)
    return root


def _pre_commit_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Status]:
    """pre-commit's own verdicts for the tiny repository (computed once)."""
    if not _PRE_COMMIT:
        root = _repo(tmp_path_factory.mktemp("baseline") / "repo")
        cmd = hosts.HOSTS["pre-commit"].run_argv(None, None)  # every file, verbose: one verdict a hook
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
        _PRE_COMMIT.update(precommit.parse_verdicts(proc.stdout))
        assert len(_PRE_COMMIT) == 4, proc.stdout
    return dict(_PRE_COMMIT)


def _verdicts(out: str) -> dict[str, Status]:
    return {m["key"]: Status(m["status"].lower()) for m in _VERDICT.finditer(out)}


def _drop_dac_override() -> None:
    """As root, give up the capability that ignores file modes (children inherit the bounding set)."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP


def _outside_env() -> dict[str, str]:
    """Our environment without what an enclosing prepush run exported for its own children."""
    return {k: v for k, v in os.environ.items() if k not in (state.PROBLEM_ENV, run_module.PARENT_ENV)}


class Run:
    """One ``nox -t prepush`` in its own process group, its processes marked in their environment."""

    def __init__(
        self, root: Path, *args: str, env: dict[str, str] | None = None, max_file_bytes: int | None = None
    ) -> None:
        self.mark = uuid.uuid4().hex

        def setup() -> None:
            if os.geteuid() == 0:
                _drop_dac_override()
            if max_file_bytes is not None:  # `ulimit -f`: a write past it fails with EFBIG
                resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nox", "-t", "prepush", *args],
            cwd=root,
            env={**_outside_env(), MARK: self.mark, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=setup,
        )

    def finish(self, timeout: float = 120) -> str:
        out, _ = self.proc.communicate(timeout=timeout)
        assert "Traceback" not in out, out
        assert_no_stragglers(self.mark)
        return out


def assert_no_stragglers(mark: str, within: float = 2.0) -> None:
    """No process carrying ``mark`` is alive ``within`` seconds from now."""
    deadline = time.monotonic() + within
    while (left := _marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, [(p.pid, p.info["cmdline"]) for p in left]


def _marked(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if proc.environ().get(MARK) == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def assert_ledger_valid(path: Path) -> int:
    """Every line of the ledger is a whole, valid record; returns how many."""
    data = path.read_bytes() if path.exists() else b""
    assert not data or data.endswith(b"\n")
    lines = data.splitlines()
    for line in lines:
        ledger.SessionRecord.from_dict(json.loads(line))
    return len(lines)


def snapshot(base: Path, inside: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under ``base`` but ``inside``: (size, mtime) by path."""
    seen: dict[str, tuple[int, int]] = {}
    for directory, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if Path(directory, d) != inside]
        for name in files:
            with contextlib.suppress(OSError):
                info = os.stat(Path(directory, name))
                seen[str(Path(directory, name))] = (info.st_size, info.st_mtime_ns)
        seen[directory] = (0, 0)
    return seen


@contextlib.contextmanager
def writes_only_state(tmp_path: Path, root: Path) -> Iterator[None]:
    """Nothing changes in the test's temp tree outside ``root/.infra`` (or beside it, by escape)."""
    base = tmp_path.parent
    before = snapshot(base, root / ".infra")
    yield
    after = snapshot(base, root / ".infra")
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    changed.discard(str(root / ".git" / "index"))  # git's stat cache, refreshed by any `git status`
    assert not changed, sorted(changed)
    assert not list(base.parent.glob("escape-probe*")) and not list(Path("/tmp").glob("escape-probe*"))


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    modes = {p: p.stat().st_mode for top in paths for p in [top, *top.rglob("*")]}
    try:
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _ledger_with(root: Path, count: int) -> Path:
    """``.infra/ledger.jsonl`` holding ``count`` valid records (about 1 KiB each)."""
    record = ledger.SessionRecord(
        run_id="earlier",
        session="pytest",
        definition_hash="d",
        started_at=ledger.utc_iso(),
        ended_at=ledger.utc_iso(),
        machine="m",
        machine_info={"note": "x" * 800},
        status="success",
        exit_code=0,
        wall_s=1.0,
    )
    path = root / ".infra" / "ledger.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(ledger.encode(record) * count)
    return path


def _warnings(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("warning:")]


@pytest.fixture
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Status]:
    return _pre_commit_verdicts(tmp_path_factory)


@pytest.mark.slow
def test_a_read_only_state_directory_still_runs_every_hook_in_full(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """With `.infra/` read-only: hooks run in full, verdicts and exit code are exact, one warning line."""
    root = _repo(tmp_path / "repo")
    Run(root, "--", "--all-files").finish()  # .infra/ now holds a cache, testmon data, a ledger
    records = assert_ledger_valid(root / ".infra" / "ledger.jsonl")
    with read_only(root / ".infra"), writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files")
        out = run.finish()
    assert run.proc.returncode == 1
    assert _verdicts(out) == expected
    assert _warnings(out) == [
        f"warning: {root / '.infra'}: not writable (Permission denied); this run's results, "
        "test-selection data and timing records are not kept, every hook runs in full"
    ]
    assert "mode full" in out and "mode testmon" not in out
    assert assert_ledger_valid(root / ".infra" / "ledger.jsonl") == records


@pytest.mark.slow
def test_a_read_only_ledger_costs_only_the_timing_records(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """With only the ledger read-only: exact verdicts, the summary still shown, the ledger untouched."""
    root = _repo(tmp_path / "repo")
    path = _ledger_with(root, 3)
    before = path.read_bytes()
    with read_only(path):
        run = Run(root, "--", "--all-files")
        out = run.finish()
    assert run.proc.returncode == 1 and _verdicts(out) == expected
    assert _warnings(out) == [
        f"warning: {path}: not writable (Permission denied); this run's timing records are not kept"
    ]
    assert "4 hooks in 3 sessions: 2 passed, 2 failed" in out
    assert path.read_bytes() == before


@pytest.mark.slow
def test_a_ledger_at_the_file_size_limit_leaves_verdicts_exact(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """`ulimit -f` reached by the ledger (EFBIG at every append; no root needed): exact verdicts, the
    summary shown, warnings name the ledger and the error, the ledger stays whole."""
    root = _repo(tmp_path / "repo")
    path = _ledger_with(root, 1024)  # past 1 MiB, far more than any other file a run writes
    size = path.stat().st_size
    with writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files", max_file_bytes=size)
        out = run.finish()
    assert run.proc.returncode == 1 and _verdicts(out) == expected
    warnings = _warnings(out)
    assert warnings and all(
        w
        == f"warning: {path}: timing record not recorded (File too large); hooks still run and their verdicts stand"
        for w in warnings
    ), out
    assert "4 hooks in 3 sessions: 2 passed, 2 failed" in out
    assert path.stat().st_size == size and assert_ledger_valid(path) > 0


@contextlib.contextmanager
def _full_file_system(path: Path) -> Iterator[None]:
    """A 64 KiB tmpfs at ``path``, filled to the last byte (root only)."""
    path.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a small file system needs root")
    try:
        with contextlib.suppress(OSError), (path / "filler").open("wb") as filler:
            while True:
                filler.write(b"x" * 4096)
                filler.flush()
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@pytest.mark.slow
def test_a_full_disk_under_the_ledger_leaves_verdicts_exact(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """The ledger on a full file system (ENOSPC at every append): exact verdicts, the summary shown,
    warnings name the ledger and the error."""
    root = _repo(tmp_path / "repo")
    with _full_file_system(root / ".infra" / "full"), writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files", env={"INFRA_LEDGER": ".infra/full/ledger.jsonl"})
        out = run.finish()
    assert run.proc.returncode == 1 and _verdicts(out) == expected
    warnings = _warnings(out)
    message = (
        f"warning: {root / '.infra/full/ledger.jsonl'}: timing record not recorded (No space left on device)"
    )
    assert warnings and all(w.startswith(message) for w in warnings), out
    assert "4 hooks in 3 sessions: 2 passed, 2 failed" in out


@pytest.mark.slow
def test_a_full_state_file_system_still_runs_every_hook(tmp_path: Path, expected: dict[str, Status]) -> None:
    """`.infra/` on a full file system: hooks run in full, exact verdicts, one warning line, no traceback."""
    root = _repo(tmp_path / "repo")
    with _full_file_system(root / ".infra"), writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files")
        out = run.finish()
    assert run.proc.returncode == 1 and _verdicts(out) == expected
    assert len(_warnings(out)) == 1 and "not writable (No space left on device)" in out


@pytest.mark.slow
def test_a_hostile_session_name_runs_inside_the_state_directory(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """`[tool.infra.sessions]` naming `../../../../../escape-probe`: the hooks run with exact
    verdicts, and every file named after the session is encoded inside the state directory."""
    pyproject = '[tool.infra.sessions]\n"../../../../../escape-probe" = ["lint-check", "unit"]\n'
    root = _repo(tmp_path / "repo", {"pyproject.toml": pyproject})
    with writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files")
        out = run.finish()
    assert _verdicts(out) == expected, out
    assert "Traceback" not in out


@pytest.mark.slow
def test_a_hostile_run_id_stays_inside_the_state_directory(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """`INFRA_RUN_ID=../../../../../escape-probe` is encoded: exact verdicts, nothing written outside."""
    root = _repo(tmp_path / "repo")
    run_id = "../../../../../escape-probe"
    with writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files", env={"INFRA_RUN_ID": run_id})
        out = run.finish()
    assert _verdicts(out) == expected and "4 hooks in 3 sessions: 2 passed, 2 failed" in out
    assert state.run_dir(root, run_id).parent == root / ".infra" / "runs"
    assert (state.run_dir(root, run_id) / "pytest.json").is_file()


@pytest.mark.slow
def test_eight_concurrent_runs_in_one_repository(tmp_path: Path, expected: dict[str, Status]) -> None:
    """Eight `nox -t prepush` at once: each has exact verdicts, the ledger holds every record whole."""
    root = _repo(tmp_path / "repo")
    with writes_only_state(tmp_path, root):
        runs = [Run(root, "--", "--all-files") for _ in range(8)]
        outs = [run.finish(timeout=300) for run in runs]
    for run, out in zip(runs, outs, strict=True):
        assert run.proc.returncode == 1, out
        assert _verdicts(out) == expected, out
        assert "4 hooks in 3 sessions: 2 passed, 2 failed" in out and not _warnings(out), out
    assert assert_ledger_valid(root / ".infra" / "ledger.jsonl") == 8 * 3
    assert json.loads((root / ".infra" / "sessions.json").read_text())["sessions"]
    assert not list((root / ".infra").rglob("*.tmp"))


def _leftovers(root: Path) -> list[Path]:
    runs = root / ".infra" / "runs"
    return [p for name in (state.HANDOFF_FILE, state.PARENT_FILE, "tmp") for p in runs.glob(f"*/{name}")]


@pytest.mark.slow
def test_sigkill_of_the_parent_leaves_no_process_and_the_next_run_cleans_up(
    tmp_path: Path, expected: dict[str, Status]
) -> None:
    """The nox parent killed at 5 random moments: within 2 s no process of the run is left, the
    ledger stays valid, and the next run has exact verdicts and removes what the killed ones left."""
    root = _repo(tmp_path / "repo")
    rng = random.Random(16)
    moments = [0.3 + 0.5 * i + rng.uniform(0, 0.5) for i in range(5)]  # one in each fifth of a run
    with writes_only_state(tmp_path, root):
        for moment in moments:
            run = Run(root, "--", "--all-files")
            time.sleep(moment)
            run.proc.kill()
            run.proc.communicate()
            assert_no_stragglers(run.mark)
            assert_ledger_valid(root / ".infra" / "ledger.jsonl")
        after = Run(root, "--", "--all-files")
        out = after.finish()
    assert _verdicts(out) == expected
    assert not _leftovers(root)


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _script_sessions_done(root: Path) -> bool:
    return all((root / ".infra" / "runs" / "cut" / f"{name}.json").exists() for name in ("docs", "lint"))


def _pytest_running(mark: str) -> bool:
    return any("pytest" in (p.info["cmdline"] or [""])[2:4] for p in _marked(mark))  # python [-P] -m pytest


def _interrupt(sig: signal.Signals) -> Callable[[Run], None]:
    def send(run: Run) -> None:
        if sig is signal.SIGINT:
            os.killpg(run.proc.pid, sig)  # ^C at a terminal: the whole foreground group
        else:
            run.proc.send_signal(sig)

    return send


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "scripts_done"), [(signal.SIGINT, True), (signal.SIGTERM, True), (signal.SIGINT, False)]
)
def test_an_interrupted_run_says_so_and_names_the_hooks_that_did_not_finish(
    tmp_path: Path, expected: dict[str, Status], sig: signal.Signals, scripts_done: bool
) -> None:
    """^C or SIGTERM while pytest runs (the script hooks done, or maybe not): no traceback, no
    process left after 2 s; the summary says the run was interrupted, each hook either has its
    exact verdict or is named as not finished."""
    root = _repo(tmp_path / "repo")
    with writes_only_state(tmp_path, root):
        run = Run(root, "--", "--all-files", env={"INFRA_RUN_ID": "cut", "FAULT_SLEEP": "30"})
        _wait_for(lambda: (_script_sessions_done(root) or not scripts_done) and _pytest_running(run.mark))
        _interrupt(sig)(run)
        out = run.finish()
    assert run.proc.returncode == 130, out
    assert "run interrupted: these counts cover only the sessions that finished" in out, out
    assert "Exception ignored" not in out
    unfinished = re.search(r"did not finish \(\d+\): (.*)", out)
    assert unfinished is not None, out
    stopped = set(unfinished[1].split(", "))
    got = _verdicts(out)
    assert {"unit", "broken"} <= stopped and not stopped & set(got), out
    assert set(got) | stopped == set(expected) and all(expected[k] is v for k, v in got.items()), out
    assert assert_ledger_valid(root / ".infra" / "ledger.jsonl") <= len(
        got
    )  # a record per finished session at most


def test_writing_to_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`infra ledger show | head -0`: no traceback, the shell's status for SIGPIPE (141)."""
    path = tmp_path / "ledger.jsonl"
    path.write_text("")
    with subprocess.Popen(
        [sys.executable, "-m", "infra", "ledger", "show", "--ledger", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        assert proc.wait(timeout=30) == 141
        assert proc.stderr.read() == b""
