"""`disputebot feedback export`: moderators' corrections as labelled regression cases.

Each correction made with the "Correct this answer" menu becomes one line in
the evaluation format: the topic of the entry the moderator chose, or `[]` for
"should not have answered". Append them to eval/regressions.jsonl and run
`disputebot eval eval/questions.jsonl eval/regressions.jsonl`.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import EXIT_OK, load_engine, load_settings
from bot.cli.export_common import add_export_options, database_path, read_store, write_rows
from bot.engine.tooling.labelled_export import CorrectedQuestion, correction_rows


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feedback = commands.add_parser("feedback", help="moderators' corrections of answers")
    sub = feedback.add_subparsers(dest="feedback_command", required=True, metavar="COMMAND")
    export = sub.add_parser(
        "export", help="write corrected questions as labelled JSON lines (evaluation format)"
    )
    add_export_options(export)
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    settings = load_settings()
    path = database_path(args, settings)
    kb = load_engine(args, settings).kb
    corrections = read_store(path, lambda store: store.list_corrections())
    rows, skipped = correction_rows(
        (
            CorrectedQuestion(
                c.id, c.answer_id, c.question, c.correct_entry_id, c.should_not_answer, c.created_at
            )
            for c in corrections
        ),
        kb,
    )
    written = write_rows(rows, args.output)
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)
    print(
        f"wrote {written} labelled question(s) from {len(corrections)} correction(s)",
        file=sys.stderr,
    )
    return EXIT_OK
