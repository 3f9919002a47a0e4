"""How nox was invoked: the parent of a prepush run, a parallel child, or neither.

Importing the noxfile must do no more than register sessions, except in the one process that
runs a push: the nox parent of ``nox -t prepush``, which plans it (``infra.push``). Every other
invocation (``nox --list``, ``nox -s lint``, a parallel child re-importing the noxfile) only
registers, so a broken config is an error only when a prepush session runs. This module is
the one place that tells them apart, for ``infra.sessions`` and ``infra.session_main``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import nox

if TYPE_CHECKING:
    from nox._options import NoxfileOptions

TAG = "prepush"  # the tag of every planned session: ``nox -t prepush`` runs a push
_NOT_A_RUN = ("list_sessions", "json", "usage", "parallel_worker", "help", "version")


class Invocation(NamedTuple):
    prepush: bool  # the parent of a run of the prepush sessions
    worker: bool  # a parallel child of some nox run (it runs one session, by name)
    posargs: tuple[str, ...]  # what follows ``--``


def parse(argv: Sequence[str], noxfile: NoxfileOptions | None = None) -> Invocation:
    """How nox was invoked, as nox itself reads it.

    nox parses its command line before it imports the noxfile but does not expose the result
    there (``nox.options`` holds only what the noxfile sets): ``argv`` (``sys.argv``) is parsed
    again with nox's own option set, and the noxfile's ``nox.options`` are merged in as nox
    merges them (``sessions``/``tags``/``keywords`` from the noxfile only when the command line
    gives none). So ``-t prepush``, ``--tags prepush``, ``--tags=prepush``, ``-tprepush``, ``-t
    lint prepush`` and a noxfile's ``nox.options.tags = ["prepush"]`` are prepush runs, and
    ``-t prepush,lint`` is not (nox matches that tag literally and runs nothing). ``-s NAME``
    and ``-k EXPR`` run the sessions they name on their own: each finds its change set itself,
    as a session started alone always has. Listings (``-l``, ``--json``, ``--usage``) and
    parallel children are not runs. A command line nox could not parse (the noxfile imported
    by some other program) is not a run either.
    """
    from nox import _merge, _options

    try:
        with contextlib.redirect_stderr(io.StringIO()):  # argparse's complaint is not ours to print
            config = _options.options.parse_args(list(argv[1:]))
    except SystemExit:
        return Invocation(prepush=False, worker=False, posargs=())
    _merge.merge_noxfile_options(config, nox.options if noxfile is None else noxfile)
    listing = any(getattr(config, name) for name in _NOT_A_RUN)
    return Invocation(
        prepush=not listing and TAG in (config.tags or ()),
        worker=bool(config.parallel_worker),
        posargs=tuple(config.posargs),
    )
