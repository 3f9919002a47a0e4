"""[tool.infra]: defaults, overrides, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import settings
from infra.errors import ConfigError


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    """No pyproject.toml: the documented defaults."""
    conf = settings.load(tmp_path)
    assert conf.config == tmp_path / ".pre-commit-config.yaml"
    assert conf.ledger == tmp_path / ".infra" / "ledger.jsonl"
    assert (conf.session_timeout, conf.always_full, conf.run_as_written, dict(conf.sessions)) == (
        900.0,
        frozenset(),
        frozenset(),
        {},
    )
    assert conf.state_dir == tmp_path / ".infra"


def test_every_key_and_the_ledger_env(tmp_path: Path) -> None:
    """Each key is read; INFRA_LEDGER wins over the table."""
    (tmp_path / "pyproject.toml").write_text(
        "[tool.infra]\nconfig = 'hooks.yaml'\nledger = 'l.jsonl'\nsession-timeout = 60\n"
        "always-full = ['a']\nrun-as-written = ['b']\n[tool.infra.sessions]\ndocs = ['c', 'd']\n"
    )
    conf = settings.load(tmp_path, {"INFRA_LEDGER": "other.jsonl"})
    assert conf.config == tmp_path / "hooks.yaml"
    assert conf.ledger == tmp_path / "other.jsonl"
    assert conf.session_timeout == 60.0
    assert (conf.always_full, conf.run_as_written) == (frozenset({"a"}), frozenset({"b"}))
    assert dict(conf.sessions) == {"c": "docs", "d": "docs"}


def test_the_ledger_setting_and_keep_runs(tmp_path: Path) -> None:
    """Without INFRA_LEDGER the table's ledger is used, relative to the root; keep-runs is read."""
    (tmp_path / "pyproject.toml").write_text("[tool.infra]\nledger = 'custom.jsonl'\nkeep-runs = 3\n")
    conf = settings.load(tmp_path, {})
    assert (conf.ledger, conf.keep_runs) == (tmp_path / "custom.jsonl", 3)
    assert settings.load(tmp_path, {"INFRA_LEDGER": "/abs/l.jsonl"}).ledger == Path("/abs/l.jsonl")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.infra\n", "invalid TOML"),
        ("[tool]\ninfra = 3\n", r"\[tool.infra\] must be a table"),
        ("[tool.infra]\ncolour = 'red'\n", "unknown key"),
        ("[tool.infra]\nconfig = ''\n", "config must be a non-empty string"),
        ("[tool.infra]\nsession-timeout = -1\n", "positive number"),
        ("[tool.infra]\nsession-timeout = true\n", "positive number"),
        ("[tool.infra]\nalways-full = 'a'\n", "list of hook ids"),
        ("[tool.infra]\nsessions = 3\n", "must be a table of session"),
        ("[tool.infra.sessions]\na = ['x']\nb = ['x']\n", "assigned to both 'a' and 'b'"),
        ("[tool.infra.sessions]\n'' = ['x']\n", "is empty or spans lines"),
        ("[tool.infra.sessions]\n\"a\\nb\" = ['x']\n", "is empty or spans lines"),
        ("[tool.infra]\nkeep-runs = 0\n", "keep-runs must be a positive whole number"),
        ("[tool.infra]\nkeep-runs = 2.5\n", "keep-runs must be a positive whole number"),
    ],
)
def test_mistakes_are_one_line_config_errors(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake names pyproject.toml and what to do."""
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        settings.load(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "pyproject.toml"))
    assert "\n" not in str(info.value)


def test_any_other_session_name_is_kept_as_written(tmp_path: Path) -> None:
    """`../../escape` is a session name like any other: state encodes it where it becomes a file."""
    (tmp_path / "pyproject.toml").write_text(
        "[tool.infra.sessions]\n'../../escape' = ['x']\n'.hidden' = ['y']\n"
    )
    assert settings.load(tmp_path).sessions == {"x": "../../escape", "y": ".hidden"}
