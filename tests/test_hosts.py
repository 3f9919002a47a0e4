"""Hosts: pre-commit and prek, run for real in git repositories, give the same verdicts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra import config, hosts, init
from infra.errors import ConfigError
from infra.hosts import base
from infra.results import Status
from tests.conftest import VENV_BIN, commit, git, git_dir, write

PRE_COMMIT, PREK = hosts.HOSTS["pre-commit"], hosts.HOSTS["prek"]
BOTH = pytest.mark.parametrize("host", [PRE_COMMIT, PREK], ids=lambda h: h.name)
P, F, S = Status.PASSED, Status.FAILED, Status.SKIPPED

# A passing hook, a failing one whose output imitates a verdict, one whose files never match,
# one that modifies its files, and a second hook with the first one's id.
CONFIG = """\
repos:
- repo: local
  hooks:
  - id: passes
    name: passes
    entry: "true"
    language: system
  - id: fails
    name: fails
    entry: "sh -c 'echo imitation....Passed; echo \\"- hook id: fake\\"; exit 1' --"
    language: system
  - id: no-files
    name: no files
    entry: "true"
    language: system
    files: \\.nomatch$
  - id: fixer
    name: fixer
    entry: "sh -c 'for f in \\"$@\\"; do echo fixed >> \\"$f\\"; done' --"
    language: system
    files: \\.txt$
  - id: passes
    name: passes again
    entry: "true"
    language: system
"""
# prek runs lower `priority` first: `last` before `first`; pre-commit ignores the key.
PRIORITY_CONFIG = """\
repos:
- repo: local
  hooks:
  - id: first
    name: first
    entry: "false"
    language: system
    priority: 10
  - id: last
    name: last
    entry: "true"
    language: system
    priority: 0
  - id: skipped-late
    name: skipped late
    entry: "true"
    language: system
    files: \\.nomatch$
    priority: 20
"""
SAME_NAME_CONFIG = """\
repos:
- repo: local
  hooks:
  - {id: lint-a, name: lint, entry: "true", language: system}
  - {id: lint-b, name: lint, entry: "true", language: system}
  - {id: remote-like, name: remote-like, entry: "true", language: system}
  - {id: never-ran, name: never ran, entry: "true", language: system}
"""
BROKEN = "repos:\n- repo: local\n  hooks:\n  - id: nameless\n    entry: 'true'\n    language: system\n"


def _repo(path: Path, text: str = CONFIG) -> Path:
    root = git_dir(path)
    write(root, {".pre-commit-config.yaml": text, "a.txt": "a\n", "b.py": "b = 1\n"})
    commit(root, "first")
    return root


def _run(host: hosts.Host, root: Path, argv: list[str]) -> list[hosts.Verdict]:
    proc = subprocess.run(
        argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    return host.parse_verdicts(proc.stdout)


def _hooks(root: Path) -> list[config.Hook]:
    return list(config.load(root / ".pre-commit-config.yaml").hooks)


@pytest.mark.parametrize("selection", ["files", "all-files", "refs"])
def test_both_hosts_give_the_same_verdicts(tmp_path: Path, selection: str) -> None:
    """Pass, fail, skip (no files), modified files: both hosts' verdicts match hook by hook."""
    got = {}
    for host in (PRE_COMMIT, PREK):
        root = _repo(tmp_path / host.name)
        write(root, {"a.txt": "changed\n"})
        commit(root, "second")
        files = ["a.txt", "b.py"] if selection == "files" else None
        refs = ("HEAD~1", "HEAD") if selection == "refs" else None
        argv = host.run_argv(root / ".pre-commit-config.yaml", files, refs)
        got[host.name] = hosts.match(_run(host, root, argv), _hooks(root))
        assert git(root, "status", "--short") == " M a.txt\n"  # the fixer really ran
    assert got["pre-commit"] == got["prek"] == [P, F, S, F, P]


@BOTH
def test_no_changed_files_checks_no_file(repo: Path, host: hosts.Host) -> None:
    """An empty file list runs nothing, rather than falling back to the staged files."""
    root = _repo(repo)
    write(root, {"a.txt": "staged\n"})
    git(root, "add", "a.txt")
    verdicts = _run(host, root, host.run_argv(None, []))
    assert hosts.match(verdicts, _hooks(root)) == [S, S, S, S, S]


def test_prek_prints_no_id_for_a_skipped_hook_and_indents_hook_output(repo: Path) -> None:
    """prek's format: a skip has no ``- hook id:`` line; a hook's output cannot pose as a verdict."""
    root = _repo(repo)
    verdicts = _run(PREK, root, PREK.run_argv(None, ["b.py"]))
    assert [(v.name, v.hook_id, v.status) for v in verdicts] == [
        ("passes", "passes", P),
        ("fails", "fails", F),
        ("no files", None, S),
        ("fixer", None, S),
        ("passes again", "passes", P),
    ]


def test_pre_commit_pairs_each_status_with_its_id(repo: Path) -> None:
    """pre-commit prints an id under every hook, skips included; an imitation keeps its fake id."""
    root = _repo(repo)
    verdicts = _run(PRE_COMMIT, root, PRE_COMMIT.run_argv(None, ["b.py"]))
    assert [(v.hook_id, v.status) for v in verdicts] == [
        ("passes", P),
        ("fails", F),
        ("fake", P),
        ("no-files", S),
        ("fixer", S),
        ("passes", P),
    ]
    assert hosts.match(verdicts, _hooks(root)) == [P, F, S, S, P]  # "fake" is no hook's


@BOTH
def test_verdicts_follow_hooks_whatever_order_the_host_ran_them(repo: Path, host: hosts.Host) -> None:
    """prek runs by ``priority``; matching by id and name still gives each hook its own verdict."""
    root = _repo(repo, PRIORITY_CONFIG)
    verdicts = _run(host, root, host.run_argv(None, None))
    order = [v.name for v in verdicts]
    assert order == (["last", "first", "skipped late"] if host is PREK else ["first", "last", "skipped late"])
    assert hosts.match(verdicts, _hooks(root)) == [F, P, S]


def test_match_trusts_ids_first_then_names_then_order(repo: Path) -> None:
    """Ids win over names, a nameless verdict that fits no name takes the first hook left, a fake id none."""
    root = _repo(repo, SAME_NAME_CONFIG)
    verdicts = [
        hosts.Verdict("lint", None, S),  # prek ran lint-b first (priority) and skipped it
        hosts.Verdict("lint", "lint-a", P),
        hosts.Verdict("Name From Its Manifest", None, F),
        hosts.Verdict("imitation", "nobody", P),
    ]
    assert hosts.match(verdicts, _hooks(root)) == [P, S, F, None]


@BOTH
def test_installed_hook_names_its_host(repo: Path, host: hosts.Host) -> None:
    """The host's real ``install`` is recognised, and wins over ``[tool.infra] host``."""
    root = _repo(repo)
    other = PREK if host is PRE_COMMIT else PRE_COMMIT
    write(root, {"pyproject.toml": f'[tool.infra]\nhost = "{other.name}"\n'})
    subprocess.run(host.install_argv(), cwd=root, check=True, capture_output=True)
    hook = hosts.installed(root)
    assert hook is not None
    assert (hook.host, hook.path, hook.legacy) == (host, root / ".git/hooks/pre-push", False)
    assert hook.script.hook_type == "pre-push"
    assert hosts.detect(root) is host
    assert [h for h in hosts.HOSTS.values() if h.owns(hook.path.read_text())] == [host]


@BOTH
def test_installed_hook_names_its_config(repo: Path, host: hosts.Host) -> None:
    """``install --config`` puts the config in the script, where ``installed`` reads it.

    The name holds "pre-commit": prek's script then mentions both, and is still prek's alone.
    """
    root = _repo(repo)
    write(root, {"ci/pre-commit.yaml": CONFIG})
    subprocess.run(host.install_argv("ci/pre-commit.yaml"), cwd=root, check=True, capture_output=True)
    hook = hosts.installed(root)
    assert hook is not None
    assert (hook.host, hook.script) == (host, base.Script("pre-push", "ci/pre-commit.yaml"))
    assert [h for h in hosts.HOSTS.values() if h.owns(hook.path.read_text())] == [host]


def test_prek_hook_under_core_hooks_path_is_found(repo: Path) -> None:
    """prek installs into ``core.hooksPath`` (pre-commit refuses to); detection looks there."""
    root = _repo(repo)
    git(root, "config", "core.hooksPath", "shared-hooks")
    subprocess.run(PREK.install_argv(), cwd=root, check=True, capture_output=True)
    hook = hosts.installed(root)
    assert hook is not None
    assert (hook.host, hook.path, hook.script) == (
        PREK,
        root / "shared-hooks/pre-push",
        base.Script("pre-push", None),
    )
    assert hosts.detect(root) is PREK


def test_a_host_installed_over_the_other_keeps_it_as_legacy(repo: Path) -> None:
    """prek over pre-commit's hook: prek runs the push, pre-commit's hook stays as ``.legacy``."""
    root = _repo(repo)
    subprocess.run(PRE_COMMIT.install_argv(), cwd=root, check=True, capture_output=True)
    subprocess.run(PREK.install_argv(), cwd=root, check=True, capture_output=True)
    hook = hosts.installed(root)
    assert hook is not None
    assert (hook.host, hook.legacy) == (PREK, True)


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ('#!/bin/sh\nexec pre-commit hook-impl --hook-type=pre-push -- "$@"\n', "pre-commit"),
        ('#!/bin/sh\nexec prek hook-impl --hook-type=pre-push -- "$@"\n', "prek"),
        ("#!/bin/sh\nexec nox -t prepush\n", None),
    ],
)
def test_hand_written_hooks_belong_to_the_host_they_start(text: str, owner: str | None) -> None:
    """A wrapper of one's own that execs a host's ``hook-impl`` is that host's; other scripts no host's."""
    assert [h.name for h in hosts.HOSTS.values() if h.owns(text)] == ([owner] if owner else [])


def test_infra_init_hook_belongs_to_pre_commit(repo: Path) -> None:
    """``infra init``'s hook hands over to pre-commit's ``hook-impl``: pre-commit's, not prek's."""
    root = _repo(repo)
    text = init.hook_text(root, root / ".pre-commit-config.yaml", "nox -t prepush")
    assert (PRE_COMMIT.owns(text), PREK.owns(text)) == (True, False)


def test_detect_without_a_host_hook_reads_pyproject_then_defaults(tmp_path: Path) -> None:
    """A foreign hook, no hook, or no git: ``[tool.infra] host`` decides, else pre-commit."""
    root = _repo(tmp_path / "repo")
    assert hosts.detect(root) is PRE_COMMIT
    write(root, {".git/hooks/pre-push": "#!/bin/sh\nexec nox -t prepush\n"})
    write(root, {"pyproject.toml": '[tool.infra]\nhost = "prek"\n'})
    hook = hosts.installed(root)
    assert hook == hosts.Installed(root / ".git/hooks/pre-push", None, base.Script(None, None), False)
    assert hosts.detect(root) is PREK
    outside = tmp_path / "not-git"
    write(outside, {"pyproject.toml": '[tool.infra]\nhost = "prek"\n'})
    assert (hosts.hook_path(outside), hosts.installed(outside), hosts.detect(outside)) == (None, None, PREK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[project]\nname = 'x'\n", None),
        ("tool.infra = 3\n", None),
        ('[tool.infra]\nhost = "pre-commit"\n', "pre-commit"),
        ('[tool.infra]\nhost = "prek"\n', "prek"),
    ],
)
def test_configured_host_from_pyproject(tmp_path: Path, text: str, expected: str | None) -> None:
    """``[tool.infra] host`` names a host; without it (or without the table) there is none."""
    write(tmp_path, {"pyproject.toml": text})
    found = hosts.configured(tmp_path)
    assert (found and found.name) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[tool.infra]\nhost = "lefthook"\n',
            '[tool.infra] host must be "pre-commit" or "prek", not \'lefthook\'',
        ),
        ("[tool.infra\n", "invalid TOML"),
    ],
)
def test_configured_host_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    """An unknown host or broken TOML is a one-line ``ConfigError`` naming pyproject.toml."""
    write(tmp_path, {"pyproject.toml": text})
    with pytest.raises(ConfigError) as exc:
        hosts.configured(tmp_path)
    assert str(exc.value).startswith(f"{tmp_path / 'pyproject.toml'}: ")
    assert message in str(exc.value)


@BOTH
def test_validate_config_accepts_a_good_config_and_rejects_a_broken_one(repo: Path, host: hosts.Host) -> None:
    """Both hosts reject a hook without ``name``; the error is one line: file, host, what is wrong."""
    root = _repo(repo)
    hosts.validate(host, root / ".pre-commit-config.yaml", root)
    write(root, {"broken.yaml": BROKEN})
    with pytest.raises(ConfigError) as exc:
        hosts.validate(host, root / "broken.yaml", root)
    message = str(exc.value)
    assert message.startswith(f"{root / 'broken.yaml'}: {host.name} validate-config: ")
    assert "name" in message.split("validate-config: ", 1)[1]
    assert "\n" not in message


def test_last_line_prefers_the_marked_line() -> None:
    """The marked line's tail, else the last non-blank line, else a placeholder."""
    assert base.last_line("a\n==> x\n=====> Missing key\nb\n", "=====>") == "Missing key"
    assert base.last_line("first\nlast\n\n", "caused by:") == "last"
    assert base.last_line("", "caused by:") == "no output"


def test_prek_is_the_one_next_to_our_python() -> None:
    """prek is taken from the environment infra runs in before PATH."""
    assert PREK.program() == [str(Path(VENV_BIN) / "prek")]
