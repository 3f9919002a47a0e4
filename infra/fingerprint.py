"""Where and on what a run happened: machine fingerprint, git state, CI provider.

Timings are only compared within one machine fingerprint: a hash of the facts that decide
speed and rarely change (CPU model, core counts, memory, OS, arch, Python). Frequency and load
average are recorded beside it, unhashed, to explain outliers.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import psutil

HASHED = ("cpu_model", "logical_cores", "physical_cores", "memory_gb", "os", "arch", "python")
CPUINFO = Path("/proc/cpuinfo")


class Machine(NamedTuple):
    hash: str  # 16 hex digits over the HASHED facts
    info: dict[str, Any]  # the HASHED facts plus unhashed: freq_mhz, loadavg, os_release, python_full


class GitState(NamedTuple):
    commit: str | None
    branch: str | None  # None when detached or outside a repository
    dirty: bool | None  # tracked files modified (untracked files do not count)
    merge_base: str | None


def machine(cpuinfo: Path = CPUINFO) -> Machine:
    """This machine's fingerprint and the facts behind it."""
    info: dict[str, Any] = {
        "cpu_model": cpu_model(cpuinfo),
        "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30),
        "os": platform.system(),
        "arch": platform.machine(),
        "python": f"{platform.python_implementation()} {'.'.join(platform.python_version_tuple()[:2])}",
    }
    digest = hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest()[:16]
    info.update(
        freq_mhz=_freq_mhz(),
        loadavg=[round(load, 2) for load in os.getloadavg()],
        os_release=platform.release(),
        python_full=platform.python_version(),
    )
    return Machine(digest, info)


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """The CPU model name from ``/proc/cpuinfo`` when it has one, else what ``platform`` says."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware", "cpu model") and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def _freq_mhz() -> float | None:
    try:
        freq = psutil.cpu_freq()
    except (OSError, NotImplementedError):  # pragma: no cover - platform without cpufreq support
        return None
    return round(freq.current, 1) if freq else None


def _git(root: Path, *args: str) -> str | None:
    """Stripped stdout of a git command in ``root``, or None if it failed or git is missing."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(root: Path, target: str | None = None) -> GitState:
    """Commit, branch, dirty flag and merge-base with ``target``; all None outside a repository."""
    commit = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    if commit is None:
        inside = _git(root, "rev-parse", "--is-inside-work-tree") == "true"
        branch = _git(root, "symbolic-ref", "--short", "-q", "HEAD") if inside else None
        return GitState(None, branch, _dirty(root) if inside else None, None)
    merge_base = _git(root, "merge-base", "HEAD", target) if target else None
    return GitState(commit, _git(root, "symbolic-ref", "--short", "-q", "HEAD"), _dirty(root), merge_base)


def _dirty(root: Path) -> bool | None:
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


def ci(environ: Mapping[str, str] | None = None) -> dict[str, str | None] | None:
    """The CI provider and run id from the environment, or None on a developer machine."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return {
            "provider": "github",
            "run_id": env.get("GITHUB_RUN_ID"),
            "run_attempt": env.get("GITHUB_RUN_ATTEMPT"),
            "job": env.get("GITHUB_JOB"),
        }
    if env.get("GITLAB_CI"):
        return {"provider": "gitlab", "run_id": env.get("CI_PIPELINE_ID"), "job": env.get("CI_JOB_ID")}
    if is_ci(env):
        return {"provider": "generic", "run_id": env.get("BUILD_ID") or env.get("CI_RUN_ID")}
    return None


def is_ci(environ: Mapping[str, str]) -> bool:
    """``CI`` set to anything but empty, ``0``, ``false`` or ``no`` (any case): the one reading of it."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
