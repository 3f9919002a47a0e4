"""The product's own nox sessions in a user's noxfile: ``reports``, ``regress`` and plain ``nox``.

A user's repository reaches infra through three entries: ``nox -t prepush`` on push,
``nox -s reports`` (regenerate or ``-- --check`` the committed reports) and ``nox -s regress``
(the timing gate, in CI). The planned sessions alone gave users only the first: the other two
existed in this project's own noxfile, so a user's ``nox -s reports`` said "Sessions not found".
``infra.sessions.register()`` calls :func:`register`, which defines them too:

* ``reports`` and ``regress`` run ``python -m infra ...`` with the session's posargs, in the
  environment nox runs in (``venv_backend="none"``, like every infra session);
* ``push``, only when the noxfile selects nothing by default (no ``nox.options.sessions``,
  ``tags`` or ``keywords``, no session of its own with ``default=True``), is the default session:
  plain ``nox`` runs what a push runs (``nox -t prepush``, posargs passed on) instead of
  "No sessions selected", and ``nox --list`` marks it selected.

A name the noxfile already uses is left to the noxfile (its own session wins, nothing is
renamed behind its back). Other names: call ``infra.product_sessions.register(reports=...,
regress=..., push=...)`` (``None`` leaves one out) before ``infra.sessions.register()``;
the automatic call then does nothing.

Every infra session runs with ``venv_backend="none"``, yet nox probes for uv before each one
and logs "uv binary not found.", which reads like an error. When every session defined so far
uses ``venv_backend="none"``, that one log line is filtered out of nox's logger.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import nox

UV_PROBE = "uv binary not found."
_MARK = "_infra_product_session"


def _infra(*words: str) -> Callable[[nox.Session], None]:
    def run(session: nox.Session) -> None:
        session.run(sys.executable, "-m", "infra", *words, *session.posargs, external=True)

    return run


def _push(session: nox.Session) -> None:
    noxfile = getattr(sys.modules.get("user_nox_module"), "__file__", None)
    where = ["-f", noxfile] if noxfile else []
    session.run(sys.executable, "-m", "nox", *where, "-t", "prepush", "--", *session.posargs, external=True)


DOCS = {
    "reports": "Regenerate reports/ (built-in and [tool.infra.reports]); `-- --check` fails naming stale ones.",
    "regress": "Fail when a prepush session got slower on this machine (`-- --help` for the thresholds).",
    "push": "What a push runs: every prepush session over the unpushed changes (`-- --all-files`: all).",
}


def _done() -> bool:
    return any(getattr(func.func, _MARK, False) for func in nox.registry.get().values())


def _selects_by_default() -> bool:
    """Whether plain ``nox`` already selects something in this noxfile."""
    options = nox.options
    chosen = any(getattr(options, name, None) for name in ("sessions", "tags", "keywords"))
    return chosen or any(func.default for func in nox.registry.get().values())


def register(
    *, reports: str | None = "reports", regress: str | None = "regress", push: str | None = "push"
) -> list[str]:
    """Define the product sessions (once per noxfile); returns the names defined."""
    quiet_uv_probe()
    if _done():
        return []
    taken = set(nox.registry.get())
    wanted: list[tuple[str | None, str, Callable[[nox.Session], None], bool]] = [
        (reports, "reports", _infra("reports"), False),
        (regress, "regress", _infra("regress"), False),
        (push, "push", _push, True),
    ]
    defined = []
    for name, kind, func, default in wanted:
        if name is None or name in taken or (default and _selects_by_default()):
            continue
        func.__doc__ = DOCS[kind]
        setattr(func, _MARK, True)
        nox.session(name=name, venv_backend="none", default=default)(func)
        defined.append(name)
    return defined


class _DropUvProbe(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != UV_PROBE


def quiet_uv_probe() -> bool:
    """Filter nox's "uv binary not found." when no session defined so far needs a virtualenv."""
    backends = {func.venv_backend for func in nox.registry.get().values()}
    default = getattr(nox.options, "default_venv_backend", None)
    if not backends <= {"none"} and not (backends <= {"none", None} and default == "none"):
        return False
    logger = logging.getLogger("nox")
    if not any(isinstance(f, _DropUvProbe) for f in logger.filters):
        logger.addFilter(_DropUvProbe())
    return True
