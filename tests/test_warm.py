"""``infra.warm``: runs forked from a warm process give a cold run's verdicts, see every edit, and
leave no process behind (real processes: the client, the warm process, its children)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from infra import results, warm
from tests.conftest import commit, git_dir, write

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not warm.usable(), reason="Linux only")]

LIB = "VALUE = 1\n"  # a stand-in for a third-party library: outside the repository, on PYTHONPATH
TEST = "import lib\nimport app\n\ndef test_value():\n    assert app.double(lib.VALUE) == 2\n"


def _setup(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    site = tmp_path / "site"
    write(site, {"lib.py": LIB})
    root = tmp_path / "r"
    write(
        root,
        {"app.py": "def double(x):\n    return 2 * x\n", "tests/test_v.py": TEST, "pytest.ini": "[pytest]\n"},
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "INFRA_REPO_ROOT": str(root),
        "INFRA_PYTEST_REPORT": str(tmp_path / "report.json"),
        warm.IDLE_ENV: "60",
    }
    return root, env


def _client(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = warm.command(sys.executable, ["-p", "infra.pytest_report", "-q", "-p", "no:cacheprovider", *args])
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=120)


def _up(root: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [s for s in warm.servers(root) if "modules" in s]  # up, not still preloading
        if found:
            return int(found[0]["pid"])
        time.sleep(0.1)
    raise AssertionError(f"no warm process came up: {list(warm.warm_dir(root).glob('*.log'))}")


def _gone(pid: int, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], int]]:
    root, env = _setup(tmp_path)
    first = _client(root, env, "tests")
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{warm.LINE}started warm process" in first.stderr  # the cold run starts it for the next
    pid = _up(root)
    yield root, env, pid
    warm.stop(root)


def test_a_warm_run_gives_the_cold_verdict_and_sees_project_edits(
    started: tuple[Path, dict[str, str], int],
) -> None:
    root, env, pid = started
    ok = _client(root, env, "tests")
    assert ok.returncode == 0 and f"pytest forked from warm process {pid}" in ok.stderr, ok.stderr
    write(root, {"app.py": "def double(x):\n    return 3 * x\n"})  # the project is never preloaded
    warm_fail = _client(root, env, "tests")
    cold_fail = _client(
        root, {**env, "INFRA_PYTEST_REPORT": str(root / "cold.json")}, "tests", "-p", "no:randomly"
    )
    assert f"forked from warm process {pid}" in warm_fail.stderr
    assert warm_fail.returncode == 1 and "assert 3 == 2" in warm_fail.stdout, warm_fail.stdout
    assert cold_fail.returncode == 1 and "assert 3 == 2" in cold_fail.stdout
    usage = _client(root, env, "--no-such-option")
    assert usage.returncode == 4 and "unrecognized arguments" in usage.stderr  # pytest's own usage error


def test_a_changed_preloaded_module_sends_the_run_cold(
    started: tuple[Path, dict[str, str], int], tmp_path: Path
) -> None:
    root, env, pid = started
    write(tmp_path / "site", {"lib.py": "VALUE = 2  # an upgraded library\n"})
    stale = _client(root, env, "tests")
    assert "was stale" in stale.stderr and "lib.py changed" in stale.stderr, stale.stderr
    assert stale.returncode == 1 and "assert 4 == 2" in stale.stdout  # the new library's behaviour
    assert _gone(pid)
    assert _up(root) != pid  # a fresh one for the next runs


def _infra_warm(root: Path, action: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "infra", "warm", action]
    return subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)


def test_a_repository_too_deep_for_a_socket_path_still_runs_warm(tmp_path: Path) -> None:
    """A state directory past sun_path's 107 bytes (a deep CI workspace) gets a warm process too:
    bound and reached through the directory's file descriptor, not "AF_UNIX path too long"."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    root, env = _setup(deep)
    assert len(os.fsencode(warm.warm_dir(root))) > warm.SUN_PATH_MAX
    first = _client(root, env, "tests")
    assert first.returncode == 0, first.stdout + first.stderr
    pid = _up(root)
    try:
        again = _client(root, env, "tests")
        assert again.returncode == 0 and f"pytest forked from warm process {pid}" in again.stderr, (
            again.stderr
        )
    finally:
        warm.stop(root)


def test_stop_and_status_leave_no_process(started: tuple[Path, dict[str, str], int]) -> None:
    root, _env, pid = started
    assert f"pid {pid}" in _infra_warm(root, "status").stdout
    stop = _infra_warm(root, "stop")
    assert stop.returncode == 0 and str(pid) in stop.stdout
    assert _gone(pid)
    assert "no warm pytest process" in _infra_warm(root, "status").stdout
    assert not list(warm.warm_dir(root).glob("*.sock"))


def test_an_idle_warm_process_stops_by_itself(tmp_path: Path) -> None:
    root, env = _setup(tmp_path)
    assert _client(root, {**env, warm.IDLE_ENV: "1"}, "tests").returncode == 0
    pid = _up(root)
    assert _gone(pid, timeout=6.0)  # 1 s idle, checked every 0.5 s (start-up included)


def test_idleness_counts_from_the_end_of_the_last_run_not_its_start(tmp_path: Path) -> None:
    """A run longer than the idle timeout (a coverage gate's minutes) is no idleness: the warm
    process is still there for the next push, and stops a timeout after the run ended."""
    root, env = _setup(tmp_path)
    env = {**env, warm.IDLE_ENV: "3"}
    write(root, {"tests/test_slow.py": "import time\n\ndef test_slow():\n    time.sleep(5)\n"})
    assert _client(root, env, "tests").returncode == 0
    pid = _up(root)
    slow = _client(root, env, "tests/test_slow.py")
    assert slow.returncode == 0 and f"pytest forked from warm process {pid}" in slow.stderr, slow.stderr
    time.sleep(1.0)
    assert psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert _gone(pid, timeout=8.0)


def test_a_run_of_another_group_keeps_every_warm_process_of_the_repository(tmp_path: Path) -> None:
    """A push's coverage gate runs for minutes in one group while the other groups' warm
    processes serve nothing: they are not idle, and the next push finds them there. Then they
    stop a timeout after the repository's last run ended."""
    root, env = _setup(tmp_path)
    env = {**env, warm.IDLE_ENV: "3"}
    write(root, {"tests/test_slow.py": "import time\n\ndef test_slow():\n    time.sleep(6)\n"})
    assert _client(root, env, "tests/test_v.py").returncode == 0
    pid = _up(root)
    other = {**env, "OTHER_GROUP": "1"}  # another environment: another key, a cold run
    assert warm.key(sys.executable, str(root), other) != warm.key(sys.executable, str(root), env)
    slow = _client(root, other, "tests/test_slow.py")
    assert slow.returncode == 0 and "forked" not in slow.stderr, slow.stderr
    assert not _gone(pid, timeout=1.0)  # 6 s of the other group's run were no idleness
    again = _client(root, env, "tests/test_v.py")
    assert again.returncode == 0 and f"pytest forked from warm process {pid}" in again.stderr, again.stderr
    warm.stop(root)  # the other group's process, started after its cold run
    assert _gone(pid)


def test_an_hour_old_warm_process_serves_its_last_run_and_hands_over(tmp_path: Path) -> None:
    """Age never costs a push a cold run: the old process serves, its client starts the next."""
    root, env = _setup(tmp_path)
    env = {**env, warm.MAX_AGE_ENV: "1"}
    assert _client(root, env, "tests").returncode == 0
    old = _up(root)
    time.sleep(1.5)
    last = _client(root, env, "tests")
    assert last.returncode == 0 and f"pytest forked from warm process {old}" in last.stderr, last.stderr
    assert f"{warm.LINE}started warm process" in last.stderr
    assert _gone(old)
    new = _up(root)
    assert new != old and not list(warm.warm_dir(root).glob("*.old.json"))
    write(root, {"app.py": "def double(x):\n    return 3 * x\n"})
    served = _client(root, env, "tests")
    assert served.returncode == 1 and f"pytest forked from warm process {new}" in served.stderr, served.stderr
    warm.stop(root)
    assert _gone(new)


def test_a_killed_client_takes_the_run_and_its_processes_with_it(
    started: tuple[Path, dict[str, str], int],
) -> None:
    root, env, pid = started
    write(root, {"tests/test_hang.py": "import subprocess, time\n\ndef test_hang():\n"
                 "    subprocess.Popen(['sleep', '300'])\n    time.sleep(300)\n"})  # fmt: skip
    argv = warm.command(sys.executable, ["-p", "no:cacheprovider", "tests/test_hang.py"])
    client = subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = psutil.Process(pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        p.name() == "sleep" for p in server.children(recursive=True)
    ):
        time.sleep(0.1)
    run_tree = server.children(recursive=True)
    assert any(p.name() == "sleep" for p in run_tree)
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert all(_gone(p.pid) for p in run_tree)
    assert not _gone(pid, timeout=0.2)  # the warm process itself serves on


def test_a_warm_process_serves_on_past_a_broken_or_foreign_request(
    started: tuple[Path, dict[str, str], int],
) -> None:
    """A client gone mid-request, or one of another user (root may check): nothing forked, and the
    next run is served as usual."""
    root, env, pid = started
    with warm.socket_address(next(warm.warm_dir(root).glob("*.sock"))) as sock_path:
        with socket.socket(socket.AF_UNIX) as raw:
            raw.connect(sock_path)
            socket.send_fds(raw, [warm.HEADER.pack(10_000)], [0, 1, 2])
            raw.sendall(b'{"argv"')  # and gone
        if os.getuid() == 0:
            other = os.fork()
            if other == 0:  # pragma: no cover - the child: coverage does not follow a setuid process
                code = 1
                try:
                    os.setuid(65534)
                    with socket.socket(socket.AF_UNIX) as foreign:
                        foreign.connect(sock_path)
                        code = 0 if foreign.recv(100) == b"" else 1  # closed on it without a word
                except PermissionError:
                    code = 0  # the socket is the owner's only (mode 0600)
                finally:
                    os._exit(code)
            assert os.waitpid(other, 0)[1] == 0
    ok = _client(root, env, "tests")
    assert ok.returncode == 0 and f"forked from warm process {pid}" in ok.stderr, ok.stderr


def test_a_process_with_threads_after_preloading_is_never_forked(tmp_path: Path) -> None:
    """A library that starts a thread at import: the warm process refuses (it says why in the
    state directory), every run stays cold, and none is started again."""
    root, env = _setup(tmp_path)
    write(
        tmp_path / "site",
        {
            "lib.py": "import threading, time\nthreading.Thread(target=time.sleep, args=(600,), daemon=True).start()\nVALUE = 1\n"
        },
    )
    write(
        root,
        {
            "tests/test_gone.py": "import no_such_module_anywhere  # preloading it fails: imported by the child\n"
        },
    )
    first = _client(root, env, "tests/test_v.py")
    assert first.returncode == 0 and "started warm process" in first.stderr
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(warm.warm_dir(root).glob("*.refused")):
        time.sleep(0.1)
    refused = list(warm.warm_dir(root).glob("*.refused"))
    assert refused and "threads after preloading" in refused[0].read_text()
    again = _client(root, env, "tests/test_v.py")
    assert again.returncode == 0 and warm.LINE not in again.stderr, again.stderr
    assert not warm.servers(root)


CASES = {
    "a library reads at import what conftest set": (
        {"envlib.py": "import os\nMODE = os.environ.get('LIBMODE')\n"},
        {"tests/conftest.py": "import os\nos.environ['LIBMODE'] = 'test'\nimport envlib\n",
         "tests/test_e.py": "import envlib\n\ndef test_e():\n    assert envlib.MODE == 'test'\n"},
        0, "2 passed",
    ),
    "a library warns at import, and the run fails on warnings": (
        {"noisy.py": "import warnings\nwarnings.warn('old api', DeprecationWarning)\n"},
        {"tests/conftest.py": "SEEN = []\n\ndef pytest_warning_recorded(warning_message):\n"
                              "    SEEN.append(str(warning_message.message))\n\n"
                              "def pytest_sessionfinish(session):\n    if SEEN:\n"
                              "        print('warned:', SEEN)\n        session.exitstatus = 1\n",
         "tests/test_n.py": "import noisy\n\ndef test_n():\n    assert noisy\n"},
        1, "warned: ['old api']",
    ),
    "a library registered for assertion rewriting": (
        {"helperlib.py": "def check(x):\n    assert x == 1\n"},
        {"tests/conftest.py": "import pytest\npytest.register_assert_rewrite('helperlib')\n",
         "tests/test_h.py": "import helperlib\n\ndef test_h():\n    helperlib.check(2)\n"},
        1, "assert 2 == 1",
    ),
    "a library imports a package pytest rewrites (a plugin package)": (
        {"plugpkg.py": "def check(x):\n    assert x == 1\n", "sdk2.py": "import plugpkg\n"},
        {"tests/conftest.py": "pytest_plugins = ['plugpkg']\n",
         "tests/test_p.py": "import sdk2\nimport plugpkg\n\ndef test_p():\n    plugpkg.check(2)\n"},
        1, "assert 2 == 1",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_preloading_never_changes_what_a_run_sees(tmp_path: Path, case: str) -> None:
    """Each case passes the cold and the warm run the same way (exit code and message): modules
    load in the environment they saw cold, a warning at import stops preloading, and modules
    pytest rewrites are left to the child."""
    site, files, code, seen = CASES[case]
    root, env = _setup(tmp_path)
    write(tmp_path / "site", site)
    write(root, {"tests/test_v.py": "def test_v():\n    pass\n", **files})
    try:
        cold = _client(root, env, "tests")
        assert cold.returncode == code and seen in cold.stdout, cold.stdout
        pid = _up(root)
        hot = _client(root, env, "tests")
        assert f"forked from warm process {pid}" in hot.stderr, hot.stderr
        assert hot.returncode == code and seen in hot.stdout, hot.stdout
        assert "PytestAssertRewriteWarning" not in hot.stdout + cold.stdout, hot.stdout
    finally:
        warm.stop(root)


SHARED = (  # a conftest whose session fixture, autouse, every test sets up first
    "import pytest\n\n@pytest.fixture(scope='session', autouse=True)\ndef sdk():\n"
    "    import os\n    os.environ['SDKMODE'] = 'fixture'\n    import sdk\n    return sdk\n"
)
SDK = "import os\nMODE = os.environ.get('SDKMODE')\nwith open(os.environ['SDK_LOG'], 'a') as f:\n    f.write(f'{os.getpid()}\\n')\n"


def _cold_then_warm(root: Path, env: dict[str, str]) -> int:
    """A cold run that starts the warm process, then a run forked from it; both pass. The pid."""
    cold = _client(root, env, "tests")
    assert cold.returncode == 0, cold.stdout
    pid = _up(root)
    hot = _client(root, env, "tests")
    assert f"forked from warm process {pid}" in hot.stderr and hot.returncode == 0, hot.stdout + hot.stderr
    return pid


def test_the_set_up_every_test_shares_is_preloaded_too(tmp_path: Path) -> None:
    """A library imported by an autouse session fixture (a service's SDKs, imported when the
    conftest initialises telemetry) is imported once, by the warm process, in the environment
    the fixture set, not again in every run."""
    root, env = _setup(tmp_path)
    env["SDK_LOG"] = str(tmp_path / "sdk.log")
    write(tmp_path / "site", {"sdk.py": SDK})
    write(
        root,
        {
            "tests/conftest.py": SHARED,
            "tests/test_s.py": "import os\n\ndef test_s(sdk):\n    assert sdk.MODE == 'fixture'\n",
        },
    )
    try:
        pid = _cold_then_warm(root, env)
        importers = (tmp_path / "sdk.log").read_text().split()
        assert importers[1:] == [str(pid)], importers  # the cold run, then the warm process only
    finally:
        warm.stop(root)


def test_a_library_that_starts_a_thread_in_the_shared_set_up_is_left_to_the_child(tmp_path: Path) -> None:
    """Preloading the shared set-up started a thread: the warm process starts over without it
    (never forked with a thread), and serves."""
    root, env = _setup(tmp_path)
    env["SDK_LOG"] = str(tmp_path / "sdk.log")
    threaded = (
        "import threading, time\nthreading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
    )
    write(tmp_path / "site", {"sdk.py": threaded + SDK})
    write(root, {"tests/conftest.py": SHARED})
    try:
        pid = _cold_then_warm(root, env)
        assert not list(warm.warm_dir(root).glob("*.refused"))
        importers = (tmp_path / "sdk.log").read_text().split()
        # the cold run; the warm process's first try (the same pid after it starts over); the child
        assert len(importers) == 3 and importers[1] == str(pid) != importers[2], importers
    finally:
        warm.stop(root)


WARNS = "import warnings\nwarnings.warn('sdk: old api', DeprecationWarning)\n"
WARNED = {  # the shared set-up imports a library that warns at import: (pytest args, conftest extra, exit code, seen)
    "shown in the summary": ((), "", 0, "sdk: old api"),
    "an error under -W error": (("-W", "error::DeprecationWarning"), "", 1, "3 errors"),
    "recorded by a conftest hook": (
        (), "SEEN = []\n\ndef pytest_warning_recorded(warning_message):\n    SEEN.append(str(warning_message.message))\n\n"
        "def pytest_sessionfinish(session):\n    print('warned:', SEEN)\n", 0, "warned: ['sdk: old api']",
    ),
}  # fmt: skip
PLAIN = [sys.executable, "-m", "pytest", "-p", "infra.pytest_report", "-q", "-p", "no:cacheprovider"]


@pytest.mark.parametrize("case", sorted(WARNED))
def test_a_warning_from_the_shared_set_up_is_given_again_where_a_cold_run_gives_it(
    tmp_path: Path, case: str
) -> None:
    """The warm process preloads the library and the child issues its warning again as the
    fixture's set-up begins: the same summary, the same errors under ``-W error`` (every test,
    as a cold run's failed session fixture), the same ``pytest_warning_recorded`` calls."""
    args, extra, code, seen = WARNED[case]
    root, env = _setup(tmp_path)
    env["SDK_LOG"] = str(tmp_path / "sdk.log")
    write(tmp_path / "site", {"sdk.py": WARNS + SDK})
    two = "def test_one(sdk):\n    assert sdk.MODE == 'fixture'\n\ndef test_two(sdk):\n    assert sdk\n"
    write(root, {"tests/conftest.py": SHARED + extra, "tests/test_s.py": two})
    try:
        first = _client(root, env, "tests")  # records the timeline, starts the warm process
        assert first.returncode == 0, first.stdout
        pid = _up(root)
        assert str(pid) in (tmp_path / "sdk.log").read_text().split()  # preloaded, not left to the child
        cold = subprocess.run(
            [*PLAIN, "tests", *args], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert cold.returncode == code and seen in cold.stdout, cold.stdout
        hot = _client(root, env, "tests", *args)
        assert f"forked from warm process {pid}" in hot.stderr, hot.stderr
        assert hot.returncode == code and seen in hot.stdout, hot.stdout
        assert _outcomes(cold.stdout) == _outcomes(hot.stdout), hot.stdout  # and the same warnings summary

    finally:
        warm.stop(root)


def _outcomes(out: str) -> list[str]:
    """A run's short summary and warnings summary (the tracebacks differ: the child's points at
    where infra issued the warning again)."""
    lines = out.splitlines()
    kept = [line for line in lines if line.startswith(("ERROR ", "FAILED ", "  ")) and "old api" in line]
    return [*kept, re.sub(r" in [0-9.]+s", "", lines[-1])]


def test_a_warm_run_leaves_the_cold_runs_timeline_as_it_was(
    started: tuple[Path, dict[str, str], int],
) -> None:
    """Only a cold run records what to preload: a child (whose imports are mostly done before its
    pytest starts) would record them without the environment steps between them."""
    root, env, pid = started
    (manifest,) = warm.warm_dir(root).glob("*.modules")
    before = manifest.read_bytes()
    hot = _client(root, env, "tests")
    assert f"forked from warm process {pid}" in hot.stderr and hot.returncode == 0, hot.stderr
    assert manifest.read_bytes() == before


NARROWED = {
    "a session fixture only one test uses": (
        "import pytest\n\n@pytest.fixture(scope='session')\ndef only_a():\n"
        "    import os\n    os.environ['SDKMODE'] = 'a'\n    import sdk\n    return sdk\n",
        "def test_a(only_a):\n    assert only_a.MODE == 'a'\n\n"
        "def test_b():\n    import sdk\n    assert sdk.MODE is None\n",
    ),
    "a hook that depends on the test sets the environment before the shared set-up": (
        "import os\nimport pytest\n\ndef pytest_runtest_setup(item):\n    os.environ['SDKMODE'] = item.name\n\n"
        "@pytest.fixture(scope='session', autouse=True)\ndef sdk():\n    import sdk\n    return sdk\n",
        "import os\n\ndef test_a(sdk):\n    assert sdk.MODE == os.environ['SDKMODE']\n\n"
        "def test_b(sdk):\n    assert sdk.MODE == os.environ['SDKMODE']\n",
    ),
}  # fmt: skip


@pytest.mark.parametrize("recorded", [(), ("-k", "test_a")], ids=["all", "test_a"])
@pytest.mark.parametrize("case", sorted(NARROWED))
def test_a_narrowed_run_sees_what_it_would_see_cold(
    tmp_path: Path, case: str, recorded: tuple[str, ...]
) -> None:
    """Recorded by a run of every test (or of test_a alone), replayed for a run of test_b: only
    set-up that every collected test shares, in an environment no test-specific code changed,
    is preloaded. Each case fails the warm run if the library loads in the environment the
    first test's set-up gave it."""
    conftest, tests = NARROWED[case]
    root, env = _setup(tmp_path)
    env["SDK_LOG"] = str(tmp_path / "sdk.log")
    write(tmp_path / "site", {"sdk.py": SDK})
    write(root, {"tests/conftest.py": conftest, "tests/test_m.py": tests})
    try:
        _client(root, env, "tests", *recorded)  # records the timeline, starts the warm process
        pid = _up(root)
        plain = [sys.executable, "-m", "pytest", "-p", "infra.pytest_report", "-q", "-p", "no:cacheprovider"]
        cold = subprocess.run(
            [*plain, "tests", "-k", "test_b"], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        hot = _client(root, env, "tests", "-k", "test_b")
        assert f"forked from warm process {pid}" in hot.stderr, hot.stderr
        assert cold.returncode == 0 and "1 passed" in cold.stdout, cold.stdout
        assert hot.returncode == 0 and "1 passed" in hot.stdout, hot.stdout
    finally:
        warm.stop(root)


def test_a_plugin_package_a_library_imports_is_preloaded_through_pytests_rewriter(tmp_path: Path) -> None:
    """A preloaded library imports a package pytest rewrites (a plugin's package): the warm
    process loads it rewritten, as the cold run did, instead of stopping there; the child's
    pytest finds it rewritten (no "already imported" warning; the same assertion message)."""
    root, env = _setup(tmp_path)
    env["SDK_LOG"] = str(tmp_path / "sdk.log")
    site, files, code, seen = CASES["a library imports a package pytest rewrites (a plugin package)"]
    write(tmp_path / "site", {**site, "sdk2.py": "import plugpkg\n" + SDK})
    write(root, files)
    try:
        cold = _client(root, env, "tests")
        pid = _up(root)
        hot = _client(root, env, "tests")
        assert f"forked from warm process {pid}" in hot.stderr, hot.stderr
        importers = (tmp_path / "sdk.log").read_text().split()
        assert importers[1:] == [str(pid)], importers  # preloaded (plugpkg with it), not again in the child
        for run in (cold, hot):
            assert run.returncode == code and seen in run.stdout, run.stdout
            assert "PytestAssertRewriteWarning" not in run.stdout, run.stdout
    finally:
        warm.stop(root)


def test_a_plugin_given_with_p_is_preloaded_rewritten_and_still_registered(tmp_path: Path) -> None:
    """``-p myplug`` (pytest marks it for rewriting, then imports it): the warm process loads it
    through pytest's rewriter, and the child's pytest registers it as a cold one does."""
    root, env = _setup(tmp_path)
    env["SDK_LOG"] = str(tmp_path / "sdk.log")
    plugin = (
        SDK + "\ndef pytest_report_header():\n    return 'myplug here'\n\ndef check(x):\n    assert x == 1\n"
    )
    write(tmp_path / "site", {"myplug.py": plugin})
    write(root, {"tests/test_m.py": "import myplug\n\ndef test_m():\n    myplug.check(2)\n"})
    try:
        cold = _client(root, env, "tests", "-p", "myplug", "-v")
        pid = _up(root)
        hot = _client(root, env, "tests", "-p", "myplug", "-v")
        assert f"forked from warm process {pid}" in hot.stderr, hot.stderr
        importers = (tmp_path / "sdk.log").read_text().split()
        assert importers[1:] == [str(pid)], importers  # preloaded, not imported again by the child
        for run in (cold, hot):
            assert run.returncode == 1 and "myplug here" in run.stdout and "assert 2 == 1" in run.stdout, (
                run.stdout
            )
            assert "PytestAssertRewriteWarning" not in run.stdout, run.stdout
    finally:
        warm.stop(root)


def test_key_ignores_only_per_run_variables() -> None:
    base = warm.key("py", "/r", {"PATH": "/bin", "INFRA_PYTEST_REPORT": "/a", "PRE_COMMIT_TO_REF": "x"})
    assert base == warm.key(
        "py", "/r", {"PATH": "/bin", "INFRA_PYTEST_REPORT": "/b", "PRE_COMMIT_TO_REF": "y"}
    )
    assert base != warm.key("py", "/r", {"PATH": "/usr/bin"})
    group = {"PATH": "/bin", "TESTMON_DATAFILE": "/r/.infra/testmon/pytest-1.db"}
    assert warm.key("py", "/r", group) != warm.key("py", "/r", {**group, "TESTMON_DATAFILE": "/r/x-2.db"})
    assert base != warm.key("py", "/elsewhere", {"PATH": "/bin"})
    assert base != warm.key("py3", "/r", {"PATH": "/bin"})


def test_wanted_follows_the_setting_unless_the_environment_says() -> None:
    assert warm.wanted(True, {}) and not warm.wanted(False, {})
    assert warm.wanted(False, {warm.ENV: "1"}) and not warm.wanted(True, {warm.ENV: "0"})
    assert not warm.wanted(True, {"CI": "true"})  # one run per CI machine: nothing to reuse
    assert warm.wanted(True, {"CI": "true", warm.ENV: "1"})


BUSY = "import time\n\ndef busy():\n    start = time.process_time()\n    while time.process_time() - start < 0.6:\n        pass\n\n"


def test_a_prepush_run_uses_it_and_says_so(tmp_path: Path) -> None:
    """Through nox: one `infra-warm:` line in the push output, the same verdicts as cold."""
    root = tmp_path / "p"
    git_dir(root)
    config = (
        "repos:\n- repo: local\n  hooks:\n  - id: unit\n    name: unit\n    entry: pytest tests\n"
        "    language: system\n    pass_filenames: false\n"
    )
    write(root, {".pre-commit-config.yaml": config, "noxfile.py": "import infra.sessions\n\ninfra.sessions.register()\n",
                 ".gitignore": ".infra/\n__pycache__/\n", "pyproject.toml": "[tool.infra]\n", "pytest.ini": "[pytest]\npythonpath = .\n",
                 "app.py": "def double(x):\n    return 2 * x\n", "tests/test_v.py": BUSY + "import app\n\ndef test_v():\n    busy()\n    assert app.double(1) == 2\n"})  # fmt: skip
    commit(root, "base")
    env = {**os.environ, warm.IDLE_ENV: "60"}
    del env[warm.ENV]  # on by default: the setting decides
    try:
        first = subprocess.run([sys.executable, "-m", "nox", "-t", "prepush", "--", "--all-files"], cwd=root, env=env, capture_output=True, text=True, check=False)  # fmt: skip
        assert first.returncode == 0 and "infra-warm: started warm process" in first.stdout, (
            first.stdout + first.stderr
        )
        _up(root)
        write(root, {"app.py": "def double(x):\n    return 3 * x\n"})
        commit(root, "break")
        second = subprocess.run([sys.executable, "-m", "nox", "-t", "prepush", "--", "--all-files"], cwd=root, env=env, capture_output=True, text=True, check=False)  # fmt: skip
        assert second.returncode == 1 and "infra-warm: pytest forked from warm process" in second.stdout
        assert "FAILED unit: 1 of 1 tests failed" in second.stdout, second.stdout
        session = next(
            r for r in results.read_run(root, results.latest_run(root) or "") if r.session == "pytest"
        )
        assert session.cpu_s >= 0.5  # the forked child's CPU is the session's too (the ledger, LB)
    finally:
        warm.stop(root)


def test_stopped_mid_run_the_run_finishes_cold(started: tuple[Path, dict[str, str], int]) -> None:
    """`infra warm stop` while a run's child works: the run is not lost, it runs again cold."""
    root, env, pid = started
    write(root, {"tests/test_slow.py": "import time\n\ndef test_slow():\n    time.sleep(6)\n"})
    argv = warm.command(sys.executable, ["-p", "no:cacheprovider", "-q", "tests/test_slow.py"])
    client = subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    server = psutil.Process(pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not server.children():
        time.sleep(0.05)
    warm.stop(root)
    out, err = client.communicate(timeout=120)
    assert client.returncode == 0 and "1 passed" in out, out + err
    assert (
        "ended without a result; running cold" in err or "stopped before the run started; ran cold" in err
    ), err


def test_a_warm_process_without_its_socket_is_skipped(started: tuple[Path, dict[str, str], int]) -> None:
    root, env, _pid = started
    next(warm.warm_dir(root).glob("*.sock")).unlink()
    cold = _client(root, env, "tests")
    assert cold.returncode == 0 and "forked" not in cold.stderr


def test_small_parts(tmp_path: Path) -> None:
    assert warm.main(["serve"]) == 2  # only `run -- ARGS` is a command
    assert warm.idle_s({warm.IDLE_ENV: "soon"}) == warm.DEFAULT_IDLE_S
    assert warm.said("a\ninfra-warm: x\nb") == ["infra-warm: x"]


def test_two_runs_ending_together_start_one_warm_process(tmp_path: Path) -> None:
    """A long hook split into its own pytest process: two cold runs of one configuration."""
    root, env = _setup(tmp_path)
    argv = warm.command(
        sys.executable, ["-p", "infra.pytest_report", "-q", "-p", "no:cacheprovider", "tests"]
    )
    runs = [
        subprocess.Popen(argv, cwd=root, env={**env, "INFRA_PYTEST_REPORT": str(tmp_path / f"r{i}.json")},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]  # fmt: skip
    try:
        said = [r.communicate(timeout=120)[1] for r in runs]
        assert sum("started warm process" in s for s in said) == 1, said
        pid = _up(root)
        servers = [
            p
            for p in psutil.process_iter(["cmdline"])
            if str(warm.warm_dir(root)) in " ".join(p.info["cmdline"] or [])
        ]
        assert [p.pid for p in servers] == [pid]
    finally:
        warm.stop(root)


def test_a_warm_run_for_the_pytest_script_leaves_the_directory_off_sys_path(
    started: tuple[Path, dict[str, str], int],
) -> None:
    """Hooks calling `pytest` (not `python -m pytest`) cannot import the working directory, warm
    or cold; the same warm process still serves `python -m pytest` hooks, which can."""
    root, env, pid = started
    script_env = {**env, "INFRA_SAFE_PATH": "1"}
    warm_run = _client(root, script_env, "tests")
    assert f"forked from warm process {pid}" in warm_run.stderr, warm_run.stderr
    assert warm_run.returncode != 0 and "No module named 'app'" in warm_run.stdout, warm_run.stdout
    cold = subprocess.run(
        warm.pytest_command(["-q", "-p", "no:cacheprovider", "tests"], safe_path=True),
        cwd=root, env=script_env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert cold.returncode == warm_run.returncode and "No module named 'app'" in cold.stdout
    module = _client(root, env, "tests")
    assert module.returncode == 0 and f"forked from warm process {pid}" in module.stderr, module.stderr
