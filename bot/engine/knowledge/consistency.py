"""Checks that need the built matcher: knowledge that contradicts itself.

A not_example that restates one of its own entry's phrasings, or that the
matcher would still answer with that entry, defeats its purpose: the moderator
meant "not this", the knowledge says "this".
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.knowledge.problems import ProblemLog
from bot.engine.matching.matcher import Matcher
from bot.engine.matching.normalise import normalise_known

NEAR_DUPLICATE = 90.0


def check_not_examples(kb: KnowledgeBase, matcher: Matcher, log: ProblemLog) -> None:
    synonyms = kb.pack.synonyms
    for entry in kb.entries:
        own = [normalise_known(q, synonyms).text for q in entry.questions]
        for example in entry.not_examples:
            text = normalise_known(example, synonyms).text
            twin = process.extractOne(
                text, own, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE
            )
            if twin is not None:
                log.error(
                    entry.file,
                    entry.line_of("not_examples"),
                    f"not_example {example!r} matches its own entry: it restates "
                    f"question {twin[2] + 1} ({twin[1]:.0f}% alike)",
                    entry=entry.id,
                    field="not_examples",
                )
                continue
            main, confidence, answered = matcher.assess(example)
            if answered and main is not None and main.id == entry.id:
                log.error(
                    entry.file,
                    entry.line_of("not_examples"),
                    f"not_example {example!r} matches its own entry "
                    f"(confidence {confidence:.2f}); reword it or the phrasings",
                    entry=entry.id,
                    field="not_examples",
                )
