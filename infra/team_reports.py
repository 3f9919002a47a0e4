"""A team's own reports, registered in ``pyproject.toml`` and treated like the built-in ones.

Teams regenerate reports of their own (a memory-safety or xdist state-pollution scan, an
AsyncMock scan, test-suite statistics) with scripts of their own, and a stale one goes
unnoticed. Registered here, ``infra reports`` regenerates them and ``infra reports --check``
names each stale one with a short diff, exactly as for the built-in reports::

    [tool.infra.reports]
    "reports/memory-safety.md" = "python scripts/scan_memory.py tests"   # stdout is the report
    "reports/pollution.md" = "python scripts/pollution.py --out {output}"  # it writes {output}
    "reports/slow.md" = { command = "python scripts/slow.py", timeout = 600 }

A key is the report's path from the repository root; a command is a shell command run from
the root (``timeout`` seconds, 300 by default). With ``{output}`` in it, the command writes the
report to that (temporary) path; without, its standard output is the report. A generator
that fails, times out or writes nothing is one line naming the report and the command
(:class:`Failed`), and its report is left as it was: the text goes to the real file only
after the generator succeeded, through a temporary file and an atomic rename.
"""

from __future__ import annotations

import os
import shlex
import tempfile
import tomllib
from pathlib import Path
from typing import NamedTuple

from infra import run
from infra.errors import ConfigError
from infra.reports import Report

DEFAULT_TIMEOUT = 300.0
OUTPUT = "{output}"
TABLE = "[tool.infra.reports]"


class Generator(NamedTuple):
    report: str  # path from the repository root, "/"-separated
    command: str
    timeout: float


class Failed(NamedTuple):
    report: str
    reason: str  # one line

    def line(self) -> str:
        return f"{self.report}: not regenerated: {self.reason}; the file is left as it was"


def load(root: Path) -> list[Generator]:
    """The generators registered in ``root/pyproject.toml``, sorted by report path."""
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: invalid TOML ({exc}); fix the file") from None
    table = data.get("tool", {}).get("infra", {}).get("reports", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: {TABLE} must be a table of report path = command")
    return sorted(_generator(pyproject, root, name, value) for name, value in table.items())


def _generator(pyproject: Path, root: Path, name: str, value: object) -> Generator:
    where = f"{pyproject}: {TABLE} {name!r}"
    target = (root / name).resolve()
    if Path(name).is_absolute() or not target.is_relative_to(root.resolve()) or target == root.resolve():
        raise ConfigError(f"{where}: the report must be a file inside the repository; use a relative path")
    command, timeout = value, DEFAULT_TIMEOUT
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"command", "timeout"})
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; use command and timeout")
        command, timeout = value.get("command"), value.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"{where}: expected a command string (or {{ command = ..., timeout = ... }})")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{where}: timeout must be a positive number of seconds")
    return Generator(Path(name).as_posix(), command, float(timeout))


def generate(root: Path, generators: list[Generator]) -> tuple[list[Report], list[Failed]]:
    """Run each generator; the reports of those that succeeded, and one failure per other one."""
    reports: list[Report] = []
    failed: list[Failed] = []
    with tempfile.TemporaryDirectory(prefix="infra-report-") as tmp:
        for index, generator in enumerate(generators):
            out = Path(tmp) / f"{index}{Path(generator.report).suffix}"
            result = _run(root, generator, out)
            if isinstance(result, Failed):
                failed.append(result)
            else:
                reports.append(result)
    return reports, failed


def _run(root: Path, generator: Generator, out: Path) -> Report | Failed:
    command = generator.command
    if OUTPUT in command:
        shell = command.replace(OUTPUT, shlex.quote(str(out)))
    else:
        shell = f"exec >{shlex.quote(str(out))}\n{command}"
    result = run.run(["sh", "-c", shell], cwd=root, env=os.environ, timeout=generator.timeout)
    shown = f"`{command}`"
    if result.timed_out:
        return Failed(generator.report, f"{shown} did not finish in {generator.timeout:g} s (stopped)")
    if result.returncode != 0:
        last = result.output.strip().splitlines()
        detail = f": {last[-1].strip()}" if last else ""
        return Failed(generator.report, f"{shown} exited with code {result.returncode}{detail}")
    if not out.is_file():
        return Failed(generator.report, f"{shown} succeeded but did not write {OUTPUT}")
    text = out.read_bytes().decode("utf-8", "replace")
    if not text:
        return Failed(generator.report, f"{shown} succeeded but wrote nothing")
    return Report(generator.report, text)
