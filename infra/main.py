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
import pkgutil
import sys
import traceback
from collections.abc import Iterator, Sequence

import infra.commands
from infra import __version__
from infra.errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, FatalError
from infra.output import error


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


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
    except BrokenPipeError:  # pragma: no cover - needs a closed pipe on stdout
        box.append(EXIT_UNEXPECTED)
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
        return int(args.func(args))
    return box[0]
