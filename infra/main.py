"""The ``infra`` command line: ``main(argv) -> int``.

Each subcommand lives in ``infra/commands/<name>.py`` and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func``
(``(argparse.Namespace) -> int``) as the parser default. Command modules keep
their heavy imports inside ``func`` so ``infra --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence

import infra.commands
from infra import __version__
from infra.errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, FatalError
from infra.output import error

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a writer killed by SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass
    finally:
        os.close(devnull)


@contextlib.contextmanager
def error_handler() -> Iterator[list[int]]:
    """Turn user errors into one line, ^C into 130, and bugs into a traceback with exit 3."""
    box: list[int] = []
    try:
        yield box
    except FatalError as exc:
        error(str(exc))
        box.append(exc.exit_code)
    except KeyboardInterrupt:
        error("interrupted")
        box.append(EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader went away (`infra ledger show | head -1`): end quietly
        _silence_stdout()
        box.append(EXIT_BROKEN_PIPE)
    except Exception:
        error("unexpected error; please report it with the traceback below")
        traceback.print_exc(file=sys.stderr)
        box.append(EXIT_UNEXPECTED)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infra",
        description="Plan and run a repository's pre-push hooks as parallel, incremental nox sessions.",
    )
    parser.add_argument("--version", action="version", version=f"infra {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(infra.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"infra.commands.{module.name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    with error_handler() as box:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
        return code
    return box[0]
