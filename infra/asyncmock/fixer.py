"""Rewrite unconfigured AsyncMocks into their fail-closed form (``infra asyncmock fix``).

Each finding of the checker becomes:

- AM001 ``AsyncMock(args)`` (any alias/prefix) -> ``deny_async_mock(args)``: awaiting the mock or
  any child at any depth returns False (a top-level ``return_value=False`` would leave
  ``await mock.check_permission()`` truthy);
- AM002 ``new_callable=AsyncMock`` -> ``new_callable=deny_async_mock`` (inside
  ``lambda: AsyncMock(...)`` the constructor is renamed instead);
- AM003 ``patch.object(Cls, "async_method")`` -> adds ``new_callable=deny_async_mock``, or
  ``return_value=False`` when ``autospec`` is on (the two cannot be combined);
- AM004 ``x.__aexit__ = AsyncMock()`` -> ``AsyncMock(return_value=False)``: exceptions propagate.

Only the rewritten calls change: libcst keeps every comment and all formatting. The import
``from infra.testing import deny_async_mock`` goes after the module docstring, ``__future__``
imports and the top-level imports that precede the first change (never after an indented import),
unless the name is already imported. A file whose result would not parse is left untouched.
"""

from __future__ import annotations

import ast
import difflib
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, TypeGuard

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from infra.asyncmock.checker import Finding, check_source, iter_files

HELPER = "deny_async_mock"
HELPER_MODULE = "infra.testing"


class FixResult(NamedTuple):
    """The outcome for one file; ``fixed == original`` when nothing was (or could be) changed."""

    path: str
    original: bytes
    fixed: bytes
    applied: int
    remaining: list[Finding]
    note: str | None  # why the file was left untouched, when it was

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def _dotted(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _separator(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between two arguments, modelled on ``ws`` but without its comment."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(indent=ws.indent, last_line=ws.last_line)
    return cst.SimpleWhitespace(" ")


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` before its first keyword argument (or appended)."""
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    at = next((i for i, a in enumerate(args) if a.keyword is not None or a.star), len(args))
    if at < len(args):
        before = args[at - 1].comma if at else None
        ws = before.whitespace_after if isinstance(before, cst.Comma) else call.whitespace_before_args
        args.insert(at, new.with_changes(comma=cst.Comma(whitespace_after=_separator(ws))))
    elif args:
        last = args[-1]
        if isinstance(last.comma, cst.Comma):
            new = new.with_changes(comma=last.comma)
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=_separator(call.whitespace_before_args))
            )
        else:
            new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
        args.append(new)
    else:
        args.append(new)
    return call.with_changes(args=args)


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def rewrite(call: cst.Call, code: str, helper: str) -> cst.Call | None:
    """The fail-closed form of one reported call (None when it cannot be rewritten)."""
    if code in ("AM001", "AM005", "AM007"):
        return call.with_changes(func=cst.Name(helper))
    if code == "AM004":
        return add_keyword(call, "return_value", cst.Name("False"))
    if code == "AM003":
        autospec = _keyword(call, "autospec")
        if autospec is not None:
            return add_keyword(call, "return_value", cst.Name("False"))
        return add_keyword(call, "new_callable", cst.Name(helper))
    factory = _keyword(call, "new_callable")
    if factory is None:
        return None
    value = factory.value
    if isinstance(value, cst.Lambda) and isinstance(value.body, cst.Call):
        value = value.with_changes(body=value.body.with_changes(func=cst.Name(helper)))
    else:
        value = cst.Name(helper)
    return call.with_changes(args=[a.with_changes(value=value) if a is factory else a for a in call.args])


class _Rewriter(cst.CSTTransformer):
    def __init__(self, targets: dict[cst.Call, str], helper: str) -> None:
        super().__init__()
        self.targets, self.helper, self.applied = targets, helper, 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        code = self.targets.get(original_node)
        fixed = rewrite(updated_node, code, self.helper) if code else None
        if fixed is None:
            return updated_node
        self.applied += 1
        return fixed


class _Calls(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[tuple[int, int], cst.Call] = {}

    def visit_Call(self, node: cst.Call) -> None:
        if _dotted(node.func):
            start = self.get_metadata(PositionProvider, node).start
            self.at[(start.line, start.column + 1)] = node


def _is_import(stmt: cst.CSTNode) -> TypeGuard[cst.SimpleStatementLine]:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
    )


def _imported_helper(module: cst.Module) -> str | None:
    """The local name ``deny_async_mock`` is imported under at module level, if it is."""
    for stmt in module.body:
        if not _is_import(stmt):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.ImportFrom) or small.module is None:
                continue
            if module.code_for_node(small.module) != HELPER_MODULE or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                if isinstance(alias.name, cst.Name) and alias.name.value == HELPER:
                    return alias.evaluated_alias or HELPER
    return None


def _insert_index(module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange], first_line: int) -> int:
    """After the docstring, ``__future__`` and top-level imports that precede the first change."""
    leading = itertools.takewhile(
        lambda stmt: (
            positions[stmt].end.line < first_line and not isinstance(stmt, cst.FunctionDef | cst.ClassDef)
        ),
        module.body,
    )
    index = 0
    for i, stmt in enumerate(leading):
        if _is_import(stmt) or (i == 0 and module.get_docstring() is not None):
            index = i + 1
    return index


def _untouched(path: str, data: bytes, remaining: list[Finding], note: str | None) -> FixResult:
    return FixResult(path, data, data, 0, remaining, note)


def fix_source(
    data: bytes, path: str, *, candidates: bool = False, findings: Sequence[Finding] | None = None
) -> FixResult:
    """Fix one module's source (pure: nothing is read or written).

    What is fixed: ``findings`` when given (confirmed ones, e.g. from the runtime guard's report),
    else the checker's findings, or every candidate site with ``candidates``.
    """
    given = findings is not None
    findings = list(findings) if findings is not None else check_source(data, path, candidates=candidates)
    if not findings:
        return _untouched(path, data, [], None)
    if any(f.code == "AM000" for f in findings):
        return _untouched(path, data, findings, "cannot be parsed")
    try:
        wrapper = MetadataWrapper(cst.parse_module(data))
    except (cst.ParserSyntaxError, RecursionError) as exc:
        reason = exc.message if isinstance(exc, cst.ParserSyntaxError) else "too deeply nested"
        return _untouched(path, data, findings, f"libcst cannot parse it ({reason})")
    calls = _Calls()
    wrapper.visit(calls)
    targets = {calls.at[(f.line, f.col)]: f.code for f in findings if (f.line, f.col) in calls.at}
    module = wrapper.module
    helper = _imported_helper(module)
    rewriter = _Rewriter(targets, helper or HELPER)
    fixed = module.visit(rewriter)
    if helper is None and any(code != "AM004" for code in targets.values()):
        positions = wrapper.resolve(PositionProvider)
        at = _insert_index(module, positions, min(f.line for f in findings))
        statement = cst.parse_statement(f"from {HELPER_MODULE} import {HELPER}\n")
        fixed = fixed.with_changes(body=[*fixed.body[:at], statement, *fixed.body[at:]])
    if given:
        unmatched = [f for f in findings if (f.line, f.col) not in calls.at]
        try:
            ast.parse(fixed.bytes, filename=path)
        except (SyntaxError, ValueError, RecursionError) as exc:  # pragma: no cover - libcst output parses
            return _untouched(path, data, findings, f"the rewrite would not parse ({exc})")
        return FixResult(path, data, fixed.bytes, rewriter.applied, unmatched, None)
    return verified(path, data, fixed.bytes, rewriter.applied, candidates=candidates)


def verified(path: str, data: bytes, fixed: bytes, applied: int, *, candidates: bool = False) -> FixResult:
    """Accept a rewrite only if it parses; report what is still unfixed."""
    try:
        ast.parse(fixed, filename=path)
    except (SyntaxError, ValueError, RecursionError) as exc:
        remaining = check_source(data, path, candidates=candidates)
        return _untouched(path, data, remaining, f"the rewrite would not parse ({exc})")
    return FixResult(path, data, fixed, applied, check_source(fixed, path, candidates=candidates), None)


def fix_paths(paths: Sequence[Path], *, write: bool, candidates: bool = False) -> list[FixResult]:
    """Fix files and directories (walked for ``*.py``); write changed files only if ``write``."""
    results = []
    for file in iter_files(paths):
        data = file.read_bytes()
        result = fix_source(data, str(file), candidates=candidates)
        if write and result.changed:
            file.write_bytes(result.fixed)
        if result.changed or result.remaining:
            results.append(result)
    return results


def unified_diff(result: FixResult) -> str:
    """A ``diff -u`` of one result (empty when unchanged)."""
    before = result.original.decode("utf-8", "replace").splitlines(keepends=True)
    after = result.fixed.decode("utf-8", "replace").splitlines(keepends=True)
    absolute = Path(result.path).is_absolute()
    old, new = (result.path, result.path) if absolute else (f"a/{result.path}", f"b/{result.path}")
    return "".join(difflib.unified_diff(before, after, old, new))
