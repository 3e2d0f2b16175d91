"""Check every quote an entry makes against the stored snapshot of its source.

Loading already refuses a pack with a misquote, but it stops at "the pack does
not load". This check reads each entry on its own (loader.read_entries), so it
can list every quote that is not verbatim in its snapshot, with file, line and
entry, even when those very quotes are what keeps the pack from loading. Its
list of quotes per URL is also what the online check fetches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.engine.knowledge.loader import read_entries
from bot.engine.knowledge.models import Entry
from bot.engine.knowledge.problems import Problem, ProblemLog
from bot.engine.knowledge.sources import SourceLibrary, load_sources


@dataclass(frozen=True, slots=True)
class QuoteRef:
    """One quote as an entry uses it: where it is written and what it cites."""

    entry_id: str
    file: str
    line: int
    number: int
    source: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}: entry '{self.entry_id}' policy[{self.number}]"


@dataclass(frozen=True, slots=True)
class QuoteFailure:
    quote: QuoteRef
    reason: str

    def __str__(self) -> str:
        return f"{self.quote.where}: {self.reason}: {self.quote.text!r}"


@dataclass(frozen=True)
class PackQuotes:
    """The quotes of a pack's readable entries, and the problems that hid any others."""

    entries: tuple[Entry, ...]
    quotes: tuple[QuoteRef, ...]
    library: SourceLibrary
    problems: tuple[Problem, ...]

    def by_source(self) -> dict[str, list[QuoteRef]]:
        grouped: dict[str, list[QuoteRef]] = defaultdict(list)
        for quote in self.quotes:
            grouped[quote.source].append(quote)
        return dict(sorted(grouped.items()))


def collect_quotes(root: Path, platform: str) -> PackQuotes:
    """Read the snapshots and every entry that parses; problems say what could not be read."""
    log = ProblemLog()
    library = load_sources(Path(root), log)
    entries = read_entries(Path(root), platform, log)
    quotes = tuple(
        QuoteRef(
            entry_id=entry.id,
            file=entry.file,
            line=entry.line_of("policy"),
            number=number,
            source=quote.source,
            text=quote.text,
        )
        for entry in entries
        for number, quote in enumerate(entry.policy, start=1)
    )
    return PackQuotes(tuple(entries), quotes, library, tuple(log.errors))


def check_offline(quotes: PackQuotes) -> list[QuoteFailure]:
    """Every quote whose source has no snapshot, or whose words are not in it verbatim."""
    failures: list[QuoteFailure] = []
    for quote in quotes.quotes:
        doc = quotes.library.get(quote.source)
        if doc is None:
            failures.append(QuoteFailure(quote, f"no stored snapshot of {quote.source}"))
        elif not doc.contains(quote.text):
            failures.append(
                QuoteFailure(quote, f"not found verbatim in the snapshot of {quote.source}")
            )
    return failures
