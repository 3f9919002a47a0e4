"""The pure rules behind selection and fidelity: inputs, import-time effects, diffs, restore specs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra import inputs, modified, restore, wrappers
from infra.classify import classify
from infra.config import Hook
from tests.conftest import commit, git_dir, write
from tests.test_classify import _hook


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("src/app.yaml", True),
        ("docs/", True),
        (".git/objects/ab/cdef", False),
        (".infra/ledger.jsonl", False),
        ("tests/__pycache__/x.cpython-311.pyc", False),
        (".pytest_cache/v/cache", False),
        (".coverage.host.123", False),
        ("pkg.egg-info/PKG-INFO", False),
        ("env/lib/site.py", False),  # a virtual environment under another name
    ],
)
def test_what_is_an_input(tmp_path: Path, rel: str, expected: bool) -> None:
    """Git internals, state, caches and virtual environments are never a test's inputs."""
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    assert inputs.is_input(str(tmp_path), rel) is expected


def test_listing_names_drop_caches(tmp_path: Path) -> None:
    """A directory listing's digest ignores entries that come and go with every run."""
    names = ["a.py", "__pycache__", ".coverage.x", "b.yaml", ".git"]
    assert inputs.listing_names(str(tmp_path), "", names) == ["a.py", "b.yaml"]


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        ("def f():\n    return 1\n", "def f():\n    return 2\n", True),  # a body: testmon's business
        ('def f():\n    "a"\n', 'def f():\n    "b"\n', True),  # a docstring
        ('"""A."""\nX = 1  # one\n', '"""B."""\nX = 1  # two\n', True),  # docstrings, comments
        ("X = 1\n", "X = 2\n", False),  # a literal constant a test may read without running code
        ("import os\n", "import os, sys\n", False),  # an import can have effects of its own
        ("class C:\n    a = 1\n", "class C:\n    a = 2\n", False),  # class bodies run at import
        (
            "class C:\n    def m(self):\n        return 1\n",
            "class C:\n    def m(self):\n        return 2\n",
            True,
        ),
        ("@reg('csv')\ndef f():\n    pass\n", "@reg('tsv')\ndef f():\n    pass\n", False),  # decorators
        ("def f(a=1):\n    pass\n", "def f(a=2):\n    pass\n", False),  # defaults
        ("def pytest_configure(c):\n    a = 1\n", "def pytest_configure(c):\n    a = 2\n", False),  # hooks
        ("import os\nos.environ['A'] = '1'\n", "import os\nos.environ['A'] = '2'\n", False),
        ("x = f()\n", "x = g()\n", False),  # computed by a call
        ("if True:\n    a = 1\n", "if False:\n    a = 1\n", False),
        ("setup()\n", "setup(1)\n", False),
        ("def (:\n", "def ):\n", False),  # unparsable: any change counts
    ],
)
def test_import_effects(before: str, after: str, same: bool) -> None:
    """Everything a module runs at import counts; function bodies (testmon's), docstrings and comments do not."""
    digest = inputs.import_effects_digest
    assert (digest(before.encode()) == digest(after.encode())) is same


@pytest.mark.parametrize(
    ("source", "shares"),
    [
        ("import os\nos.environ['A'] = '1'\n", True),
        ("import os\nos.environ.setdefault('A', '1')\n", True),
        ("import sys\nif True:\n    sys.path.insert(0, 'x')\n", True),
        ("import settings\ntry:\n    settings.debug = True\nexcept Exception:\n    pass\n", True),
        ("import os\nX = os.environ.get('A')\npytestmark = []\n", False),  # its own names
        ('"""Doc."""\nimport os\n\ndef f():\n    os.environ["A"] = "1"\n', False),  # a body
        (
            "import pytest\nif __name__ == '__main__':\n    pytest.main([__file__])\n",
            False,
        ),  # never on import
        (
            "import pytest\ntry:\n    import yaml\nexcept ImportError:\n    pytest.skip('no', allow_module_level=True)\n",
            False,
        ),
        ("def (:\n", True),  # unparsable
    ],
)
def test_changes_shared_state(source: str, shares: bool) -> None:
    """Only what reaches other modules counts: calls, attribute and item assignments at import."""
    assert inputs.changes_shared_state(source.encode()) is shares


def test_tree_changes_name_each_file(repo: Path) -> None:
    """Two diff snapshots give the files whose diff appeared, vanished or changed."""
    write(repo, {"a.txt": "a\n", "b c.txt": "b\n", "d.txt": "d\n"})
    commit(repo)
    write(repo, {"d.txt": "changed\n"})
    before = modified.snapshot(repo)
    write(repo, {"a.txt": "A\n", "b c.txt": "B\n", "d.txt": "d\n"})
    assert modified.changed(before, modified.snapshot(repo)) == ["a.txt", "b c.txt", "d.txt"]
    assert modified.changed(before, before) == []


def test_a_restore_spec_round_trips_and_decides(tmp_path: Path) -> None:
    """The spec selection writes is the spec the plugin reads; each rule puts a test back."""
    spec = restore.Spec(
        targets=["tests/test_always.py"],
        changed=frozenset({"data/a.yaml"}),
        known={
            "tests/test_x.py::test_reads": ["data/a.yaml"],
            "tests/test_x.py::test_quiet": ["data/b.yaml"],
            "tests/test_x.py::test_spawns": [restore.SUBPROCESS],
            "tests/test_x.py::test_cached": [],
            "tests/test_always.py::test_a": [],
        },
        tests=frozenset({"tests/test_x.py::test_cached"}),
    )
    path = tmp_path / "spec.json"
    restore.write(path, spec)
    back = restore.read(path)
    assert back == spec
    runs = {tid for tid in [*spec.known, "tests/test_new.py::test_unknown"] if back.must_run(tid)}
    assert runs == {
        "tests/test_x.py::test_reads",
        "tests/test_x.py::test_spawns",
        "tests/test_x.py::test_cached",
        "tests/test_always.py::test_a",
        "tests/test_new.py::test_unknown",
    }
    assert not restore.any_must_run(back, ["tests/test_x.py::test_quiet"])


def _pytest_hook(entry: str) -> Hook:
    return _hook(entry, language="system")


@pytest.mark.parametrize(
    ("entry", "probe_has"),
    [
        ("pytest tests", None),  # no wrapper: PATH is looked at, nothing runs
        ("bash -c 'cd tests/sub && pytest t.py'", "cd tests/sub &&"),
        ("uv run pytest t.py", "uv"),
        ("bash -c 'source .venv/bin/activate && python -m pytest t.py'", "source .venv/bin/activate &&"),
    ],
)
def test_the_probe_replaces_only_pytest(entry: str, probe_has: str | None) -> None:
    """The wrapper runs as written; only the pytest command becomes the probe."""
    import shlex

    call = classify(_pytest_hook(entry)).pytest
    assert call is not None
    cmd = wrappers.probe_command(shlex.split(entry), call)
    if probe_has is None:
        assert cmd is None
    else:
        assert cmd is not None and probe_has in " ".join(cmd) and "INFRA-PROBE" in " ".join(cmd)


def test_volatile_environment_entries_do_not_split_groups() -> None:
    """Activation leftovers and duplicate PATH entries do not make two effects differ."""
    a = {"PATH": "/v/bin:/usr/bin:/v/bin", "HOME": "/h", "VIRTUAL_ENV": "/v", "PS1": "x"}
    b = {"PATH": "/v/bin:/usr/bin", "HOME": "/h", "SHLVL": "2"}
    assert wrappers.stable_env(a) == wrappers.stable_env(b)
    assert wrappers.stable_env({**b, "MODE": "x"}) != wrappers.stable_env(b)


def test_a_pytest_not_from_our_interpreter_runs_as_written(tmp_path: Path) -> None:
    """A `pytest` on PATH that belongs to another environment: the hook runs as written."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pytest").write_text("#!/opt/other/bin/python\n")
    (bin_dir / "pytest").chmod(0o755)
    call = classify(_pytest_hook("pytest tests")).pytest
    assert call is not None
    found = wrappers.effect(git_dir(tmp_path / "r"), ["pytest", "tests"], call, {"PATH": str(bin_dir)}, None)
    assert "not infra's interpreter" in found.as_written


def test_a_complete_run_replaces_what_was_read_outside_tests(tmp_path: Path) -> None:
    """A module once imported at collection and since deleted stops forcing full runs after a full run."""
    from infra import reads

    root = git_dir(tmp_path / "r")
    write(root, {"a.py": "x = 1\n"})
    commit(root)
    path = tmp_path / "records.json"
    reads.remember(path, root, reads.Run({}, ["a.py?import", "gone.py?import"], {}, "."))
    narrowed = reads.Run({}, ["a.py?import"], {}, ".")
    reads.remember(path, root, narrowed)
    assert "gone.py?import" in (reads.load(path) or reads.Records({}, {}, reads.TreeState("", ""))).outside
    reads.remember(path, root, narrowed._replace(complete=True))
    loaded = reads.load(path)
    assert loaded is not None and set(loaded.outside) == {"a.py?import"}


def test_remembering_again_digests_what_changed_and_reuses_what_did_not(tmp_path: Path) -> None:
    """A recorded "content|effects" digest is reused only while the content is the same: an edit
    (here one that changes what the module does at import) is digested anew."""
    from infra import reads

    root = git_dir(tmp_path / "r")
    write(root, {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    commit(root)
    path = tmp_path / "records.json"
    run = reads.Run({"t": ["a.py?import", "b.py?run=f"]}, ["a.py?import"], {}, ".")
    reads.remember(path, root, run)
    write(root, {"a.py": "x = 2\n"})
    reads.remember(path, root, run)
    loaded = reads.load(path)
    assert loaded is not None
    for p in ("a.py?import", "b.py?run=f"):
        assert loaded.tests["t"][p] == reads.digest(root, p), p
    assert loaded.outside["a.py?import"] == reads.digest(root, "a.py?import")
    assert not reads.changed_paths(root, loaded)


def test_import_time_callees_are_calls_outside_function_bodies() -> None:
    source = (
        "import os\nfrom pkg import reg, Base, Meta\n\n"
        "@reg.register('csv')\n@plain\ndef f(x=default()):\n    inside()\n\n"
        "class C(Base, metaclass=Meta):\n    attr = in_class()\n\n    def m(self):\n        inside_method()\n\n"
        "setup()\nhandler = lambda: in_lambda()\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    found = inputs.import_time_callees(ast.parse(source + "handlers['x']()\n"))
    expected = ["reg.register", "plain", "default", "Base.__init_subclass__", "Meta", "in_class", "setup"]
    assert found == sorted(expected)
    function = ast.parse(source).body[2]
    assert inputs.calls_in(function) == ["default", "inside", "plain", "reg.register"]


def test_definitions_are_found_by_qualname_and_digested_without_docstrings() -> None:
    source = b"def f():\n    '''doc'''\n    def g():\n        return 1\n    return g\n\nclass C:\n    def m(self):\n        return 2\n"
    found = inputs.definitions(ast.parse(source))
    assert set(found) == {"f", "f.<locals>.g", "C", "C.m"}
    redoc = source.replace(b"'''doc'''", b"'''other doc'''")
    assert inputs.definition_digest(redoc, "C.m") == inputs.definition_digest(source, "C.m")
    assert inputs.definition_digest(redoc, "f") == inputs.definition_digest(source, "f")
    assert inputs.definition_digest(
        source.replace(b"return 2", b"return 3"), "C.m"
    ) != inputs.definition_digest(source, "C.m")
    assert inputs.definition_digest(source, "missing") == "-"
    assert inputs.definition_digest(b"def (:\n", "f") == inputs.definition_digest(
        b"def (:\n", "g"
    )  # unparsable: content


class _Base:
    def hook(self) -> None: ...


class _Child(_Base):
    @staticmethod
    def static() -> None: ...

    @classmethod
    def cls(cls) -> None: ...

    def __call__(self) -> None: ...


def test_callees_resolve_through_modules_classes_and_instances_without_running_code() -> None:
    from infra import tracker

    namespace = {"mod": inputs, "Child": _Child, "child": _Child(), "n": 1}

    def resolve(name: str) -> object:
        return tracker._resolve(name, namespace)

    assert resolve("mod.definitions") is inputs.definitions
    assert resolve("Child.hook") is _Base.hook  # found on a base
    assert resolve("child.hook") is _Base.hook  # an instance: its class
    assert resolve("mod.missing") is None and resolve("absent.x") is None
    assert resolve("n.real") is vars(int)["real"]


def test_a_call_enters_the_functions_behind_wrappers_methods_and_partials() -> None:
    import functools

    from infra import tracker

    def inner() -> None: ...

    @functools.wraps(inner)
    def outer() -> None: ...

    assert tracker._functions(outer) == [outer, inner]
    assert tracker._functions(vars(_Child)["static"]) == [_Child.static]
    assert tracker._functions(_Child.cls) == [vars(_Child)["cls"].__func__]
    assert tracker._functions(_Child().hook) == [_Base.hook]
    assert tracker._functions(functools.partial(inner)) == [inner]
    assert tracker._functions(_Child()) == [_Child.__call__]
    assert (
        tracker._functions(_Child) == [] and tracker._functions(len) == [] and tracker._functions(None) == []
    )


def test_a_missing_or_damaged_callee_cache_is_rebuilt(tmp_path: Path) -> None:
    from infra import tracker

    path = tmp_path / "g.callees.json"
    assert tracker._load_json(path) == {} and tracker._load_json(None) == {}
    for damaged in ("{not json", "[1, 2]"):
        path.write_text(damaged)
        assert tracker._load_json(path) == {}
    path.write_text('{"a.py": [1, 2, ["f"]]}')
    assert tracker._load_json(path) == {"a.py": [1, 2, ["f"]]}
