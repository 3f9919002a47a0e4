"""All user-facing printing goes through here (streams are parameters, never globals)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO


def write_line(line: str = "", *, stream: TextIO | None = None) -> None:
    print(line, file=stream if stream is not None else sys.stdout, flush=True)


def error(message: str, *, stream: TextIO | None = None) -> None:
    write_line(f"error: {message}", stream=stream if stream is not None else sys.stderr)


def warn(message: str, *, stream: TextIO | None = None) -> None:
    write_line(f"warning: {message}", stream=stream if stream is not None else sys.stderr)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain left-aligned text table (no trailing spaces)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
