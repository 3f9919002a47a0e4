"""``infra ledger show|merge|export|compact|plot``: look after the timing ledger."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ledger", help="show, merge, export, compact or plot the timing ledger")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--ledger",
        type=Path,
        default=None,
        help="ledger file (default: $INFRA_LEDGER, else [tool.infra] ledger, else .infra/ledger.jsonl)",
    )
    show = actions.add_parser("show", parents=[common], help="print the latest records as a table")
    show.add_argument("--last", type=positive_int, default=20, help="how many records (default 20)")
    show.add_argument("--session", help="only this session")
    show.set_defaults(func=_show)
    merge = actions.add_parser("merge", parents=[common], help="merge ledger shards into the ledger")
    merge.add_argument("shards", nargs="+", type=Path, metavar="SHARD")
    merge.set_defaults(func=_merge)
    export = actions.add_parser("export", parents=[common], help="write the ledger as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=_export)
    compact = actions.add_parser("compact", parents=[common], help="keep only the newest records per session")
    compact.add_argument(
        "--keep", type=positive_int, default=200, help="records to keep per session (default 200)"
    )
    compact.set_defaults(func=_compact)
    plot = actions.add_parser("plot", parents=[common], help="write an SVG chart of wall time per run")
    plot.add_argument("--output", "-o", type=Path, default=Path(".infra/ledger.svg"))
    plot.add_argument("--last", type=positive_int, default=None, help="only the last N runs")
    plot.set_defaults(func=_plot)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def ledger_path(args: argparse.Namespace) -> Path:
    """``--ledger`` if given, else the one every writer uses (``state.ledger_path``)."""
    from infra import state

    return args.ledger if args.ledger is not None else state.ledger_path(Path.cwd())


def _warn_all(warnings: list[str]) -> None:
    from infra.output import warn

    for message in warnings:
        warn(message)


def _show(args: argparse.Namespace) -> int:
    from infra import ledger
    from infra.output import table, write_line

    path = ledger_path(args)
    contents = ledger.read(path)
    _warn_all(contents.warnings)
    records = [r for r in contents.records if args.session in (None, r.session)][-args.last :]
    headers = (
        "started (UTC)",
        "session",
        "status",
        "wall s",
        "cpu s",
        "rss MB",
        "tests",
        "commit",
        "machine",
    )
    rows = [
        (
            r.started_at[:19],
            r.session,
            r.status,
            f"{r.wall_s:.1f}",
            "-" if r.cpu_s is None else f"{r.cpu_s:.1f}",
            "-" if r.peak_rss_mb is None else f"{r.peak_rss_mb:.0f}",
            "-" if r.tests_run is None else f"{r.tests_run}/{r.tests_selected}",
            (r.commit or "-")[:10] + ("+" if r.dirty else ""),
            r.machine[:8],
        )
        for r in records
    ]
    if rows:
        write_line(table(headers, rows))
    sessions = len({r.session for r in contents.records})
    write_line(f"{path}: {len(contents.records)} records, {sessions} sessions")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from infra import ledger_ops
    from infra.errors import LedgerError
    from infra.output import write_line

    missing = [str(shard) for shard in args.shards if not shard.is_file()]
    if missing:
        raise LedgerError(f"{missing[0]}: no such ledger shard; check the path")
    out = ledger_path(args)
    result = ledger_ops.merge(args.shards, out)
    _warn_all(result.warnings)
    write_line(
        f"{out}: {result.kept} records after merging {len(args.shards)} files ({result.dropped} duplicates)"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    import sys

    from infra import ledger_ops

    text = ledger_ops.export(ledger_path(args), args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 0


def _compact(args: argparse.Namespace) -> int:
    from infra import ledger_ops
    from infra.output import write_line

    path = ledger_path(args)
    result = ledger_ops.compact(path, keep_last_per_session=args.keep)
    _warn_all(result.warnings)
    unreadable = f", {len(result.warnings)} unreadable lines removed" if result.warnings else ""
    write_line(f"{path}: kept {result.kept} records, removed {result.dropped} older ones{unreadable}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from infra import ledger, plot
    from infra.output import write_line

    contents = ledger.read(ledger_path(args))
    _warn_all(contents.warnings)
    plot.plot(contents.records, args.output, last_runs=args.last)
    write_line(f"wrote {args.output}")
    return 0
