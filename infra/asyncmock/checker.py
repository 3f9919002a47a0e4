"""Find AsyncMocks whose awaited result is never configured (``infra asyncmock check``).

Awaiting an unconfigured ``AsyncMock`` returns a new, truthy mock, so ``if await authz.check(...)``
passes and an authorization test passes for the wrong reason. The analysis is static (stdlib
``ast``, nothing is imported or run) and per module, plus one look into the code under test:

- AM005: the module's own code awaits an unconfigured mock (or child) and uses the result;
- AM007 (``infra.asyncmock.reach``): the test hands the mock to code of the same repository (a
  patched factory's ``return_value``, a constructor or function argument) and calls into that
  code, which awaits an unconfigured child and uses the result. Only what can be shown is
  reported; every other site is a *candidate* (AM001-AM004) that ``--explain`` hands to the
  runtime guard.

Forms found: ``AsyncMock()`` under any alias or prefix (``mock.``, ``unittest.mock.``, ``mocker.``),
assigned to names, attributes (``obj.attr = AsyncMock()``), subscripts, tuples, inside
list/dict/tuple literals, passed as an argument, returned (``return AsyncMock()``) or built in a
lambda; ``patch``/``patch.object``/``mocker.patch`` with ``new_callable=AsyncMock`` (decorator,
``with``, ``start()``, ``enter_context``); ``patch.object`` with neither ``new`` nor
``new_callable`` on an ``async def`` visible in the module (it makes an AsyncMock itself).

Configured (not reported), see ``infra.asyncmock.flow`` for the exact rules:

- ``return_value=``, ``side_effect=`` or ``wraps=`` (or ``**kwargs``) in the constructor or patch
  call. ``spec``/``spec_set`` alone do NOT configure: a spec'd mock's awaited calls still
  return truthy mocks.
- later, in the same scope: ``m.return_value``/``m.side_effect`` assigned (also shaping the result,
  ``m.return_value.status = 200``), or ``m.configure_mock(return_value=...)``;
- children configured (``m.check.return_value = False``, ``m.check = AsyncMock(return_value=...)``):
  the mock is an object whose awaited calls are configured; its own result matters only if it is
  awaited itself, so this does not count when the test asserts ``m`` itself was awaited;
- ``m.assert_not_awaited()``/``assert_not_called()``: awaiting it fails the test anyway;
- a mock that never reaches anything that could await it (only inspected with ``isinstance``,
  ``str``, ``inspect.signature``, compared, or unused): it cannot grant anything. Patches
  always reach the code under test;
- a fixture/helper/``setUp`` that hands the mock out, when every consumer in the module configures
  it (or, if the producer has not wired it anywhere yet, leaves it alone);
- a mock passed to a helper function of the same module that configures its parameter;
- the ``infra.testing`` helpers: they are not ``AsyncMock`` constructors, so never reported.

``x.__aexit__ = AsyncMock()`` has its own code: its truthy result swallows exceptions raised
inside ``async with``; only the mock's own ``return_value``/``side_effect`` configure it.

Limits: one test module at a time (a fixture in ``conftest.py`` is judged without its users: hand
out ``deny_async_mock()`` there); string patch targets (``patch("asyncio.sleep")``) and classes
imported from other modules are not resolved for AM003; ``create_autospec`` is not followed; a
mock passed positionally to a constructor and configured through the object
(``Svc(AsyncMock())`` then ``svc.authz.check.return_value = ...``) is still reported; statement
order inside a scope is not checked (configuring after the await counts); ``# noqa`` applies to
the line a finding is reported on. A 128k-line test tree (and the source modules its mocks reach)
takes about 0.8 s of CPU.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from infra import nogc
from infra.asyncmock.flow import Flow
from infra.asyncmock.forms import (
    aexit_target,
    creates_asyncmock,
    ctor_configured,
    is_asyncmock_ctor,
    lambda_ctor,
    patch_call,
    patches_async_def,
)
from infra.asyncmock.index import ModuleIndex, Scope
from infra.asyncmock.index import Path as MockPath
from infra.asyncmock.reach import MockFacts, Reached, TestModule
from infra.asyncmock.source import Repository
from infra.errors import FatalError

RULES: dict[str, str] = {
    "AM000": "file that mentions AsyncMock or patch could not be read or parsed, so it was not checked",
    "AM005": "an AsyncMock (or the child of a partly configured one) whose awaited result is used by "
    "the test module's own code, while that result is never configured",
    "AM006": "a mock whose unconfigured awaited result the runtime guard saw used (check --guard-report)",
    "AM007": "an AsyncMock (or the unconfigured child of a partly configured one, or a patched factory's "
    "return_value) that the test hands to code of the same repository, which awaits it and uses the result",
}
# Candidates: sites whose awaited result may be unconfigured, where whether it is used is decided
# by code the module does not show. Never reported; ``--explain`` lists them with the runtime check.
CANDIDATES: dict[str, str] = {
    "AM001": "AsyncMock() handed to code that may await it, its awaited result never configured",
    "AM002": "patch(..., new_callable=AsyncMock) whose awaited result is never configured",
    "AM003": "patch.object on an async def (auto-created AsyncMock) whose awaited result is never configured",
    "AM004": "__aexit__ replaced by an AsyncMock without a configured return value",
}
_GUARD = "the runtime guard (pytest -p infra.asyncmock_guard) reports it where the result is used"
_MESSAGES = {
    "AM001": "AsyncMock() handed to code this module does not show; whether its awaited result is "
    f"used is decided there: {_GUARD}",
    "AM002": f"patch(new_callable=AsyncMock): the patched code decides whether the awaited result is used: {_GUARD}",
    "AM003": "patch.object on an async def makes an unconfigured AsyncMock; the patched code decides "
    f"whether the awaited result is used: {_GUARD}",
    "AM004": "__aexit__ = AsyncMock(): its truthy result matters only when an exception is raised inside "
    "`async with`; the runtime guard reports the interpreter's truth test then",
}
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


class Finding(NamedTuple):
    """One reported problem; ``col`` is 1-based, in characters."""

    path: str
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


class Site(NamedTuple):
    """A mock-making call and what the analysis knows about it.

    ``candidate`` is the rule code when the mock may be awaited while its result is unconfigured
    (the code under test decides whether that result is used: only the runtime guard can tell);
    ``awaited`` lists the awaits in this module whose used result comes from an unconfigured path.
    """

    call: ast.Call
    candidate: str
    awaited: list[tuple[MockPath, ast.Await]]
    factory: bool = False  # stored as a patched mock's ``return_value``: what the patched factory makes
    reach: MockFacts | None = None  # what rule AM007 follows into the code under test


def sites(tree: ast.Module, index: ModuleIndex | None = None) -> Iterator[Site]:
    """Each mock-making call of a module that is a candidate, has awaited evidence, or is an
    object mock whose children are partly configured (rule AM007 follows those)."""
    index = index or ModuleIndex(tree)
    flow, names = Flow(index), index.names
    claimed: set[ast.AST] = set()
    patched: dict[tuple[Scope, str], str] = {}  # (scope, name) bound to a patch's mock -> its target
    for call in index.calls:
        patch = patch_call(call, names)
        if patch is None:
            continue
        if patch.new_callable is not None:
            claimed.add(lambda_ctor(patch.new_callable, names) or patch.new_callable)
        groups = flow.bind.decorator_groups(patch) or [flow.bind.patch_results(patch, ())]
        target = patch.node.args[0] if patch.node.args and not patch.is_object else None
        spelled = target.value if isinstance(target, ast.Constant) and isinstance(target.value, str) else ""
        patched.update({(d.scope, d.path[0]): spelled for g in groups for d in g if len(d.path) == 1})
        code = (
            "AM002" if creates_asyncmock(patch, names) else "AM003" if patches_async_def(patch, index) else ""
        )
        # a patch puts the mock where the code under test finds it: it always leaks
        if code and not flow.satisfied([[*g, flow.bind.leak] for g in groups], own_only=False):
            yield Site(call, code, flow.awaited_unconfigured())
    flow.factories = set(patched)
    for call in index.calls:
        if call in claimed or not is_asyncmock_ctor(call, names) or ctor_configured(call):
            continue
        aexit = aexit_target(index, call)
        dests = flow.bind.destinations(call)
        # ``factory.return_value = AsyncMock()`` on a patched factory: the code under test gets it
        factory = any(d.path[1:] == ("return_value",) and (d.scope, d.path[0]) in patched for d in dests)
        configured = flow.satisfied([[*dests, flow.bind.leak] if factory else dests], own_only=aexit)
        awaited, evidence = flow.awaited_unconfigured(), flow.evidence
        partly = bool(evidence.configured) and () not in evidence.configured
        reach = None
        if not (aexit or evidence.opaque) and (partly or not configured):
            reach = MockFacts(call, dests, frozenset(evidence.configured), patched)
        if not configured or awaited or reach is not None:
            yield Site(call, "" if configured else "AM004" if aexit else "AM001", awaited, factory, reach)


def _suppressed(line: str, code: str) -> bool:
    if "noqa" not in line.lower():
        return False
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if codes is None or code.upper() in {c.strip().upper() for c in codes.split(",")}:
            return True
    return False


def _column(line: bytes, offset: int) -> int:
    return len(line[:offset].decode("utf-8", "replace")) + 1


def check_source(source: str | bytes, path: str, *, candidates: bool = False) -> list[Finding]:
    """Findings for one module's source; ``path`` is only used to label them.

    With ``candidates``, the sites the runtime guard has to judge instead (rules AM001-AM004),
    as ``--explain`` lists them, in place of the findings.
    """
    return _check(source, path, findings=not candidates, candidates=candidates, repo=Repository())


def _check(
    source: str | bytes, path: str, *, findings: bool, candidates: bool, repo: Repository
) -> list[Finding]:
    data = source.encode("utf-8") if isinstance(source, str) else source
    if b"AsyncMock" not in data and b"patch" not in data:
        return []  # nothing to find: not even parsed (most of a test tree; parsing is half the time)
    try:
        tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None) or 1
        col = getattr(exc, "offset", None) or 1
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Finding(path, line, col, "AM000", f"cannot parse: {reason}")]
    lines = data.splitlines()
    found: set[Finding] = set()
    index = ModuleIndex(tree)
    module = TestModule(index, Path(path), repo)
    for site in sites(tree, index):
        text = lines[site.call.lineno - 1]
        col = _column(text, site.call.col_offset)
        reached = module.reached(site.reach) if findings and site.reach and not site.awaited else []
        for code, wanted in (
            (site.candidate, candidates),
            ("AM005" if site.awaited else "AM007" if reached else "", findings),
        ):
            if wanted and code and not _suppressed(text.decode("utf-8", "replace"), code):
                message = (
                    _awaited_message(site, lines)
                    if code == "AM005"
                    else _reached_message(reached, lines)
                    if code == "AM007"
                    else _MESSAGES[code]
                )
                found.add(Finding(path, site.call.lineno, col, code, message))
    return sorted(found)


def _reached_message(reached: list[Reached], lines: list[bytes]) -> str:
    first = min(reached, key=lambda r: (str(r.source), r.awaited.lineno, r.entry.lineno))
    try:
        where = first.source.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        where = first.source
    entry = lines[first.entry.lineno - 1].decode("utf-8", "replace").strip()
    return (
        f"`.{first.child}()` is never configured, and the code under test awaits it and uses the result "
        f"at {where}:{first.awaited.lineno}, reached from line {first.entry.lineno} (`{entry}`): it gets "
        "a truthy mock; set return_value/side_effect or use infra.testing.deny_async_mock()"
    )


def _awaited_message(site: Site, lines: list[bytes]) -> str:
    path, node = min(site.awaited, key=lambda item: (item[1].lineno, item[1].col_offset))
    what = "its own result" if not path else f"`.{'.'.join(path)}()`"
    used = lines[node.lineno - 1].decode("utf-8", "replace").strip()
    return (
        f"{what} is awaited and the result used at line {node.lineno} (`{used}`), but never configured: "
        "it is a truthy mock; set return_value/side_effect or use infra.testing.deny_async_mock()"
    )


def _python_files(root: Path) -> Iterator[Path]:
    for child in sorted(root.iterdir()):
        if child.is_dir():
            if not child.name.startswith(".") and child.name not in _SKIPPED_DIRS:
                yield from _python_files(child)
        elif child.suffix == ".py":
            yield child


def iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    """The files to check: files as given, directories walked for ``*.py`` (each file once)."""
    seen: set[Path] = set()
    for given in paths:
        if not given.exists():
            raise FatalError(f"{given}: no such file or directory; pass an existing file or directory")
        for file in _python_files(given) if given.is_dir() else [given]:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def check_file(
    file: Path, *, candidates: bool = False, both: bool = False, repo: Repository | None = None
) -> list[Finding]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        return [Finding(str(file), 1, 1, "AM000", f"cannot read: {exc.strerror or exc}")]
    wanted = {"findings": both or not candidates, "candidates": both or candidates}
    return _check(data, str(file), **wanted, repo=repo or Repository())


def check_paths(paths: Sequence[Path], *, candidates: bool = False, both: bool = False) -> list[Finding]:
    """Findings (``candidates``: the sites left to the runtime guard instead; ``both``: the two in
    one pass, told apart by code) for files and directories (walked for ``*.py``), sorted by
    (path, line, col, code)."""
    repo = Repository()  # the code under test, parsed once for every test file that reaches it
    with nogc.paused():
        findings = [
            f
            for file in iter_files(paths)
            for f in check_file(file, candidates=candidates, both=both, repo=repo)
        ]
    return sorted(findings, key=lambda f: (f.path, f.line, f.col, f.code))
