"""The AsyncMock checker: labelled corpus scores, rule details, file handling and the CLI."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tokenize
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from infra.asyncmock import CANDIDATES, RULES, Finding, check_paths, check_source
from infra.errors import FatalError
from infra.main import main

CORPUS = Path(__file__).parent / "asyncmock_corpus"
REPO = Path(__file__).resolve().parents[1]
_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>AM\d{3}(?:\s*,\s*AM\d{3})*)")

Label = tuple[str, int, str]


class Score(NamedTuple):
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def expected_labels(source: str, path: str) -> Counter[Label]:
    """``# expect: AM001[, AM001]`` comments (real comments only) -> (path, line, code) counts."""
    labels: Counter[Label] = Counter()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        match = _EXPECT.search(token.string) if token.type == tokenize.COMMENT else None
        for code in match.group("codes").split(",") if match else ():
            labels[(path, token.start[0], code.strip())] += 1
    return labels


def score(expected: Counter[Label], found: Counter[Label]) -> Score:
    return Score(
        sum((expected & found).values()), sum((found - expected).values()), sum((expected - found).values())
    )


def found_labels(findings: list[Finding]) -> Counter[Label]:
    return Counter((f.path, f.line, f.code) for f in findings)


def corpus_files() -> list[Path]:
    """The snippets, and the cases whose code under test is in the corpus (``reach/``)."""
    return sorted([*CORPUS.glob("case_*.py"), *CORPUS.glob("reach/case_*.py")])


def assert_labels(source: str) -> None:
    """The findings for ``source`` are exactly its ``# expect:`` labels."""
    text = textwrap.dedent(source)
    found = found_labels(check_source(text, "snippet.py", candidates=True))
    assert found == expected_labels(text, "snippet.py")


# -- the labelled corpus ---------------------------------------------------------------------


def corpus_labels(files: list[Path]) -> Counter[Label]:
    expected: Counter[Label] = Counter()
    for file in files:
        expected += expected_labels(file.read_text(), str(file))
    return expected


def test_corpus_candidates_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    """Candidate sites (never reported: --explain hands them to the runtime guard) score P, R >= 0.9.

    Their precision is bounded by shapes only a run can judge (case_119, case_121), their recall
    by a partly configured mock handed to unseen code (case_122).
    """
    files = corpus_files()
    expected = corpus_labels(files)
    result = score(expected, found_labels(check_paths(files, candidates=True)))
    with capsys.disabled():
        print(
            f"\nasyncmock corpus candidates: {len(files)} snippets, {sum(expected.values())} labelled; "
            f"TP={result.tp} FP={result.fp} FN={result.fn} "
            f"precision={result.precision:.3f} recall={result.recall:.3f}"
        )
    assert result.precision >= 0.9
    assert result.recall >= 0.9


def test_findings_are_right_when_they_speak(capsys: pytest.CaptureFixture[str]) -> None:
    """Every finding (both corpora) is a mock labelled as used unconfigured at run time."""
    files = [*corpus_files(), *sorted((CORPUS / "runtime").glob("shape_*.py"))]
    expected = Counter({(p, n): 1 for (p, n, _) in corpus_labels(files)})
    found = Counter({(f.path, f.line): 1 for f in check_paths(files)})
    result = score(expected, found)  # type: ignore[arg-type]
    with capsys.disabled():
        print(
            f"\nasyncmock findings: TP={result.tp} FP={result.fp} FN={result.fn} "
            f"precision={result.precision:.3f} recall={result.recall:.3f} (the runtime guard covers the rest)"
        )
    assert result.tp >= 2
    assert result.fp == 0


def test_corpus_is_large_and_covers_every_rule() -> None:
    """At least 60 snippets, each rule labelled at least twice, and plenty of clean snippets."""
    files = corpus_files()
    labels: Counter[Label] = Counter()
    clean = 0
    for file in files:
        found = expected_labels(file.read_text(), file.name)
        labels += found
        clean += not found
    codes = Counter(code for (_, _, code), n in labels.items() for _ in range(n))
    assert len(files) >= 60
    assert all(codes[code] >= 2 for code in ("AM001", "AM002", "AM003", "AM004"))
    assert clean >= len(files) // 3


def test_scoring_counts_false_alarms_and_misses() -> None:
    """The score function punishes both a silent checker and a noisy one."""
    expected = Counter({("a.py", 3, "AM001"): 1, ("a.py", 9, "AM002"): 1})
    silent = score(expected, Counter())
    noisy = score(expected, expected + Counter({("a.py", 5, "AM001"): 1}))
    assert (silent.recall, silent.precision) == (0.0, 1.0)
    assert (noisy.recall, round(noisy.precision, 3)) == (1.0, 0.667)


def test_expect_labels_ignore_strings() -> None:
    """Only real comments count as labels; repeated codes count twice."""
    source = 'x = "# expect: AM001"\ny = 1  # expect: AM001, AM001\n'
    assert expected_labels(source, "p") == Counter({("p", 2, "AM001"): 2})


# -- rule details beyond the corpus ----------------------------------------------------------

RULE_CASES = {
    "foreign_asyncmock_is_not_unittest": """
        from tests.fakes import AsyncMock

        async def test_x():
            m = AsyncMock()
            await guard(m)
    """,
    "patch_alias_and_module_style": """
        from unittest.mock import patch as p, AsyncMock
        import unittest.mock
        import unittest.mock as um

        def test_x():
            with p("a.b", new_callable=AsyncMock):  # expect: AM002
                pass
            with um.patch.object(x, "y", new_callable=um.AsyncMock):  # expect: AM002
                pass
            with unittest.mock.patch("z", new_callable=unittest.mock.AsyncMock):  # expect: AM002
                pass
    """,
    "inherited_async_method_and_sync_override": """
        from unittest.mock import patch

        class Base:
            async def check(self): ...

        class Child(Base):
            pass

        class Sync(Base):
            def check(self): ...

        def test_x():
            with patch.object(Child, "check"):  # expect: AM003
                pass
            with patch.object(Sync, "check"):
                pass
            with patch.object(Child, "check", new=None):
                pass
            with patch.object(Child, attribute="check", autospec=True):  # expect: AM003
                pass
            with patch.object(Child, name):
                pass
    """,
    "patch_object_on_self_attribute_from_setup": """
        import unittest
        from unittest.mock import patch

        class Authz:
            async def check(self): ...

        class T(unittest.TestCase):
            def setUp(self):
                self.authz = Authz()

            def test_a(self):
                with patch.object(self.authz, "check"):  # expect: AM003
                    pass
                with patch.object(self.other, "check"):
                    pass
    """,
    "enter_context_and_patcher_aliases": """
        import contextlib
        from unittest.mock import AsyncMock, patch

        def test_x():
            with contextlib.ExitStack() as stack:
                stack.enter_context(patch("a", new_callable=AsyncMock))  # expect: AM002
                p = patch("b", new_callable=AsyncMock)
                m = stack.enter_context(p)
                m.return_value = 1
                q = patch("c", new_callable=AsyncMock)
                with q as n:
                    n.side_effect = OSError
                r = patch("d", new_callable=AsyncMock)
                alias = r
                mocked = alias.__enter__()
                mocked.return_value = 2
                s = patch("e", new_callable=AsyncMock)  # expect: AM002
                s.start()
                s.stop()
                started = patch("f", new_callable=AsyncMock).start()
                started.return_value = 3
                with patch("g", new_callable=AsyncMock) as (a, b):  # expect: AM002
                    pass
    """,
    "helper_methods_and_callers": """
        from unittest.mock import AsyncMock

        class T:
            def _authz(self):
                return AsyncMock()

            def _unused(self):
                return AsyncMock()  # expect: AM001

            @staticmethod
            def _static():
                return AsyncMock()  # expect: AM001

            async def test_a(self):
                authz = self._authz()
                authz.check.return_value = False
                await guard(self._static())

        def orphan():
            return AsyncMock()  # expect: AM001

        def passed_on():
            return AsyncMock()  # expect: AM001

        async def test_b():
            await guard(passed_on())
    """,
    "fixture_name_and_yield_from": """
        import pytest
        from unittest.mock import AsyncMock

        @pytest.fixture(name="authz")
        def authz_fixture():
            return AsyncMock()

        @pytest.fixture()
        def client():
            yield from [AsyncMock()]  # expect: AM001

        def test_a(authz):
            authz.check.return_value = False
    """,
    "decorators_without_a_parameter": """
        import unittest
        from unittest.mock import AsyncMock, patch

        @patch("a", new_callable=AsyncMock)  # expect: AM002
        def test_no_param():
            pass

        @patch("b", new_callable=AsyncMock)  # expect: AM002
        class TestNothing(unittest.TestCase):
            def helper(self):
                pass

        @patch("c", new_callable=AsyncMock)
        class TestStacked(unittest.TestCase):
            @patch("d", new_callable=AsyncMock, return_value=1)
            def test_a(self, d, c):
                c.return_value = 2

        @patch("e", new=AsyncMock(return_value=1))
        def test_new_given():
            pass
    """,
    "own_use_and_child_assertions": """
        from unittest.mock import AsyncMock

        async def test_a():
            m = AsyncMock()  # expect: AM001
            m.check.return_value = False
            await run(m)
            assert m.await_count == 1

        async def test_b():
            m = AsyncMock()  # expect: AM001
            m.configure_mock()
            m.check.assert_awaited_once()
            m.check()

        async def test_c():
            m = AsyncMock()
            m.check.configure_mock(return_value=False)
            m.assert_not_called()

        async def test_d():
            m = AsyncMock()
            m.configure_mock(check=AsyncMock(return_value=False))

        async def test_e():
            m = AsyncMock()  # expect: AM001
            m.name = "authz"
            m.user = make_user()
            del m.other
            await run(m)
    """,
    "unpacking_and_containers": """
        from unittest.mock import AsyncMock

        async def test_a():
            (a, b), c = (AsyncMock(), AsyncMock()), AsyncMock()
            a.return_value = b.return_value = c.return_value = 1
            first, *rest = AsyncMock(), AsyncMock()  # expect: AM001, AM001
            use([*more, AsyncMock()])  # expect: AM001
            pair = AsyncMock(), AsyncMock()  # expect: AM001
            pair[0].return_value = 1
            await use(a, b, c, pair, first)

        async def test_b():
            items = [AsyncMock()]  # expect: AM001
            use(items)
            items = []

        async def test_c():
            x, y = AsyncMock()  # expect: AM001
            p, q = [AsyncMock()]  # expect: AM001
            use(p)
            [*more, AsyncMock()]  # a discarded expression: nothing can await it
    """,
    "anonymous_positions": """
        from unittest.mock import AsyncMock

        async def test_a(flag):
            use(await AsyncMock())  # expect: AM001
            AsyncMock().check.return_value = 1  # expect: AM001
            x = AsyncMock() if AsyncMock() else None  # expect: AM001
            y = flag or AsyncMock()  # expect: AM001
            d = {AsyncMock(): 1}
            setattr(obj, name, AsyncMock())  # expect: AM001
            for m in AsyncMock():
                pass
            if (w := AsyncMock()):
                w.return_value = 1
            AsyncMock()()  # expect: AM001
            use(x, y, d, w)
    """,
    "aexit_forms": """
        from unittest.mock import AsyncMock, MagicMock

        async def test_a():
            cm = MagicMock()
            setattr(cm, "__aexit__", AsyncMock())  # expect: AM004
            type(cm).__aexit__ = AsyncMock()  # expect: AM004
            cm.__aexit__: AsyncMock = AsyncMock()  # expect: AM004
            other = MagicMock()
            other.__aexit__ = AsyncMock()
            other.__aexit__.side_effect = None
            await use(cm, other)
            unused = MagicMock()
            unused.__aexit__ = AsyncMock()
    """,
    "self_referential_session_terminates": """
        from unittest.mock import AsyncMock

        async def test_a():
            s = AsyncMock()  # expect: AM001
            s.__aenter__.return_value = s
            s.assert_awaited()
    """,
    "callees_are_followed_only_when_unambiguous": """
        from unittest.mock import AsyncMock

        def arrange(m, *, deny=True):
            m.return_value = not deny

        def twice(m):
            m.return_value = 1

        def twice(m):
            pass

        async def test_a():
            a = AsyncMock()
            arrange(a)
            b = AsyncMock()
            arrange(m=b)
            c = AsyncMock()  # expect: AM001
            twice(c)
            d = AsyncMock()  # expect: AM001
            arrange(*[d])
            e = AsyncMock()  # expect: AM001
            arrange(1, 2, e)
            f = AsyncMock()  # expect: AM001
            arrange(nope=f)
            g = AsyncMock()  # expect: AM001
            self.x.arrange(g)
            h = AsyncMock()  # expect: AM001
            make()(h)
    """,
    "module_and_class_level": """
        from unittest.mock import AsyncMock

        SHARED = AsyncMock()

        class TestA:
            authz = AsyncMock()
            other = AsyncMock()  # expect: AM001

            def test_a(self):
                TestA.authz.check.return_value = 1
                use(self.authz, self.other)

        def test_b():
            SHARED.return_value = 1
    """,
    "lambda_new_callable_and_positional": """
        from unittest.mock import DEFAULT, AsyncMock, patch

        def test_a():
            with patch("a", new_callable=lambda: AsyncMock(side_effect=OSError)):
                pass
            with patch("b", DEFAULT, None, False, None, None, AsyncMock):  # expect: AM002
                pass
            with patch("c", new_callable=lambda: 1):
                pass
            with patch("d", new_callable=AsyncMock, **opts):
                pass
            with patch("e", *args):
                pass
    """,
    "mocker_variants": """
        async def test_a(mocker, session_mocker):
            m = session_mocker.patch.object(Svc, "x", new_callable=mocker.AsyncMock)  # expect: AM002
            n = mocker.patch("y", new=mocker.AsyncMock())
            n.return_value = 1
            client.patch("/users", json={})
    """,
    "children_replaced_by_functions_or_data": """
        from unittest.mock import AsyncMock

        async def fake(*args):
            return False

        async def test_a(i, name):
            a = AsyncMock()
            a.check = fake
            b = AsyncMock()
            b.check = lambda *args: fake()
            c = AsyncMock()  # expect: AM001
            setattr(c, name, fake)
            mocks = [AsyncMock(), AsyncMock()]
            mocks[i].return_value = 1
    """,
    "dicts_with_computed_keys": """
        from unittest.mock import AsyncMock

        async def test_a(key):
            deps = {"db": None, key: AsyncMock()}
            deps["authz"].return_value = 1
            more = {**deps, "authz": AsyncMock()}
            more["authz"].return_value = 1
            await use(deps, more)
            make().configure_mock(check=AsyncMock())  # expect: AM001
    """,
    "recursive_helper": """
        from unittest.mock import AsyncMock

        def make(n):
            if n == 0:
                return AsyncMock()  # expect: AM001
            return make(n - 1)
    """,
    "patch_object_targets_that_cannot_be_resolved": """
        from unittest.mock import AsyncMock, patch

        class A:
            async def check(self): ...

        class B(A): ...

        class C(A): ...

        class D(B, C, Unknown): ...

        def test_a():
            svc = make()
            other = D()
            with patch.object(svc, "check"):
                pass
            with patch.object(A(), "check"):
                pass
            with patch.object(other, "check"):  # expect: AM003
                pass
            with factory().patch("x", new_callable=AsyncMock) as m:
                m.return_value = 1
    """,
    "decorators_mixed_with_other_decorators": """
        import pytest
        from unittest.mock import AsyncMock, patch

        @pytest.fixture(scope="module")
        def shared():
            return AsyncMock()  # expect: AM001

        @pytest.mark.parametrize("x", [1])
        @patch("a", new_callable=AsyncMock)
        @pytest.mark.slow
        def test_a(a, x, shared):
            a.return_value = x
            use(shared)

        def test_b(shared):
            pass
    """,
    "inert_and_leaking_uses": """
        import inspect
        from unittest.mock import AsyncMock

        def test_inert(x):
            m = AsyncMock()
            assert m
            if not m == x:
                print(f"{m!r}", str(m), object.__hash__(m), m.__round__(), inspect.signature(m))
            del m

        async def test_leaks(client):
            a = AsyncMock()  # expect: AM001
            await a.__aenter__()
            b = AsyncMock()  # expect: AM001
            with b:
                pass
            c = AsyncMock()  # expect: AM001
            await client.get(auth=c)
            d = AsyncMock()  # expect: AM001
            await d.check()
    """,
    "factory_chains": """
        import pytest
        from unittest.mock import AsyncMock

        def make():
            return AsyncMock()

        def make_unchecked():
            return AsyncMock()  # expect: AM001

        @pytest.fixture
        def authz():
            mock = make()
            return mock

        @pytest.fixture
        def loose():
            return make_unchecked()

        async def test_a(authz, loose):
            authz.check.return_value = False
            await guard(authz)
            await guard(loose)
    """,
    "module_level_oddities": """
        from unittest.mock import AsyncMock

        setattr(config, "authz", AsyncMock())
        config.authz.check.return_value = False
        return AsyncMock()  # expect: AM001
    """,
}


@pytest.mark.parametrize("source", RULE_CASES.values(), ids=RULE_CASES.keys())
def test_rule_cases(source: str) -> None:
    """Each snippet's findings are exactly its `# expect:` labels."""
    assert_labels(source)


def test_unittest_patch_names_need_an_import_when_shadowed() -> None:
    """A `patch` imported from elsewhere (not unittest.mock) is not a mock patcher."""
    assert_labels(
        """
        from requests_mock import patch
        from unittest.mock import AsyncMock

        def test_a():
            with patch("a", new_callable=AsyncMock):
                pass
        """
    )


# -- output, positions, suppression ----------------------------------------------------------


def test_finding_text_and_column_in_characters() -> None:
    """`path:line:col: CODE message`, with a 1-based column counted in characters, not bytes."""
    source = 'label = "é"; authz = AsyncMock()\nguard(authz)\n'
    [finding] = check_source(source, "t.py", candidates=True)
    assert (finding.line, finding.col, finding.code) == (1, 22, "AM001")
    assert str(finding) == f"t.py:1:22: AM001 {finding.message}"


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        ("# noqa", False),
        ("# NOQA:am001", False),
        ("# noqa: AM004, AM001", False),
        ("# noqa: AM004", True),
        ("# ruff: noqa", True),
        ("# not a noqa comment", True),
    ],
)
def test_noqa_suppression(comment: str, reported: bool) -> None:
    """`# noqa` (bare or listing the code, any case) on the reported line suppresses it."""
    findings = check_source(f"m = AsyncMock()  {comment}\nguard(m)\n", "t.py", candidates=True)
    assert bool(findings) is reported


def test_rules_document_every_code() -> None:
    """RULES and CANDIDATES map each code the checker emits to a one-line description."""
    assert set(RULES) == {"AM000", "AM005", "AM006", "AM007"}
    assert set(CANDIDATES) == {"AM001", "AM002", "AM003", "AM004"}
    assert all(desc and "\n" not in desc for desc in [*RULES.values(), *CANDIDATES.values()])


@pytest.mark.parametrize(
    "source",
    [
        b"def f(:\n    patch\n",
        b"x = AsyncMock\x00\n",
        b"y = AsyncMock()\nx = " + b" + ".join([b"1"] * 5000) + b"\n",
    ],
    ids=["syntax", "null-byte", "too-deep"],
)
def test_unparsable_source_is_reported(source: bytes) -> None:
    """A file that mentions mocks but cannot be parsed gives AM000, never a clean result."""
    [finding] = check_source(source, "bad.py")
    assert finding.code == "AM000"
    assert finding.message.startswith("cannot parse")


def test_source_without_mocks_is_clean() -> None:
    """A module that mentions neither AsyncMock nor patch has no findings, and is not even parsed."""
    assert check_source("def test_x():\n    assert 1\n", "t.py") == []
    assert check_source("def test_x(:\n", "t.py") == []


# -- files and directories -------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


BAD = "from unittest.mock import AsyncMock\nm = AsyncMock()\nasync def f():\n    assert await m.check()\n"


def test_check_paths_walks_sorts_and_keeps_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Directories are walked for *.py (hidden dirs and __pycache__ skipped); paths stay as given."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tests" / "b.py", BAD + "n = AsyncMock()\nasync def g():\n    return len(await n())\n")
    write(tmp_path / "tests" / "a" / "test_x.py", BAD)
    write(tmp_path / "tests" / ".hidden" / "x.py", BAD)
    write(tmp_path / "tests" / "__pycache__" / "x.py", BAD)
    write(tmp_path / "tests" / "notes.txt", BAD)
    findings = check_paths([Path("tests"), Path("tests/b.py")])
    assert [(f.path, f.line) for f in findings] == [
        ("tests/a/test_x.py", 2),
        ("tests/b.py", 2),
        ("tests/b.py", 5),
    ]


def test_explicit_file_is_checked_whatever_its_suffix(tmp_path: Path) -> None:
    """A file named on the command line is checked even without a .py suffix."""
    script = write(tmp_path / "check_script", BAD)
    assert [f.code for f in check_paths([script])] == ["AM005"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    """A path that does not exist raises FatalError naming it."""
    with pytest.raises(FatalError, match="nope: no such file or directory"):
        check_paths([tmp_path / "nope"])


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    """A file that cannot be read (dangling link) is reported as AM000."""
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    [finding] = check_paths([tmp_path])
    assert finding.code == "AM000"
    assert "cannot read" in finding.message


# -- command line ----------------------------------------------------------------------------


def test_cli_text_output_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check exits 1 with one line per finding, 0 when clean, 2 for a missing path."""
    bad = write(tmp_path / "bad" / "test_a.py", BAD)
    good = write(tmp_path / "good" / "test_b.py", "def test_b():\n    pass\n")
    assert main(["asyncmock", "check", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{bad}:2:5: AM005 {check_source(BAD, 'x')[0].message}\n"
    assert "1 finding(s) in 1 file(s)" in err
    assert main(["asyncmock", "check", str(good)]) == 0
    assert capsys.readouterr().err == "no findings\n"
    assert main(["asyncmock", "check", str(tmp_path / "missing")]) == 2
    assert "missing: no such file or directory" in capsys.readouterr().err


def test_cli_json_and_default_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format json prints the findings as objects; with no PATH it checks ./tests."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tests" / "test_a.py", BAD)
    assert main(["asyncmock", "check", "--format", "json"]) == 1
    [entry] = json.loads(capsys.readouterr().out)
    assert entry == {
        "path": "tests/test_a.py",
        "line": 2,
        "col": 5,
        "code": "AM005",
        "message": check_source(BAD, "x")[0].message,
    }


def test_cli_rejects_a_bad_format() -> None:
    """An unknown --format is an argparse usage error (exit 2)."""
    with pytest.raises(SystemExit) as exc:
        main(["asyncmock", "check", "--format", "xml"])
    assert exc.value.code == 2


def test_hook_manifest_is_valid_and_its_entry_runs(tmp_path: Path) -> None:
    """.pre-commit-hooks.yaml passes pre-commit's validator; its entry works as pre-commit calls it."""
    from pre_commit.clientlib import load_manifest

    [hook] = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert (hook["id"], hook["entry"], hook["language"], hook["types"]) == (
        "infra-asyncmock",
        "infra asyncmock check",
        "python",
        ["python"],
    )
    assert re.search(hook["files"], "tests/unit/test_scim.py")
    assert not re.search(hook["files"], "infra/main.py")
    bad = write(tmp_path / "test_bad.py", BAD)
    script = Path(sys.executable).with_name("infra")
    args = [str(script), *hook["entry"].split()[1:], str(bad)]
    proc = subprocess.run(
        args, capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"}
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"{bad}:2:5: AM005 ")


@pytest.mark.parametrize("enabled", [True, False])
def test_check_paths_restores_the_garbage_collector(tmp_path: Path, enabled: bool) -> None:
    """The GC pause during a check leaves the collector as it found it."""
    import gc

    write(tmp_path / "test_a.py", BAD)
    if not enabled:
        gc.disable()
    try:
        check_paths([tmp_path])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


# -- AM007: following the mock into the code under test (same repository) --------------------

REACH_SOURCE = {
    "pyproject.toml": "[project]\nname = 'svc'\n",
    "src/svc/__init__.py": "from .core import Service, run_job\nfrom .loop import Loop\n",
    "src/svc/loop.py": "from .again import Loop\n",
    "src/svc/again.py": "from .loop import Loop\n",
    "src/svc/broken.py": "def f(:\n",
    "src/svc/core.py": """
        import asyncio


        def make_client():
            raise RuntimeError("patched")


        def make_storage():
            raise RuntimeError("patched")


        class Failure(Exception):
            pass


        def notify(event):
            raise Failure(event)


        class Base(object):
            async def base_check(self):
                if await self.client.ping():
                    return 1
                return 0


        class Plain:
            async def go(self):
                return bool(await self.client.ping())


        class Service(Base):
            kind = "service"

            def __init__(self, store=None, client=None, *, other=None):
                alias = store
                self.client = make_client()
                self.storage = make_storage()
                self.store = store or {}
                self.other = other
                self.label: str = "x"
                self.deeper.attr = make_client()
                local: int = make_client()

            def size(self):
                return 1

            async def fetch(self):
                key = lambda row: row
                return await self._load()

            async def _load(self):
                data = await self.store.load()
                return list(data)

            async def ping(self):
                return await self.base_check()

            async def publish(self):
                if not await self.client.allowed():
                    raise PermissionError
                await self.storage.upload()
                await make_storage().flush()
                notify("published")

            async def archive(self):
                await self.storage.upload()
                return bool(await self.client.allowed())

            async def discard(self):
                await self.client.close()
                await self.other.close()
                return await self.client.closed()

            async def early(self):
                if self.label:
                    return None
                return bool(await self.client.ping())

            async def compared(self):
                value = await self.other.value()
                (await self.other.ready()).strip()
                return value == 1

            async def nested(self):
                async def inner():
                    return bool(await self.client.ping())
                return inner

            async def l1(self):
                await self.l2()

            async def l2(self):
                await self.l3()

            async def l3(self):
                await self.l4()

            async def l4(self):
                await self.l5()

            async def l5(self):
                await self.l6()

            async def l6(self):
                return [x for x in await self.client.rows()]

            @staticmethod
            async def static(client):
                return bool(await client.ping())


        async def run_job(client):
            local = make_client()
            if await client.start():
                pass
            n = await local.count()
            return n + 1
        """,
}

REACH_HEAD = """
    import asyncio
    import unittest
    from unittest.mock import AsyncMock, patch

    import pytest

    from svc import Service, run_job, Loop
    from svc import core
    from svc.core import Missing
    from svc.broken import f
    from elsewhere import Thing
"""

REACH_CASES = {
    "factory-through-base-class": """
        @patch("svc.core.make_client")
        async def test_a(factory):
            factory.return_value = AsyncMock()  # expect: AM007
            s = Service()
            with open("x"):
                assert await s.ping() == 1

        @patch.object(core, "make_client")
        @patch("svc.core-x.make_client")
        async def test_b(bad, factory):
            factory.return_value = AsyncMock()
            bad.return_value = AsyncMock()
            assert await Service().ping() == 1
    """,
    "factory-alias-and-module-attribute": """
        @patch("svc.core.make_client")
        async def test_a(factory):
            client = AsyncMock()  # expect: AM007
            factory.return_value = client
            assert await core.Service().ping() == 1
    """,
    "factory-local-of-a-function": """
        @patch("svc.core.make_client")
        def test_a(factory):
            factory.return_value = AsyncMock()  # expect: AM007
            assert asyncio.run(run_job(AsyncMock(return_value=False))) == 2
    """,
    "factory-silent": """
        @patch("svc.core.make_client")
        async def test_a(factory):
            factory.return_value = AsyncMock()
            s = Service()
            s.size()
            s.ping()
            s.missing()
            s.label = "y"
            Service().size()
            Service().missing()
            [Service()]
            await Service.static(AsyncMock(return_value=1))

        @patch("svc.core.make_client")
        async def test_configured(factory):
            factory.return_value = AsyncMock()
            s = Service()
            s.client.ping.return_value = False
            assert await s.ping() == 0

        @patch("svc.core.make_client")
        async def test_rebound(factory):
            factory.return_value = AsyncMock()
            s = Service()
            s = object()
            await s.ping()

        @patch("svc.core.make_client")
        async def test_too_deep(factory):
            factory.return_value = AsyncMock()
            await Service().l1()

        @patch("svc.core.make_client")
        async def test_discarded(factory):
            factory.return_value = AsyncMock()
            s = Service()
            await s.discard()
            await s.early()
            await s.nested()
    """,
    "factory-expected-exception": """
        @patch("svc.core.make_client")
        async def test_a(factory):
            factory.return_value = AsyncMock()
            with open("x"), pytest.raises(ValueError):
                await Service().ping()

        class TestB(unittest.TestCase):
            @patch("svc.core.make_client")
            def test_b(self, factory):
                factory.return_value = AsyncMock()
                with self.assertRaises(ValueError):
                    asyncio.run(Service().ping())
    """,
    "expected-exception-injected-after-the-use": """
        @patch("svc.core.make_storage")
        @patch("svc.core.make_client")
        async def test_a(factory, storage):
            factory.return_value = AsyncMock()  # expect: AM007
            storage.return_value.upload.side_effect = OSError("disk full")
            with pytest.raises(OSError, match="disk"):
                await Service().publish()

        @patch("svc.core.make_storage")
        @patch("svc.core.make_client")
        async def test_b(factory, storage):
            factory.return_value = AsyncMock()  # expect: AM007
            st = AsyncMock()
            storage.return_value = st
            st.flush.side_effect = Exception("flush failed")
            with pytest.raises((ValueError, Exception), match="flush"):
                await Service().publish()

        @patch("svc.core.notify")
        @patch("svc.core.make_client")
        async def test_c(factory, notify):
            factory.return_value = AsyncMock()  # expect: AM007
            notify.side_effect = core.Failure
            with pytest.raises(core.Failure):
                await Service().publish()

        class TestD(unittest.TestCase):
            @patch("svc.core.make_storage")
            @patch("svc.core.make_client")
            def test_d(self, factory, storage):
                factory.return_value = AsyncMock()  # expect: AM007
                storage.return_value.upload.side_effect = OSError("disk full")
                with self.assertRaisesRegex(OSError, "disk"):
                    asyncio.run(Service().publish())
    """,
    "expected-exception-not-shown-after-the-use": """
        @patch("svc.core.make_storage")
        @patch("svc.core.make_client")
        async def test_before(factory, storage):
            factory.return_value = AsyncMock()
            storage.return_value.upload.side_effect = OSError("disk full")
            with pytest.raises(OSError):
                await Service().archive()

        @patch("elsewhere.make_storage")
        @patch("svc.core.make_storage")
        @patch("svc.core.make_client")
        async def test_unknown(factory, storage, other):
            factory.return_value = AsyncMock()
            storage.upload.side_effect = OSError("disk full")
            storage.return_value.side_effect = OSError("disk full")
            other.return_value.upload.side_effect = OSError("disk full")
            unrelated = AsyncMock()
            unrelated.side_effect = OSError("disk full")
            with pytest.raises(OSError):
                await Service().publish()
            storage.return_value.upload.side_effect = OSError("late")

        @patch("svc.core.make_storage")
        @patch("svc.core.make_client")
        async def test_generic(factory, storage, message):
            factory.return_value = AsyncMock()
            storage.return_value.upload.side_effect = Exception("disk full")
            storage.return_value.flush.side_effect = Exception(message)
            with pytest.raises(Exception):
                await Service().publish()
            with pytest.raises(Exception, match="other"):
                await Service().publish()
            with pytest.raises(Exception, match="disk[("):
                await Service().publish()
            with pytest.raises(Exception, match=message):
                await Service().publish()
            with pytest.raises(expected_exception=Exception, match="disk"):
                await Service().publish()
            with pytest.raises(ValueError):
                await Service().publish()
    """,
    "factory-configured-child-and-made-too-late": """
        @patch("svc.core.make_client")
        async def test_a(factory):
            s = Service()
            factory.return_value = m = AsyncMock()
            m.ping.return_value = False
            await s.ping()
            await Service().ping()
    """,
    "constructor-keyword-and-position": """
        async def test_a():
            store = AsyncMock()  # expect: AM007
            assert await Service(store=store).fetch() == []

        async def test_b():
            store = AsyncMock()  # expect: AM007
            s = Service(store)
            assert await s.fetch() == []

        async def test_c():
            other = AsyncMock()  # expect: AM007
            other.ready.return_value = "ok"
            s = Service(other=other)
            assert await s.compared() is False
    """,
    "constructor-argument-not-kept": """
        async def test_a():
            client = AsyncMock()
            await Service(None, client).ping()
            await Service(None, None, client).ping()
            await Service(*[None], client).ping()
            await Service(unknown=client).ping()
            await Thing(client).ping()
            await Missing(client).ping()
            await f(client)
            await Loop(client).ping()
            await core.Plain(client).go()
            await client()
            print(client)
    """,
    "function-argument": """
        async def test_a():
            client = AsyncMock()  # expect: AM007
            assert await run_job(client) is not None

        async def test_b():
            client = AsyncMock()
            client.start.return_value = False
            assert await core.run_job(client=client) is not None
            await core.missing(client)
    """,
    "outside-a-function-or-opaque": """
        client = AsyncMock()
        Service(store=client)

        async def test_a():
            store = AsyncMock()
            store.configure_mock(**{"load.return_value": []})
            assert await Service(store=store).fetch() == []

        def make():
            return AsyncMock()

        async def test_b():
            assert await Service(store=make()).fetch() == []
    """,
}


def reach_findings(root: Path, case: str) -> tuple[Counter[Label], Counter[Label]]:
    """Write the source tree and one test module, run the checker: (labelled, found) AM007 lines."""
    for name, text in REACH_SOURCE.items():
        write(root / name, text)
    test = write(
        root / "tests" / "unit" / "test_case.py", textwrap.dedent(REACH_HEAD) + textwrap.dedent(case)
    )
    text = test.read_text()
    expected = expected_labels(text, str(test))
    found = found_labels([f for f in check_paths([test]) if f.code == "AM007"])
    return expected, found


@pytest.mark.parametrize("case", REACH_CASES.values(), ids=REACH_CASES.keys())
def test_reach_rule_cases(tmp_path: Path, case: str) -> None:
    """AM007 speaks exactly where the code under test awaits the unconfigured child and uses it."""
    expected, found = reach_findings(tmp_path, case)
    assert found == expected


def test_reach_message_names_the_child_the_using_code_and_the_test_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message says which child, where the code under test awaits it, and the test's call."""
    reach_findings(tmp_path, REACH_CASES["constructor-keyword-and-position"])
    monkeypatch.chdir(tmp_path)
    source = (tmp_path / "src/svc/core.py").read_text().splitlines()
    line = next(n for n, text in enumerate(source, 1) if "await self.store.load()" in text)
    [first, *_] = [f for f in check_paths([Path("tests")]) if f.code == "AM007"]
    assert first.message.startswith("`.load()` is never configured, and the code under test awaits it")
    assert (
        f"at src/svc/core.py:{line}, reached from line 16 (`assert await Service(store=store).fetch() == []`)"
        in (first.message)
    )
    monkeypatch.chdir(tmp_path / "tests")
    outside = next(f for f in check_paths([tmp_path / "tests"]) if f.code == "AM007")
    assert f"at {tmp_path / 'src/svc/core.py'}:{line}," in outside.message


def test_reach_parses_each_source_module_once_for_every_test_directory(tmp_path: Path) -> None:
    """Test files in several directories reach the same module (parsed once), also with no
    repository marker above them (the search stops at the filesystem's root)."""
    reach_findings(tmp_path, REACH_CASES["function-argument"])
    (tmp_path / "pyproject.toml").unlink()
    shutil.copy(tmp_path / "tests" / "unit" / "test_case.py", tmp_path / "tests" / "test_other.py")
    found = [(Path(f.path).name, f.line) for f in check_paths([tmp_path / "tests"]) if f.code == "AM007"]
    assert found == [("test_other.py", 15), ("test_case.py", 15)]


def test_reach_needs_the_code_under_test_on_disk(tmp_path: Path) -> None:
    """Source given as text (no file to start the search from) is judged on its own: no AM007."""
    case = textwrap.dedent(REACH_HEAD) + textwrap.dedent(REACH_CASES["function-argument"])
    assert [f.code for f in check_source(case, "nowhere/test_case.py")] == []


def test_reach_corpus_is_found_and_labelled_by_its_run(tmp_path: Path) -> None:
    """``reach/``: AM007 reports exactly the labelled cases, and the runtime guard, running them,
    reports exactly those too (the labels say what happens at run time)."""
    from infra.asyncmock_guard import read_report

    files = sorted((CORPUS / "reach").glob("case_*.py"))
    expected = Counter({(p, n): 1 for (p, n, _) in corpus_labels(files)})
    found = Counter({(f.path, f.line): 1 for f in check_paths(files) if f.code == "AM007"})
    assert found == expected
    shutil.copytree(CORPUS / "reach", tmp_path / "reach")
    (tmp_path / "reach" / "pytest.ini").write_text("[pytest]\n")
    report = tmp_path / "guard.json"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("INFRA_ASYNCMOCK", "PYTEST_"))}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "infra.asyncmock_guard", "-p", "no:cacheprovider", "-q"]
        + [f.name for f in files]
        + [f"--asyncmock-guard-report={report}"],
        cwd=tmp_path / "reach",
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout
    assert {f.created for f in read_report(report)} == {f"{Path(p).name}:{n}" for (p, n) in expected}
