"""`disputebot kb ...`: validate, list and train the knowledge base, check its sources, and
print the JSON Schema of its files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli import kb_sources, kb_train
from bot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    add_knowledge_options,
    load_engine,
    load_settings,
)
from bot.engine.knowledge.loader import platforms
from bot.engine.knowledge.schema import json_schema
from bot.engine.knowledge.validation import validate_pack
from bot.ops.gc_pause import gc_paused


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kb = commands.add_parser("kb", help="knowledge base tools")
    sub = kb.add_subparsers(dest="kb_command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check every knowledge file; exit 1 on any error")
    validate.add_argument(
        "dir", nargs="?", type=Path, help="knowledge folder (default: from settings)"
    )
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.set_defaults(handler=run_validate)

    listing = sub.add_parser("list", help="list entries by topic")
    add_knowledge_options(listing)
    listing.set_defaults(handler=run_list)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of knowledge files (> knowledge/schema.json)",
    )
    schema.set_defaults(handler=run_schema)

    kb_sources.register(sub)
    kb_train.register(sub)


def run_validate(args: argparse.Namespace) -> int:
    settings = load_settings()
    root = args.dir or settings.knowledge_dir
    if not root.is_dir():
        raise CliError(f"{root} is not a folder")
    packs = platforms(root)
    if not packs:
        raise CliError(f"no knowledge packs (folders with pack.yaml) in {root}")
    failed = False
    for platform in packs:
        result = validate_pack(
            root, platform, stale_after_days=settings.stale_after_days, build_context=gc_paused
        )
        for problem in result.problems:
            print(problem)
        errors, warnings = len(result.errors), len(result.warnings)
        entries = len(result.kb.entries) if result.kb else 0
        status = "ok" if result.ok and not (args.strict and warnings) else "FAILED"
        print(
            f"{platform}: {status}: {len(result.files)} files, {entries} entries, "
            f"{errors} error(s), {warnings} warning(s)"
        )
        failed |= status == "FAILED"
    return EXIT_FAILED if failed else EXIT_OK


def schema_text() -> str:
    """knowledge/schema.json as it should be committed: derived from the schema tables."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def run_schema(args: argparse.Namespace) -> int:
    print(schema_text(), end="")
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    kb = engine.kb
    for topic in kb.topics:
        entries = kb.entries_for_topic(topic)
        if not entries:
            print(f"{topic}: (no entries)")
            continue
        print(f"{topic}:")
        for entry in entries:
            print(f"  {entry.id}: {entry.title}")
    return EXIT_OK
