"""The knowledge model: what an entry, a quote, a risk rule and a pack are.

These are plain frozen dataclasses so the matcher, the renderers and the Discord
layer can share them without any of them knowing where they came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class PolicyQuote:
    """Official wording, verbatim, with where and when it was said."""

    text: str
    source: str
    as_of: str
    wording: str = "current"  # "current" or "earlier"
    note: str | None = None
    source_title: str | None = None
    source_kind: str | None = None

    @property
    def is_forum_copy(self) -> bool:
        """True when the wording is ToS text as quoted by users, possibly outdated."""
        return self.source_kind == "forum-quote-of-tos"


@dataclass(frozen=True, slots=True)
class Entry:
    """One answerable situation, with the phrasings that lead to it."""

    id: str
    topic: str
    title: str
    summary: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    not_examples: tuple[str, ...]
    policy: tuple[PolicyQuote, ...]
    advice: tuple[str, ...]
    caveats: tuple[str, ...]
    related: tuple[str, ...]
    reviewed: date
    aliases: tuple[str, ...] = ()
    # For each caveat, the position in `policy` of the quote it depends on (or None);
    # that quote is always shown with the caveat (bot.engine.knowledge.quotes).
    caveat_quotes: tuple[int | None, ...] = ()
    file: str = ""
    line: int = 0
    field_lines: tuple[tuple[str, int], ...] = ()

    @property
    def pinned_quotes(self) -> tuple[int, ...]:
        """Positions of the quotes that caveats depend on, each once, in caveat order."""
        return tuple(dict.fromkeys(i for i in self.caveat_quotes if i is not None))

    def line_of(self, name: str) -> int:
        """The line a field starts on, so pack-wide checks can point at it."""
        return dict(self.field_lines).get(name, self.line)

    def fingerprint(self) -> str:
        """A content hash, used to tell which entries a reload changed."""
        data = asdict(self)
        for key in ("file", "line", "field_lines"):
            data.pop(key)
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class RiskRule:
    """Words that signal business outside the platform, and the warning they earn."""

    id: str
    entry: str
    warning: str
    terms: tuple[str, ...]
    detectors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    summary: str


@dataclass(frozen=True, slots=True)
class Pack:
    """Platform-level settings of a knowledge pack."""

    platform: str
    name: str
    disclaimer: str
    support_url: str
    risks: tuple[RiskRule, ...] = ()
    # (written, meaning) pairs for normalise(): once loaded, knowledge/shorthand.yaml's
    # followed by the pack's own (loader.with_shorthand).
    synonyms: tuple[tuple[str, str], ...] = ()
    entry_url: str | None = None
    off_topic: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated pack: entries by id, in file order, with their topics."""

    pack: Pack
    topics: dict[str, Topic]
    entries: tuple[Entry, ...]
    by_id: dict[str, Entry] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {entry.id: entry for entry in self.entries})

    def entry(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def entries_for_topic(self, topic: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.topic == topic]

    def entry_url(self, entry: Entry) -> str | None:
        """The page showing the whole entry (the pack's `entry_url`), or None without one.

        A policy source is no such page: it holds none of the advice or caveats, so
        "Full entry" and "More" must not lead there (the bot has a Full entry button).
        """
        if self.pack.entry_url:
            return self.pack.entry_url.format(id=entry.id, topic=entry.topic, file=entry.file)
        return None
