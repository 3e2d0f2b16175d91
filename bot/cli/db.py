"""`disputebot db ...`: online backup, integrity check and restore of the database file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, load_settings
from bot.storage.maintenance import FileReport, MaintenanceError, backup, inspect, restore


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="back up, check and restore the database")
    sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")

    take = sub.add_parser(
        "backup", help="consistent copy of the database while the bot keeps running"
    )
    take.add_argument("path", type=Path, help="where to write the backup")
    take.add_argument("--database", type=Path, help="database to copy (default: from settings)")
    take.set_defaults(handler=run_backup)

    check = sub.add_parser("check", help="integrity check, schema version and row counts")
    check.add_argument("path", type=Path, nargs="?", help="file to check (default: from settings)")
    check.set_defaults(handler=run_check)

    put_back = sub.add_parser(
        "restore", help="replace the database with a verified backup (stop the bot first)"
    )
    put_back.add_argument("backup", type=Path, help="the backup file to restore")
    put_back.add_argument("--to", type=Path, help="database to replace (default: from settings)")
    put_back.add_argument(
        "--replace", action="store_true", help="confirm that an existing database is overwritten"
    )
    put_back.set_defaults(handler=run_restore)


def describe(report: FileReport) -> str:
    counts = ", ".join(f"{name} {count}" for name, count in report.row_counts.items())
    integrity = "integrity ok" if not report.problems else f"{len(report.problems)} problem(s)"
    return (
        f"{report.path}: {integrity}, schema {report.schema_version} "
        f"(this build: {report.latest_version}); rows: {counts or 'no tables'}"
    )


def run_backup(args: argparse.Namespace) -> int:
    source = args.database or load_settings().database_path
    try:
        written = asyncio.run(backup(source, args.path))
        report = inspect(written)
    except MaintenanceError as exc:
        raise CliError(str(exc)) from None
    if report.problems:
        raise CliError(f"the backup failed its integrity check: {report.problems[0]}")
    print(f"backed up {source} -> {describe(report)}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    path = args.path or load_settings().database_path
    try:
        report = inspect(path)
    except MaintenanceError as exc:
        raise CliError(str(exc)) from None
    print(describe(report))
    for problem in report.problems:
        print(f"  {problem}")
    if report.schema_version > report.latest_version:
        print("  schema is newer than this build: use the disputebot version that wrote it")
    return EXIT_OK if report.ok else EXIT_FAILED


def run_restore(args: argparse.Namespace) -> int:
    target = args.to or load_settings().database_path
    if target.exists() and not args.replace:
        raise CliError(
            f"{target} exists; stop the bot, keep a copy of it, then add --replace", EXIT_USAGE
        )
    try:
        report = restore(args.backup, target)
    except MaintenanceError as exc:
        raise CliError(str(exc)) from None
    print(f"restored {args.backup} -> {describe(report)}")
    return EXIT_OK
