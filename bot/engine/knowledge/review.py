"""Which entries are due for review, and which entries a question could have meant.

Both answer a moderator's question about the knowledge rather than a member's:
"what have we not checked for a long time?" (stale entries, shown by /kb stats
and `disputebot kb check-sources`) and "if the bot got this wrong, what was
right?" (the ranked choices of the "Correct this answer" menu).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from bot.engine.knowledge.models import Entry
from bot.engine.matching.matcher import Matcher
from bot.engine.matching.search import EntrySearch


def stale_entries(entries: Iterable[Entry], today: date, stale_after_days: int) -> list[Entry]:
    """Entries last reviewed more than ``stale_after_days`` ago, oldest review first."""
    limit = today - timedelta(days=stale_after_days)
    return sorted((e for e in entries if e.reviewed < limit), key=lambda e: (e.reviewed, e.id))


def ranked_entries(matcher: Matcher, text: str, limit: int) -> list[Entry]:
    """Every plausible entry for a question, best first, at most ``limit``.

    The matcher ranks one entry per topic; a moderator correcting an answer may
    need another entry of those topics, or one the question only names. So: the
    matcher's candidates, then the other entries of their topics, then entries
    found by name, then the rest of the pack in file order.
    """
    kb = matcher.kb
    ranked: dict[str, Entry] = {}
    candidates = matcher.match(text).candidates
    for candidate in candidates:
        ranked.setdefault(candidate.entry.id, candidate.entry)
    for candidate in candidates:
        for entry in kb.entries_for_topic(candidate.entry.topic):
            ranked.setdefault(entry.id, entry)
    for hit in EntrySearch(kb).search(text, limit=limit):
        ranked.setdefault(hit.entry.id, hit.entry)
    for entry in kb.entries:
        ranked.setdefault(entry.id, entry)
    return list(ranked.values())[:limit]
