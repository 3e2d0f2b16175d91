"""`disputebot kb check-sources`: are the quotes still verbatim, offline and online?

Offline, every quote is looked up in its stored snapshot. With --online, every
source URL is fetched and each quote looked for on the live page. Entries whose
`reviewed` date is older than the stale_after_days setting are listed too, as a
reminder, without failing the check. Exit 1 when any quote fails or any page is
changed, gone or unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, load_settings
from bot.engine.knowledge.loader import platforms
from bot.engine.knowledge.review import stale_entries
from bot.engine.tooling.source_check import PackQuotes, check_offline, collect_quotes
from bot.engine.tooling.source_fetch import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT_S,
    UrlReport,
    Verdict,
    check_online,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check-sources",
        help="check every quote against its stored snapshot (and, with --online, the live page)",
    )
    parser.add_argument(
        "dir", nargs="?", type=Path, help="knowledge folder (default: from settings)"
    )
    parser.add_argument("--platform", help="check only this pack (default: every pack)")
    parser.add_argument(
        "--online", action="store_true", help="also fetch every source URL and look for the quotes"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds to wait for each page (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"pages fetched at the same time (default {DEFAULT_CONCURRENCY})",
    )
    parser.set_defaults(handler=run_check_sources)


def run_check_sources(args: argparse.Namespace) -> int:
    settings = load_settings()
    root = args.dir or settings.knowledge_dir
    if not root.is_dir():
        raise CliError(f"{root} is not a folder")
    if args.timeout <= 0 or args.concurrency < 1:
        raise CliError("--timeout must be positive and --concurrency at least 1", EXIT_USAGE)
    packs = [args.platform] if args.platform else platforms(root)
    if not packs:
        raise CliError(f"no knowledge packs (folders with pack.yaml) in {root}")
    failed = False
    for platform in packs:
        quotes = collect_quotes(root, platform)
        failed |= report_offline(platform, quotes)
        report_stale(quotes, settings.stale_after_days)
        if args.online:
            reports = asyncio.run(
                check_online(quotes.by_source(), timeout=args.timeout, concurrency=args.concurrency)
            )
            failed |= report_online(reports)
    return EXIT_FAILED if failed else EXIT_OK


def report_offline(platform: str, quotes: PackQuotes) -> bool:
    """Print read problems and quote failures; True when there was any."""
    for problem in quotes.problems:
        print(problem)
    failures = check_offline(quotes)
    for failure in failures:
        print(failure)
    bad = bool(failures or quotes.problems)
    print(
        f"{platform}: {'FAILED' if bad else 'ok'}: {len(quotes.quotes)} quote(s) in "
        f"{len(quotes.entries)} entries checked against {len(quotes.library)} stored source(s); "
        f"{len(failures)} not verbatim, {len(quotes.problems)} file problem(s)"
    )
    return bad


def report_stale(quotes: PackQuotes, stale_after_days: int) -> None:
    stale = stale_entries(quotes.entries, date.today(), stale_after_days)
    if not stale:
        return
    print(
        f"stale: {len(stale)} entr{'y' if len(stale) == 1 else 'ies'} reviewed more than "
        f"{stale_after_days} days ago (re-check them against their sources):"
    )
    for entry in stale:
        print(f"  {entry.file}:{entry.line_of('reviewed')}: '{entry.id}' reviewed {entry.reviewed}")


def report_online(reports: list[UrlReport]) -> bool:
    """Print one verdict per URL and the quotes it lost; True when any URL is not fine."""
    for report in reports:
        print(f"[{report.verdict.value}] {report.url}: {report.detail}")
        for quote in report.missing:
            print(f"    {quote.where}: {quote.text!r}")
    counts = {verdict: sum(r.verdict is verdict for r in reports) for verdict in Verdict}
    print("online: " + ", ".join(f"{counts[v]} {v.value}" for v in Verdict))
    return any(not r.ok for r in reports)
