"""``infra regress``: fail when a session really got slower (exit 1), warn on noise (exit 0)."""

from __future__ import annotations

import argparse
from pathlib import Path

from infra.commands.ledger import ledger_path, positive_int


class _Defaults:
    """``timing.Thresholds()``'s values (a test keeps them equal): importing timing here would slow
    every ``infra`` command's start-up."""

    window, recent, short, min_history = 40, 5, 3, 20
    min_z, min_ratio, min_delta = 3.1, 1.2, 2.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "regress", help="compare each session's recent wall times with its history on this machine"
    )
    parser.add_argument(
        "--ledger",
        type=Path,
        default=None,
        help="ledger file (default: $INFRA_LEDGER or .infra/ledger.jsonl)",
    )
    d = _Defaults
    parser.add_argument(
        "--window", type=positive_int, default=d.window, help=f"earlier runs in the baseline ({d.window})"
    )
    parser.add_argument(
        "--recent",
        type=positive_int,
        default=d.recent,
        help=f"recent runs in the longest candidate window, slowest quarter (rounded up) dropped ({d.recent}, at most 10)",
    )
    parser.add_argument(
        "--short",
        type=positive_int,
        default=d.short,
        help=f"a shorter candidate window also checked, so a big slowdown fails sooner ({d.short})",
    )
    parser.add_argument(
        "--min-history",
        type=positive_int,
        default=d.min_history,
        help=f"baseline runs needed to gate ({d.min_history})",
    )
    parser.add_argument(
        "--min-ratio",
        type=_non_negative,
        default=d.min_ratio,
        help=f"candidate/baseline above ({d.min_ratio})",
    )
    parser.add_argument(
        "--min-z",
        type=_non_negative,
        default=d.min_z,
        help=f"shift in standard errors of the comparison (log space) above ({d.min_z})",
    )
    parser.add_argument(
        "--min-delta",
        type=_non_negative,
        default=d.min_delta,
        help=f"seconds slower by more than ({d.min_delta:g})",
    )
    parser.add_argument("--markdown", type=Path, help="also write the result as a Markdown table here")
    parser.set_defaults(func=run)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    import os

    from infra import ledger, timing
    from infra.errors import EXIT_FAILED, EXIT_OK, FatalError
    from infra.output import table, warn, write_line

    try:
        limits = timing.Thresholds(
            window=args.window,
            recent=args.recent,
            short=args.short,
            min_history=args.min_history,
            min_z=args.min_z,
            min_ratio=args.min_ratio,
            min_delta=args.min_delta,
        )
    except ValueError as exc:
        raise FatalError(f"infra regress: {exc}; adjust the options") from exc
    path = ledger_path(args)
    contents = ledger.read_recent(
        path, limit=limits.window + limits.recent, counts=timing.same_series, same=timing.SERIES_FIELDS
    )
    for message in contents.warnings:
        warn(message)
    verdicts = timing.check(contents.records, limits)
    if not verdicts:
        write_line(f"{path}: no session runs recorded yet; nothing to compare")
        return EXIT_OK
    headers = ("session", "status", "baseline s", "candidate s", "ratio", "z", "history", "cpu s", "note")
    write_line(
        table(headers, [(v.session, v.status.value, *timing.row_numbers(v), v.message) for v in verdicts])
    )
    text = timing.markdown(verdicts)
    targets = _markdown_targets(args.markdown, os.environ.get("GITHUB_STEP_SUMMARY"))
    for target, mode in targets.items():
        with target.open(mode, encoding="utf-8") as stream:
            stream.write(text)
    regressed = [v.session for v in verdicts if v.status is timing.Status.REGRESSION]
    if regressed:
        write_line(f"timing regression in {len(regressed)} session(s): {', '.join(regressed)}")
        return EXIT_FAILED
    return EXIT_OK


def _markdown_targets(markdown: Path | None, summary: str | None) -> dict[Path, str]:
    """Where the Markdown goes: ``--markdown`` is overwritten, the step summary appended (once)."""
    targets: dict[Path, str] = {}
    if markdown is not None:
        targets[markdown.resolve()] = "w"
    if summary:
        targets[Path(summary).resolve()] = "a"
    return targets
