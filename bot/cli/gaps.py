"""`disputebot gaps export`: unanswered questions, grouped, as lines to label.

Each line is one group of similar questions in the evaluation format, with
`topics` left empty for a moderator to fill in, the matcher's best guess in
`suggested` and the group size in `count` (see bot.engine.tooling.labelled_export).
"""

from __future__ import annotations

import argparse
import sys
import time

from bot.cli.common import EXIT_OK, CliError, load_engine, load_settings
from bot.cli.export_common import add_export_options, database_path, read_store, write_rows
from bot.engine.tooling.gaps import GapQuestion, group_questions
from bot.engine.tooling.labelled_export import gap_rows

SECONDS_PER_DAY = 86_400


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gaps = commands.add_parser("gaps", help="questions the bot could not answer")
    sub = gaps.add_subparsers(dest="gaps_command", required=True, metavar="COMMAND")
    export = sub.add_parser(
        "export",
        help="write unanswered questions from every server, grouped, as unlabelled JSON lines",
    )
    export.add_argument(
        "--days", type=int, default=30, help="how many days back to look (default 30)"
    )
    add_export_options(export)
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise CliError("--days must be at least 1")
    settings = load_settings()
    path = database_path(args, settings)
    kb = load_engine(args, settings).kb
    since = time.time() - args.days * SECONDS_PER_DAY
    rows = read_store(path, lambda store: store.list_unanswered(None, since))
    groups = group_questions(
        (GapQuestion(r.id, r.question, r.best_entry_id, r.confidence, r.created_at) for r in rows),
        synonyms=kb.pack.synonyms,
    )
    written = write_rows(gap_rows(groups, kb), args.output)
    print(
        f"wrote {written} group(s) of {len(rows)} question(s) from the last {args.days} day(s); "
        "fill in 'topics' before using them as evaluation data",
        file=sys.stderr,
    )
    return EXIT_OK
