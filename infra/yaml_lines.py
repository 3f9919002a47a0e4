"""A YAML file edited as lines: rows found through its nodes, every other byte left alone.

``infra migrate`` must change a handful of ``stages:`` lines and keep every comment, quote and
line break of the rest, which a YAML dump would not. So the text is split into rows with
YAML's own line breaks (so a node's ``start_mark.line`` is its row), the nodes composed by
PyYAML say which rows hold what, and rows are replaced, inserted or removed as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import yaml

from infra.errors import ConfigError

_NEWLINE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks, so rows match marks


class Line(NamedTuple):
    text: str
    end: str  # the line break ("" for a last line without one)


def words(text: str) -> str:
    return " ".join(text.split())


def split(text: str) -> list[Line]:
    lines, pos = [], 0
    for match in _NEWLINE.finditer(text):
        lines.append(Line(text[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(text):
        lines.append(Line(text[pos:], ""))
    return lines


def join(lines: Sequence[Line]) -> str:
    return "".join(line.text + line.end for line in lines)


def insert(lines: list[Line], row: int, texts: Sequence[str]) -> None:
    """Insert ``texts`` after ``row``; at an unterminated last row the last new line stays so."""
    newline = next((line.end for line in lines if line.end), "\n")
    end = lines[row].end
    lines[row] = lines[row]._replace(end=end or newline)
    added = [Line(t, newline) for t in texts]
    added[-1] = added[-1]._replace(end=end and newline)
    lines[row + 1 : row + 1] = added


def remove(lines: list[Line], start: int, stop: int) -> None:
    """Delete ``lines[start:stop]``, the inverse of ``insert``."""
    if stop == len(lines) and not lines[stop - 1].end and start > 0:
        lines[start - 1] = lines[start - 1]._replace(end="")
    del lines[start:stop]


def last_row(node: yaml.Node, lines: list[Line]) -> int:
    """The last row holding content of ``node`` (comments and blank lines after it excluded)."""
    row = max(n.end_mark.line - (n.end_mark.column == 0) for n in _leaves(node))
    while row > 0 and not lines[row].text.strip():
        row -= 1
    return row


def _leaves(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _leaves(item)
    else:
        for key, value in node.value:
            yield from _leaves(key)
            yield from _leaves(value)


def hook_nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    for repo in value(root, "repos").value:
        yield from value(repo, "hooks").value


def value(node: yaml.Node, name: str) -> Any:
    """The value node of key ``name`` in mapping ``node``, or None."""
    return next((value for key, value in node.value if key.value == name), None)


def entry(node: yaml.Node, name: str, where: str) -> tuple[yaml.Node, yaml.Node]:
    """Key and value nodes of ``name``, in a mapping that must be written in block style."""
    if getattr(node, "flow_style", False):
        raise ConfigError(
            f"{where}: written as a flow mapping {{...}}; write it as a block, then run infra migrate again"
        )
    return next((key, value) for key, value in node.value if key.value == name)


def flow(stages: Sequence[str]) -> str:
    return "[" + ", ".join(stages) + "]"
