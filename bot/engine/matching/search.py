"""Find entries by name: titles, aliases, keywords and content, ranked by rapidfuzz.

Used by /policy's autocomplete, where a member types a few letters of what they
remember ("whats", "1 star", "chargbk") and expects the right entry near the top.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.engine.knowledge.models import Entry, KnowledgeBase

# How much each kind of text counts: a title hit beats a hit deep in a phrasing.
FIELD_WEIGHTS = {"title": 1.0, "alias": 0.95, "keyword": 0.9, "summary": 0.8, "question": 0.75}
MIN_SCORE = 45.0


@dataclass(frozen=True, slots=True)
class SearchHit:
    entry: Entry
    score: float


class EntrySearch:
    """An in-memory index of every searchable text of a knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._texts: list[str] = []
        self._owners: list[tuple[int, float]] = []
        for index, entry in enumerate(kb.entries):
            fields = [("title", entry.title), ("summary", entry.summary), ("title", entry.id)]
            fields += [("alias", a) for a in entry.aliases]
            fields += [("keyword", k) for k in entry.keywords]
            fields += [("question", q) for q in entry.questions]
            for kind, text in fields:
                self._texts.append(utils.default_process(text))
                self._owners.append((index, FIELD_WEIGHTS[kind]))

    def search(self, query: str, limit: int = 25) -> list[SearchHit]:
        """Best entries first; with an empty query, every entry in pack order."""
        query = utils.default_process(query[:200])
        if not query:
            return [SearchHit(entry, 0.0) for entry in self.kb.entries[:limit]]
        best: dict[int, float] = {}
        matches = process.extract(
            query, self._texts, scorer=fuzz.WRatio, processor=None, limit=None, score_cutoff=30
        )
        for _text, score, position in matches:
            index, weight = self._owners[position]
            best[index] = max(best.get(index, 0.0), score * weight)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [
            SearchHit(self.kb.entries[index], score)
            for index, score in ranked[:limit]
            if score >= MIN_SCORE
        ]
