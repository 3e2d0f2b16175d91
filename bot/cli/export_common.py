"""What the export commands share: the database option, reading it, writing the lines.

Exports read the bot's database while the bot may be running (SQLite in WAL mode
allows that) and write JSON lines to a file or to standard output, with the
summary on standard error so the lines can be piped straight into a file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.cli.common import CliError
from bot.engine.tooling.labelled_export import write_jsonl
from bot.settings import Settings
from bot.storage.models import StorageUnavailable
from bot.storage.store import Store

T = TypeVar("T")


def add_export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        "--database",
        dest="db",
        type=Path,
        help="the bot's database (default: database_path from settings)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="file to write (default: standard output)"
    )
    parser.add_argument("--knowledge", type=Path, help="knowledge folder (default: from settings)")
    parser.add_argument("--platform", help="knowledge pack to use (default: from settings)")


def database_path(args: argparse.Namespace, settings: Settings) -> Path:
    path: Path = args.db or settings.database_path
    if not path.is_file():
        raise CliError(f"no database at {path}; pass --db or set DISPUTEBOT_DATABASE_PATH")
    return path


def read_store(path: Path, read: Callable[[Store], Awaitable[T | StorageUnavailable]]) -> T:
    """Open the database, run one read, close it; a storage fault is one clear error."""

    async def run() -> T | StorageUnavailable:
        async with await Store.open(path) as store:
            return await read(store)

    result = asyncio.run(run())
    if isinstance(result, StorageUnavailable):
        raise CliError(f"the database at {path} could not be read (see the log above)")
    return result


@contextmanager
def output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    with handle:
        yield handle


def write_rows(rows: list[dict[str, Any]], path: Path | None) -> int:
    with output(path) as out:
        return write_jsonl(rows, out)
