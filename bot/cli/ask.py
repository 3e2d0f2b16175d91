"""`disputebot ask` and `disputebot match`: the engine from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_knowledge_options,
    load_engine,
)
from bot.engine.answers.render import render_markdown, render_no_answer
from bot.engine.matching.matcher import MatchResult


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ask = commands.add_parser("ask", help="print the answer the bot would post for a question")
    ask.add_argument("text", nargs="+", help="the question")
    add_knowledge_options(ask)
    ask.set_defaults(handler=run_ask)

    match = commands.add_parser("match", help="show how questions are matched, as JSON")
    mode = match.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--json", dest="text", metavar="TEXT", help="match one text, print one object"
    )
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help="read JSON lines with id and text on stdin, write one line per input",
    )
    add_knowledge_options(match)
    match.set_defaults(handler=run_match)


def run_ask(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    text = " ".join(args.text).strip()
    if not text:
        raise CliError("the question is empty", EXIT_USAGE)
    result, answer = engine.answer(text)
    if result.answer and answer is not None:
        sys.stdout.write(render_markdown(answer))
    else:
        sys.stdout.write(render_no_answer(result, engine.kb.pack.disclaimer))
    return EXIT_OK


def match_json(result: MatchResult, item_id: Any = None) -> dict[str, Any]:
    """One question's match in the evaluation output format."""
    data: dict[str, Any] = {} if item_id is None else {"id": item_id}
    data.update(
        answer=result.answer,
        confidence=result.confidence,
        ambiguous=result.ambiguous,
        topics=result.topics(),
    )
    return data


def run_match(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    if not args.jsonl:
        result = engine.match(args.text)
        data = match_json(result)
        data["risks"] = [hit.rule.id for hit in result.risks]
        data["candidates"] = [
            {
                "entry": c.entry.id,
                "topic": c.entry.topic,
                "score": c.score,
                "evidence": list(c.evidence),
            }
            for c in result.candidates
        ]
        print(json.dumps(data, ensure_ascii=False))
        return EXIT_OK
    bad = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        row, problem = _read_row(line)
        if problem:
            bad += 1
            print(f"disputebot: stdin line {number}: {problem}", file=sys.stderr)
            print(json.dumps({"id": row.get("id"), "error": problem}, ensure_ascii=False))
            continue
        print(
            json.dumps(match_json(engine.match(row["text"]), row.get("id")), ensure_ascii=False),
            flush=True,
        )
    return EXIT_FAILED if bad else EXIT_OK


def _read_row(line: str) -> tuple[dict[str, Any], str | None]:
    """Parse one input line; a bad line yields an error instead of stopping the stream."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"not JSON ({exc.msg})"
    if not isinstance(row, dict):
        return {}, "needs a JSON object with 'id' and 'text'"
    if not isinstance(row.get("text"), str):
        return row, "needs a 'text' string"
    return row, None
