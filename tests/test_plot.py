"""The SVG chart of wall time per run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from infra.ledger import SessionRecord
from infra.plot import TOTAL, _nice_ceiling, plot, render

SVG = "{http://www.w3.org/2000/svg}"


def rec(run: int, session: str, wall: float, **overrides: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "run_id": f"r{run}",
        "session": session,
        "definition_hash": "d",
        "started_at": f"2025-01-{run + 1:02d}T00:00:00+00:00",
        "ended_at": f"2025-01-{run + 1:02d}T00:00:{int(wall):02d}+00:00",
        "machine": "m",
        "status": "success",
        "exit_code": 0,
        "wall_s": wall,
    }
    values.update(overrides)
    return SessionRecord(**values)


def history(runs: int) -> list[SessionRecord]:
    return [r for n in range(runs) for r in (rec(n, "tests", 40 + n), rec(n, "lint", 10))]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def polylines(root: ET.Element) -> list[list[str]]:
    """Each polyline's points, in drawing order (the run total first, underneath)."""
    return [line.attrib["points"].split() for line in root.iter(f"{SVG}polyline")]


def legend(root: ET.Element) -> list[str]:
    """Legend entries top to bottom."""
    entries = [t for t in root.iter(f"{SVG}text") if t.attrib["x"] == "754"]
    return [t.text or "" for t in sorted(entries, key=lambda t: float(t.attrib["y"]))]


def test_one_line_per_session_plus_the_run_total() -> None:
    """Each session gets a polyline with a point per run, and so does the run total; legend sorted."""
    root = parse(render(history(5)))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 3
    assert all(len(line.attrib["points"].split()) == 5 for line in lines)
    assert legend(root) == ["lint", "tests", TOTAL]
    assert len(list(root.iter(f"{SVG}circle"))) == 15


def test_output_is_deterministic(tmp_path: Path) -> None:
    """The same records give byte-identical files."""
    plot(history(8), tmp_path / "a" / "one.svg")
    plot(history(8), tmp_path / "two.svg")
    assert (tmp_path / "a" / "one.svg").read_bytes() == (tmp_path / "two.svg").read_bytes()


def test_run_total_is_elapsed_time_of_parallel_sessions() -> None:
    """Sessions running side by side: the total is first start to last end, not the sum."""
    root = parse(render([rec(0, "a", 30), rec(0, "b", 20), rec(1, "a", 30), rec(1, "b", 20)]))
    total, upper, _ = polylines(root)
    assert total == upper  # elapsed 30 s == the longer session, not 50 s


def test_unreadable_time_stamps_fall_back_to_the_sum() -> None:
    """Without usable stamps the total is the sum of the session times."""
    root = parse(render([rec(0, "a", 30, started_at="?"), rec(0, "b", 20, started_at="?")]))
    assert polylines(root)[0] == ["387.0,40.0"]  # 50 s: the top of a 0-50 s axis


def test_last_runs_and_names_are_escaped() -> None:
    """--last keeps the newest runs; names with markup characters are escaped."""
    records = [*history(10), rec(10, "<a&b>", 5.0)]
    root = parse(render(records, last_runs=3))
    assert len(polylines(root)[0]) == 3
    assert "<a&b>" in [t.text for t in root.iter(f"{SVG}text")]


def test_many_runs_drop_the_markers_and_long_names_are_cut() -> None:
    """Past 60 runs no point markers; a long session name is shortened in the legend."""
    name = "x" * 40
    root = parse(render([rec(n % 28, name, 5.0, run_id=f"r{n}") for n in range(61)]))
    assert list(root.iter(f"{SVG}circle")) == []
    assert legend(root) == ["x" * 29 + "…", TOTAL]


def test_empty_and_single_run() -> None:
    """No records: a note instead of axes. One run: points in the middle."""
    assert "no records in the ledger" in render([])
    single = parse(render([rec(0, "a", 3.0)]))
    assert {c.attrib["cx"] for c in single.iter(f"{SVG}circle")} == {"387.0"}


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0.0, 1.0), (0.7, 1.0), (1.5, 2.0), (2.2, 2.5), (41, 50.0), (120, 200.0)]
)
def test_nice_axis_ceiling(value: float, ceiling: float) -> None:
    """The y axis ends at 1, 2, 2.5 or 5 times a power of ten."""
    assert _nice_ceiling(value) == ceiling
