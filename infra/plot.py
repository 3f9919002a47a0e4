"""A hand-written SVG chart of each session's wall time over runs, plus each run's total.

No plotting library: the chart is a few polylines, so the output is small, dependency-free and
byte-for-byte deterministic for the same records (safe to commit or diff).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

from infra.ledger import SessionRecord

WIDTH, HEIGHT = 960, 440
LEFT, RIGHT, TOP, BOTTOM = 64, 250, 40, 56
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
TOTAL = "run total (elapsed)"


class Series(NamedTuple):
    name: str
    points: list[tuple[int, float]]  # (run index, seconds)


def plot(records: Sequence[SessionRecord], out: Path, *, last_runs: int | None = None) -> None:
    """Write the chart of ``records`` (ledger order) to ``out`` as SVG."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(records, last_runs=last_runs), encoding="utf-8")


def render(records: Sequence[SessionRecord], *, last_runs: int | None = None) -> str:
    """The SVG text (pure)."""
    runs = _runs(records)
    if last_runs is not None:
        runs = runs[-last_runs:]
    series = _series(runs)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15">Session wall time per run (seconds)</text>',
    ]
    if not runs:
        parts.append(f'<text x="{LEFT}" y="{TOP + 40}">no records in the ledger</text>')
    else:
        top = _nice_ceiling(max(value for s in series for _, value in s.points))
        parts += _axes(runs, top)
        drawing_order = sorted(enumerate(series), key=lambda pair: pair[1].name != TOTAL)  # total underneath
        for index, line in drawing_order:
            parts += _line(line, index, len(runs), top, total=line.name == TOTAL)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _runs(records: Sequence[SessionRecord]) -> list[list[SessionRecord]]:
    """Records grouped by run id, runs in order of first appearance."""
    grouped: dict[str, list[SessionRecord]] = {}
    for record in records:
        grouped.setdefault(record.run_id, []).append(record)
    return list(grouped.values())


def _series(runs: list[list[SessionRecord]]) -> list[Series]:
    by_session: dict[str, list[tuple[int, float]]] = {}
    for index, run in enumerate(runs):
        for record in run:
            by_session.setdefault(record.session, []).append((index, record.wall_s))
    lines = [Series(name, points) for name, points in sorted(by_session.items())]
    return [*lines, Series(TOTAL, [(index, _elapsed(run)) for index, run in enumerate(runs)])]


def _elapsed(run: list[SessionRecord]) -> float:
    """First start to last end of a run's sessions; the sum of wall times if stamps are unreadable."""
    try:
        starts = [datetime.fromisoformat(r.started_at) for r in run]
        ends = [datetime.fromisoformat(r.ended_at) for r in run]
        return max((max(ends) - min(starts)).total_seconds(), max(r.wall_s for r in run))
    except (ValueError, TypeError):
        return sum(r.wall_s for r in run)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times 10**k at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(float(step * power) for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top


def _axes(runs: list[list[SessionRecord]], top: float) -> list[str]:
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    parts = [f'<path d="M{LEFT},{TOP} V{bottom} H{right}" fill="none" stroke="black"/>']
    for tick in range(5):
        value = top * tick / 4
        y = _y(value, top)
        parts.append(f'<path d="M{LEFT - 4},{y:.1f} H{right}" stroke="#dddddd"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    count = len(runs)
    for index in sorted({round(i * (count - 1) / 4) for i in range(5)}):
        x = _x(index, count)
        parts.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">{index + 1}</text>')
    first, last = runs[0][0].started_at[:10], runs[-1][0].started_at[:10]
    label = escape(f"run (oldest → newest): {first} … {last}")
    parts.append(f'<text x="{(LEFT + right) / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{label}</text>')
    return parts


def _line(series: Series, index: int, count: int, top: float, *, total: bool) -> list[str]:
    colour = "#555555" if total else PALETTE[index % len(PALETTE)]
    dash = ' stroke-dasharray="6 3"' if total else ""
    width = 3 if total else 1.5
    points = " ".join(f"{_x(i, count):.1f},{_y(v, top):.1f}" for i, v in series.points)
    parts = [f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>']
    if count <= 60:
        parts += [
            f'<circle cx="{_x(i, count):.1f}" cy="{_y(v, top):.1f}" r="2.5" fill="{colour}"/>'
            for i, v in series.points
        ]
    y = TOP + 8 + 18 * index
    name = series.name if len(series.name) <= 30 else series.name[:29] + "…"
    parts.append(f'<path d="M{WIDTH - RIGHT + 16},{y} h22" stroke="{colour}" stroke-width="3"{dash}/>')
    parts.append(f'<text x="{WIDTH - RIGHT + 44}" y="{y + 4}">{escape(name)}</text>')
    return parts
