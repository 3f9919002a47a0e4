"""The AsyncMock fixer: corpus round trips, import placement, formatting, files and the CLI."""

from __future__ import annotations

import ast
import asyncio
import io
import textwrap
import tokenize
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from infra.asyncmock import check_source
from infra.asyncmock.fixer import add_keyword, fix_paths, fix_source, unified_diff, verified
from infra.main import main

CORPUS = sorted((Path(__file__).parent / "asyncmock_corpus").glob("case_*.py"))


def comments(data: bytes) -> Counter[str]:
    tokens = tokenize.tokenize(io.BytesIO(data).readline)
    return Counter(t.string for t in tokens if t.type == tokenize.COMMENT)


def fixed(source: str) -> str:
    """The fixed text of a dedented snippet."""
    return fix_source(textwrap.dedent(source).encode(), "t.py", candidates=True).fixed.decode()


@pytest.mark.parametrize("case", CORPUS, ids=[c.stem for c in CORPUS])
def test_corpus_round_trip(case: Path) -> None:
    """Fixed corpus files parse, have no findings left, keep every comment, and a rerun is a no-op."""
    data = case.read_bytes()
    result = fix_source(data, case.name, candidates=True)
    ast.parse(result.fixed)
    assert result.remaining == []
    assert result.note is None
    assert not comments(data) - comments(result.fixed)
    assert fix_source(result.fixed, case.name, candidates=True).fixed == result.fixed
    assert result.changed == bool(check_source(data, case.name, candidates=True))


def test_fixed_guard_test_now_denies() -> None:
    """After the fix, a test whose bare AsyncMock granted admin access sees the guard deny it."""
    source = textwrap.dedent(
        """
        from unittest.mock import AsyncMock


        async def guard(authz, user):
            if await authz.check_permission(user, "admin"):
                return "granted"
            raise PermissionError


        async def scenario():
            authz = AsyncMock()
            return await guard(authz, "bob")
        """
    )
    before: dict[str, object] = {}
    exec(compile(source, "before.py", "exec"), before)  # running the snippet is the point
    assert asyncio.run(before["scenario"]()) == "granted"  # type: ignore[operator]
    after: dict[str, object] = {}
    exec(compile(fixed(source), "after.py", "exec"), after)
    with pytest.raises(PermissionError):
        asyncio.run(after["scenario"]())  # type: ignore[operator]


# -- rewrites --------------------------------------------------------------------------------


def test_each_code_gets_its_fail_closed_form() -> None:
    """AM001 -> deny helper, AM002 -> new_callable=deny helper, AM003 -> adds it, AM004 -> return_value=False."""
    out = fixed(
        """
        from unittest import mock
        from unittest.mock import AsyncMock, patch

        class Authz:
            async def check(self): ...

        async def test_a(cm):
            authz = mock.AsyncMock(spec=Authz)  # keep me
            cm.__aexit__ = AsyncMock()
            with patch("x", new_callable=AsyncMock):
                pass
            with patch.object(Authz, "check"):
                pass
            with patch.object(Authz, "check", autospec=True):
                pass
            await guard(authz, cm)
        """
    )
    assert "authz = deny_async_mock(spec=Authz)  # keep me" in out
    assert "cm.__aexit__ = AsyncMock(return_value=False)" in out
    assert 'patch("x", new_callable=deny_async_mock)' in out
    assert 'patch.object(Authz, "check", new_callable=deny_async_mock)' in out
    assert 'patch.object(Authz, "check", return_value=False, autospec=True)' in out


def test_aexit_only_fix_adds_no_import() -> None:
    """An AM004-only file needs no helper, so no import is added."""
    out = fixed("from unittest.mock import AsyncMock\n\ncm.__aexit__ = AsyncMock()\nuse(cm)\n")
    assert (
        out
        == "from unittest.mock import AsyncMock\n\ncm.__aexit__ = AsyncMock(return_value=False)\nuse(cm)\n"
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("AsyncMock()", "AsyncMock(return_value=False)"),
        ("AsyncMock(Spec)", "AsyncMock(Spec, return_value=False)"),
        ("AsyncMock(spec=Spec)", "AsyncMock(return_value=False, spec=Spec)"),
        ("AsyncMock(Spec, name='n')", "AsyncMock(Spec, return_value=False, name='n')"),
        (
            "AsyncMock(\n    spec=Spec,  # why\n)",
            "AsyncMock(\n    return_value=False,\n    spec=Spec,  # why\n)",
        ),
        (
            "AsyncMock(\n    Spec,  # why\n    name='n',\n)",
            "AsyncMock(\n    Spec,  # why\n    return_value=False,\n    name='n',\n)",
        ),
        ("AsyncMock(\n    Spec,\n)", "AsyncMock(\n    Spec,\n    return_value=False,\n)"),
        ("AsyncMock(Spec )", "AsyncMock(Spec, return_value=False )"),
        ("AsyncMock(**kw)", "AsyncMock(return_value=False, **kw)"),
    ],
)
def test_add_keyword_keeps_the_call_layout(call: str, expected: str) -> None:
    """The new keyword goes before the first keyword, in the call's own layout, comments kept."""
    node = cst.parse_expression(call)
    assert isinstance(node, cst.Call)
    new = add_keyword(node, "return_value", cst.Name("False"))
    assert cst.Module([]).code_for_node(new) == expected


def test_lambda_factory_is_rewritten_inside() -> None:
    """`new_callable=lambda: AsyncMock()` becomes `lambda: deny_async_mock()`."""
    out = fixed(
        """
        from unittest.mock import AsyncMock, patch

        def test_a():
            with patch("x", new_callable=lambda: AsyncMock(name="x")):
                pass
        """
    )
    assert 'new_callable=lambda: deny_async_mock(name="x")' in out


def test_unfixable_finding_is_reported_as_remaining() -> None:
    """A positional new_callable cannot be rewritten: the finding is left and reported."""
    source = (
        b'from unittest.mock import AsyncMock, patch\nwith patch("x", 1, 2, 3, 4, 5, AsyncMock):\n    pass\n'
    )
    result = fix_source(source, "t.py", candidates=True)
    assert [f.code for f in result.remaining] == ["AM002"]
    assert result.applied == 0


# -- the import ------------------------------------------------------------------------------

IMPORT = "from infra.testing import deny_async_mock\n"


@pytest.mark.parametrize(
    ("source", "expected_prefix"),
    [
        (
            '"""Doc."""\nuse(AsyncMock())\n',
            f'"""Doc."""\n{IMPORT}use(deny_async_mock())\n',
        ),
        (
            "#!/usr/bin/env python\n# comment\nuse(AsyncMock())\n",
            f"#!/usr/bin/env python\n# comment\n{IMPORT}use(deny_async_mock())\n",
        ),
        (
            '"""Doc."""\n\nfrom __future__ import annotations\n\nimport os\nfrom x import (\n    y,\n)\n\n'
            "def test():\n    import json\n    use(AsyncMock())\n",
            f'"""Doc."""\n\nfrom __future__ import annotations\n\nimport os\nfrom x import (\n    y,\n)\n{IMPORT}',
        ),
        (
            "import os\nif TYPE_CHECKING:\n    import json\nimport sys\nX = 1\nimport re\nclass T:\n    import io\n"
            "    use(AsyncMock())\n",
            f"import os\nif TYPE_CHECKING:\n    import json\nimport sys\nX = 1\nimport re\n{IMPORT}class T:\n",
        ),
        (
            "import os\nuse(AsyncMock())\nimport sys\n",
            f"import os\n{IMPORT}use(deny_async_mock())\nimport sys\n",
        ),
    ],
    ids=[
        "docstring",
        "header-comments",
        "future-and-indented-import",
        "top-level-only",
        "before-first-change",
    ],
)
def test_import_goes_after_top_level_imports_before_the_first_change(
    source: str, expected_prefix: str
) -> None:
    """The import lands after docstring/__future__/top-level imports, never after an indented one."""
    out = fixed(source)
    assert out.startswith(expected_prefix)
    assert out.count(IMPORT) == 1


def test_existing_import_and_alias_are_reused() -> None:
    """An existing (possibly aliased) import of the helper is used instead of adding one."""
    out = fixed("from infra.testing import other, deny_async_mock as deny\nimport os\nuse(AsyncMock())\n")
    assert out == "from infra.testing import other, deny_async_mock as deny\nimport os\nuse(deny())\n"
    out = fixed(
        "from infra.testing import *\nfrom infra.testing import strict_async_mock\nuse(AsyncMock())\n"
    )
    assert out.endswith(f"from infra.testing import strict_async_mock\n{IMPORT}use(deny_async_mock())\n")


# -- files left alone ------------------------------------------------------------------------


def test_unparsable_file_is_left_untouched() -> None:
    """A file the checker cannot parse is not rewritten, and says why."""
    result = fix_source(b"def f(:\n    AsyncMock()\n", "bad.py", candidates=True)
    assert (result.changed, result.note, [f.code for f in result.remaining]) == (
        False,
        "cannot be parsed",
        ["AM000"],
    )


def test_file_libcst_cannot_parse_is_left_untouched() -> None:
    """When libcst rejects what ast accepts (20,000 implicitly joined strings), nothing is written."""
    source = b"use(AsyncMock())\nx = " + b" ".join([b"'a'"] * 20000) + b"\n"
    result = fix_source(source, "big.py", candidates=True)
    assert not result.changed
    assert result.note is not None and result.note.startswith("libcst cannot parse it")
    assert [f.code for f in result.remaining] == ["AM001"]


def test_rewrite_that_would_not_parse_is_rejected() -> None:
    """The final guard keeps the original when the rewritten text is not valid Python."""
    original = b"use(AsyncMock())\n"
    result = verified("t.py", original, b"m = deny_async_mock(\n", 1, candidates=True)
    assert (result.fixed, result.applied) == (original, 0)
    assert result.note is not None and result.note.startswith("the rewrite would not parse")
    assert [f.code for f in result.remaining] == ["AM001"]


def test_clean_source_is_unchanged() -> None:
    """Nothing to fix: same bytes, no note."""
    result = fix_source(b"m = AsyncMock(return_value=1)\n", "t.py", candidates=True)
    assert (result.changed, result.note, result.remaining) == (False, None, [])


# -- files and the command line --------------------------------------------------------------

BAD = b"from unittest.mock import AsyncMock\r\n\r\nm = AsyncMock()  # note\r\nuse(m)\r\n"


def test_fix_paths_writes_changed_files_and_keeps_line_endings(tmp_path: Path) -> None:
    """fix rewrites files in place, keeping CRLF line endings; clean files are not reported."""
    bad = tmp_path / "test_bad.py"
    bad.write_bytes(BAD)
    (tmp_path / "test_ok.py").write_bytes(b"x = 1\n")
    [result] = fix_paths([tmp_path], write=True, candidates=True)
    assert result.path == str(bad)
    assert bad.read_bytes() == (
        b"from unittest.mock import AsyncMock\r\nfrom infra.testing import deny_async_mock\r\n\r\n"
        b"m = deny_async_mock()  # note\r\nuse(m)\r\n"
    )


def test_cli_diff_prints_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """fix --diff prints a unified diff, exits 1 (changes pending) and leaves files alone."""
    bad = tmp_path / "test_bad.py"
    bad.write_bytes(BAD)
    assert main(["asyncmock", "fix", "--candidates", "--diff", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"--- {bad}\n+++ {bad}\n" in out
    assert "+m = deny_async_mock()  # note" in out
    assert "would fix 1 finding(s) in 1 file(s); 0 left" in err
    assert bad.read_bytes() == BAD


def test_cli_fix_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """fix exits 0 when everything got fixed, 1 when findings remain (unparsable files say so)."""
    bad = tmp_path / "test_bad.py"
    bad.write_bytes(BAD)
    assert main(["asyncmock", "fix", "--candidates", str(bad)]) == 0
    assert "fixed 1 finding(s) in 1 file(s); 0 left" in capsys.readouterr().err
    assert check_source(bad.read_bytes(), "x", candidates=True) == []
    broken = tmp_path / "test_broken.py"
    broken.write_text("def f(:\n    AsyncMock()\n")
    assert main(["asyncmock", "fix", "--candidates", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"warning: {broken}: left untouched: cannot be parsed" in err
    assert f"{broken}:1:7: AM000" in err


def test_relative_paths_get_git_style_diff_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative path is shown as a/PATH and b/PATH, like git."""
    monkeypatch.chdir(tmp_path)
    Path("t.py").write_bytes(BAD)
    [result] = fix_paths([Path("t.py")], write=False, candidates=True)
    assert unified_diff(result).startswith("--- a/t.py\n+++ b/t.py\n")


def test_reach_findings_are_fixed_fail_closed(tmp_path: Path) -> None:
    """AM007 findings (the code under test uses an unconfigured child) become deny_async_mock(),
    in exactly the labelled files, and none is left after the fix."""
    import shutil

    from infra.asyncmock import check_paths

    reach = Path(shutil.copytree(Path(__file__).parent / "asyncmock_corpus" / "reach", tmp_path / "reach"))
    reported = {Path(f.path).name: f.line for f in check_paths([reach]) if f.code == "AM007"}
    results = fix_paths([reach], write=True)
    assert sorted(Path(r.path).name for r in results if r.changed) == sorted(reported)
    for name in reported:
        [labelled] = [t for t in (reach / name).read_text().splitlines() if "# expect: AM001" in t]
        assert "deny_async_mock()" in labelled
    assert [f for f in check_paths([reach]) if f.code == "AM007"] == []
