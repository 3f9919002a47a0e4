"""Time ``infra asyncmock check`` on ~400 generated, realistic async test files.

Run: ``.venv/bin/python benchmarks/bench_asyncmock.py [--files N] [--runs N] [--tree DIR]``. Prints
the median wall (and CPU) time of several full runs of ``check_paths`` over the tree (target:
<= 1 s for a real 128k-line tree, ``--tree`` points at it).
Not a unit test: the figure depends on the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.asyncmock import check_paths

HEADER = '''"""Tests for the {name} service."""

from __future__ import annotations

import unittest
from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from app.{name} import {cls}, guard


@pytest.fixture
def authz():
    mock = AsyncMock()
    mock.check_permission.return_value = False
    return mock


@pytest.fixture
def session():
    session = MagicMock()
    session.execute = AsyncMock(return_value=MagicMock(scalar=MagicMock(return_value=0)))
    session.__aexit__ = AsyncMock(return_value=False)
    return session
'''

BLOCKS = [
    """

async def test_{name}_{i}_denied(authz, session) -> None:
    handler = {cls}(db=session, authz=authz)
    with pytest.raises(PermissionError):
        await handler.delete("{i}")
    authz.check_permission.assert_awaited_once_with("user-{i}", "admin")
""",
    """

@patch("app.{name}.audit.record", new_callable=AsyncMock)
async def test_{name}_{i}_audit(record, authz) -> None:
    record.return_value = None
    handler = {cls}(authz=authz)
    assert await handler.count() == {i}
""",
    """

async def test_{name}_{i}_bare() -> None:
    notifier = AsyncMock()
    await {cls}(notifier=notifier).notify("{i}")
    notifier.assert_awaited()
""",
    """

class Test{cls}{i}(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.authz = AsyncMock()
        self.handler = {cls}(authz=self.authz)

    async def test_denied(self) -> None:
        self.authz.check_permission.return_value = False
        self.assertEqual(await self.handler.get("{i}"), 403)

    async def test_allowed(self) -> None:
        self.authz.check_permission.return_value = True
        self.assertEqual(await self.handler.get("{i}"), 200)
""",
    """

async def test_{name}_{i}_plain() -> None:
    values = [{i}, {i} + 1, {i} * 2]
    total = sum(value for value in values if value % 2 == 0)
    result = {{"total": total, "items": [str(v) for v in values]}}
    assert result["total"] >= 0
    assert len(result["items"]) == 3
""",
    """

async def test_{name}_{i}_context(session) -> None:
    with patch("app.{name}.client.fetch", new_callable=AsyncMock) as fetch:
        fetch.return_value = {{"id": "{i}"}}
        handler = {cls}(db=session)
        assert (await handler.load("{i}"))["id"] == "{i}"
        fetch.assert_awaited_once()
""",
]


def generate(root: Path, files: int, seed: int = 7) -> int:
    """Write ``files`` test modules of 150-400 lines; return the total number of lines."""
    rng = random.Random(seed)
    lines = 0
    for n in range(files):
        name, cls = f"svc{n}", f"Service{n}"
        parts = [HEADER.format(name=name, cls=cls)]
        for i in range(rng.randint(10, 30)):
            parts.append(rng.choice(BLOCKS).format(name=name, cls=cls, i=i))
        text = "".join(parts)
        package = root / f"pkg{n % 20}"
        package.mkdir(exist_ok=True)
        (package / f"test_{name}.py").write_text(text)
        lines += text.count("\n")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="time an existing test tree instead of a generated one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.tree or Path(tmp)
        lines = generate(root, args.files) if args.tree is None else _count_lines(root)
        files = sum(1 for _ in root.rglob("*.py"))
        times, cpus, findings = [], [], 0
        for _ in range(args.runs):
            start, cpu = time.perf_counter(), time.process_time()
            findings = len(check_paths([root]))
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    print(
        f"asyncmock check: {files} files, {lines} lines, {findings} findings; median {statistics.median(times):.3f} s "
        f"wall ({statistics.median(cpus):.3f} s CPU) over {args.runs} runs (min {min(times):.3f} s, "
        f"max {max(times):.3f} s)"
    )
    return 0


def _count_lines(root: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in root.rglob("*.py"))


if __name__ == "__main__":
    raise SystemExit(main())
