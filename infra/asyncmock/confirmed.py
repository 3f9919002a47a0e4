"""Fix what the runtime guard confirmed, then re-run the tests: those that now fail were masked bugs.

``infra asyncmock fix --from-guard REPORT``. Each finding of the guard names where the mock was
made (``path:line``), the awaited mock (``authz.check_permission``, ``factory.return_value.authorize``)
and the tests that used its unconfigured result. The fix configures that result explicitly:

- an authorization-shaped name (check, authorize, permission, allowed, can_/is_/has_, verify...)
  gets ``deny_async_mock()`` at the construction site: awaiting it, or any child, returns False;
- anything else gets ``<mock>.<child>.return_value = None`` on the line after the assignment that
  made it (``<mock>`` as that line spells it), or ``return_value=None`` on the constructor or
  ``patch(...)`` when the mock's own result was used.

A mock made where it cannot be named (a decorator, a constructor that is not assigned and whose
child was used) is reported as not fixed. Then the affected tests run again, before and after
the change (the report may be older than the tree): a test that passed before and fails now
relied on the truthy default. That is a real masked bug, and the report says so.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import libcst as cst

from infra.asyncmock.checker import Finding
from infra.asyncmock.fixer import fix_source
from infra.asyncmock.forms import is_asyncmock_ctor, patch_call
from infra.asyncmock.index import ModuleIndex
from infra.asyncmock_finding import Finding as GuardFinding

_AUTH = re.compile(
    r"(^|_)(check|authori[sz]\w*|permission\w*|permit\w*|allow\w*|grant\w*|verify\w*|validate\w*|"
    r"access\w*|admin\w*|role\w*|polic\w*|acl|can|is|has|may)($|_)",
    re.IGNORECASE,
)


class Planned(NamedTuple):
    """What the fix does for one mock (``how`` empty: not fixed, ``why`` says why)."""

    site: str  # path:line where the mock was made
    mock: str
    tests: tuple[str, ...]
    how: str
    why: str


def authorization_shaped(mock: str) -> bool:
    """Whether the awaited name reads like a permission decision (its last part decides)."""
    last = mock.replace("()", "").rstrip(".").rpartition(".")[2]
    return bool(_AUTH.search(last))


def _statement_at(tree: ast.Module, line: int) -> ast.stmt | None:
    """The innermost statement that spans ``line``."""
    covering = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    return max(covering, key=lambda node: node.lineno, default=None)


def _made_at(index: ModuleIndex, line: int) -> tuple[ast.Call, str] | None:
    """The AsyncMock constructor (``AM001``) or patch call (``AM002``/``AM003``) starting on ``line``."""
    for call in index.calls:
        if call.lineno != line:
            continue
        if is_asyncmock_ctor(call, index.names):
            return call, "AM001"
        patch = patch_call(call, index.names)
        if patch is not None and not patch.mocker:
            return call, "AM002" if patch.new_callable is not None else "AM003"
    return None


def _child_path(mock: str, target: str) -> str | None:
    """``authz.check`` with target ``authz`` -> ``.check``; None when ``mock`` is not under it."""
    spelled = mock.replace("()", ".return_value")
    if spelled == target:
        return ""
    return spelled[len(target) :] if spelled.startswith(target + ".") else None


def plan_file(source: bytes, path: str, findings: Sequence[GuardFinding]) -> tuple[bytes, list[Planned]]:
    """The fixed source of one file and what was done for each mock made in it."""
    tree = ast.parse(source, filename=path)
    index = ModuleIndex(tree)
    inserts: dict[int, list[str]] = {}  # line after which a statement goes -> statements
    rewrites: list[Finding] = []
    planned: list[Planned] = []
    by_mock: dict[tuple[str, str], list[GuardFinding]] = {}
    for finding in findings:
        by_mock.setdefault((finding.created, finding.mock), []).append(finding)
    for (site, mock), group in sorted(by_mock.items()):
        tests = tuple(sorted({f.test for f in group}))
        line = int(site.rpartition(":")[2])
        made = None if group[0].creator.startswith("@") else _made_at(index, line)
        if made is None:
            # the line of a decorated test names the first of its decorators, not the patch
            why = (
                "made by a @patch decorator"
                if group[0].creator.startswith("@")
                else "no mock call on that line"
            )
            planned.append(Planned(site, mock, tests, "", why))
            continue
        call, code = made
        statement = _statement_at(tree, line)
        target = _assigned_name(statement, call, source)
        child = None if target is None else _child_path(mock, target)
        if authorization_shaped(mock) and code == "AM001":
            rewrites.append(Finding(path, call.lineno, call.col_offset + 1, "AM001", ""))
            planned.append(Planned(site, mock, tests, "deny_async_mock()", ""))
        elif child and statement is not None and target is not None:
            text = f"{target}{child}.return_value = None"
            inserts.setdefault(statement.end_lineno or statement.lineno, []).append(
                " " * statement.col_offset + text
            )
            planned.append(Planned(site, mock, tests, text, ""))
        elif child == "" or (target is None and "." not in mock.replace("()", "")):
            rewrites.append(Finding(path, call.lineno, call.col_offset + 1, "RV", ""))
            planned.append(Planned(site, mock, tests, "return_value=None", ""))
        else:
            planned.append(Planned(site, mock, tests, "", "the mock is not assigned to a name here"))
    return _apply(source, path, rewrites, inserts), planned


def _assigned_name(statement: ast.stmt | None, call: ast.Call, source: bytes) -> str | None:
    """The single target ``call`` is assigned to (``x = AsyncMock()``), as the source spells it."""
    if isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1:
        return ast.get_source_segment(source.decode("utf-8", "replace"), statement.targets[0])
    if isinstance(statement, ast.With | ast.AsyncWith):
        for item in statement.items:
            if item.context_expr is call and isinstance(item.optional_vars, ast.Name):
                return item.optional_vars.id
    return None


class _ReturnValue(cst.CSTTransformer):
    """Adds ``return_value=None`` to the calls at the given (line, column) positions."""

    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(self, at: set[tuple[int, int]]) -> None:
        super().__init__()
        self.at = at
        self.positions: dict[cst.Call, tuple[int, int]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        start = self.get_metadata(cst.metadata.PositionProvider, node).start
        self.positions[node] = (start.line, start.column + 1)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        from infra.asyncmock.fixer import add_keyword

        if self.positions.get(original_node) in self.at:
            return add_keyword(updated_node, "return_value", cst.Name("None"))
        return updated_node


def _apply(source: bytes, path: str, rewrites: list[Finding], inserts: dict[int, list[str]]) -> bytes:
    values = {(f.line, f.col) for f in rewrites if f.code == "RV"}
    if values:
        wrapper = cst.metadata.MetadataWrapper(cst.parse_module(source))
        source = wrapper.visit(_ReturnValue(values)).bytes
    denies = [f for f in rewrites if f.code != "RV"]
    shift = 0
    if denies:
        before = source.count(b"\n")
        source = fix_source(source, path, findings=denies).fixed
        shift = source.count(b"\n") - before  # the import, inserted above every change
    return _insert_lines(source, inserts, shift) if inserts else source


def _insert_lines(source: bytes, inserts: dict[int, list[str]], shift: int) -> bytes:
    newline = b"\r\n" if b"\r\n" in source else b"\n"
    lines = source.split(newline)
    for after in sorted(inserts, reverse=True):
        at = after + shift
        lines[at:at] = [text.encode() for text in inserts[after]]
    return newline.join(lines)


def fix_from_report(
    findings: Sequence[GuardFinding], root: Path, *, write: bool
) -> list[tuple[Path, bytes, bytes, list[Planned]]]:
    """Per file the guard's findings were made in: (path, original, fixed, what was done)."""
    by_file: dict[str, list[GuardFinding]] = {}
    for finding in findings:
        by_file.setdefault(finding.created.rpartition(":")[0], []).append(finding)
    results = []
    for name, group in sorted(by_file.items()):
        path = root / name
        if not path.is_file():
            planned = [
                Planned(f.created, f.mock, (f.test,), "", "the file is not in this tree") for f in group
            ]
            results.append((path, b"", b"", planned))
            continue
        original = path.read_bytes()
        fixed, planned = plan_file(original, name, group)
        if write and fixed != original:
            path.write_bytes(fixed)
        results.append((path, original, fixed, planned))
    return results


_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (\S+)")


def rerun(python: str, root: Path, tests: Sequence[str], *, timeout: float = 1800) -> dict[str, str]:
    """Run ``tests`` (node ids) with the project's own pytest configuration; node id -> outcome."""
    from infra.run import run

    result = run([python, "-m", "pytest", "-rA", "-p", "no:cacheprovider", *tests], cwd=root, timeout=timeout)
    outcomes: dict[str, str] = {}
    for line in result.output.splitlines():
        match = _OUTCOME.match(line)
        if match:
            word, test = match.groups()
            if outcomes.get(test) not in ("failed", "error"):  # a teardown error after a pass counts
                outcomes[test] = word.lower()
    return outcomes


def confirmed_sites(
    files: Sequence[Path], candidates: Sequence[Finding], runtime: Sequence[GuardFinding], root: Path
) -> list[Finding]:
    """The construction sites in ``files`` that the guard saw used (AM006), naming the first use.

    A guard finding names its site relative to the pytest root (``root``); the finding keeps the
    file's spelling as given, and the candidate's column when the site is a candidate.
    """
    seen: dict[str, GuardFinding] = {}
    for finding in sorted(runtime):
        seen.setdefault(finding.created, finding)
    columns = {(f.path, f.line): f.col for f in candidates}
    found = []
    for file in files:
        resolved = file.resolve()
        if not resolved.is_relative_to(root.resolve()):
            continue
        name = resolved.relative_to(root.resolve()).as_posix()
        for site, hit in seen.items():
            path, _, line = site.rpartition(":")
            if path != name or not line.isdigit():
                continue
            message = (
                f"confirmed at run time: {hit.mock} is awaited unconfigured and used ({hit.use}) at "
                f"{hit.used_at} in {hit.test}; configure it or use infra.testing.deny_async_mock()"
            )
            col = columns.get((str(file), int(line))) or _column_of(file, int(line))
            found.append(Finding(str(file), int(line), col, "AM006", message))
    return found


def _column_of(file: Path, line: int) -> int:
    """The 1-based column of the mock-making call on ``line`` (1 when there is none)."""
    try:
        made = _made_at(ModuleIndex(ast.parse(file.read_bytes())), line)
    except (OSError, SyntaxError, ValueError):
        return 1
    return 1 if made is None else made[0].col_offset + 1
