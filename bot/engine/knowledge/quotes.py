"""Which policy quotes an answer shows, and which quote a caveat talks about.

An answer shows at most MAX_QUOTES quotes, current wording first. A caveat that
comments on one quote ("the 'not eligible ... quality' sentence is older wording")
would point at nothing if that quote were cut, so a caveat can name the quote it
depends on (`quote: N` in the file) and that quote is then always shown; the
loader refuses a caveat that quotes words from a quote an answer would not show.
"""

from __future__ import annotations

import re

from bot.engine.knowledge.models import Entry, PolicyQuote

MAX_QUOTES = 3

# A quoted passage inside a caveat: 'like this', "like this", ‘like this’ or “like this”.
# A straight single quote only counts when no letter touches it from outside, so the
# apostrophes in "don't" or "sellers' " do not open a passage.
_QUOTED = re.compile(r"(?<!\w)'([^'\n]+?)'(?!\w)|\"([^\"\n]+?)\"|‘([^’\n]+?)’|“([^”\n]+?)”")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_MIN_WORDS = 2


def shown_quote_indexes(entry: Entry, limit: int = MAX_QUOTES) -> tuple[int, ...]:
    """Positions in entry.policy of the quotes an answer shows, in display order.

    Display order is current wording first, earlier wording after, file order within
    each; quotes named by caveats are kept before any other is considered.
    """
    order = [i for i, q in enumerate(entry.policy) if q.wording == "current"]
    order += [i for i, q in enumerate(entry.policy) if q.wording != "current"]
    pinned = set(entry.pinned_quotes)
    chosen = [i for i in order if i in pinned][:limit]
    for index in order:
        if len(chosen) >= limit:
            break
        if index not in chosen:
            chosen.append(index)
    return tuple(i for i in order if i in chosen)


def shown_quotes(entry: Entry, limit: int = MAX_QUOTES) -> tuple[PolicyQuote, ...]:
    return tuple(entry.policy[i] for i in shown_quote_indexes(entry, limit))


def quotes_referred_to(caveat: str, quotes: tuple[PolicyQuote, ...]) -> list[tuple[int, str]]:
    """(position, passage) for each quote whose words a caveat cites in quotation marks.

    A passage may skip words with "..." or "…"; its pieces must appear in the quote in
    order, ignoring case and spacing. Passages under two words are not counted.
    """
    found: list[tuple[int, str]] = []
    for match in _QUOTED.finditer(caveat):
        passage = next(group for group in match.groups() if group is not None)
        pieces = [_flat(piece) for piece in _ELLIPSIS.split(passage)]
        pieces = [piece for piece in pieces if piece]
        if sum(len(piece.split()) for piece in pieces) < _MIN_WORDS:
            continue
        for index, quote in enumerate(quotes):
            if _in_order(pieces, _flat(quote.text)) and (index, passage) not in found:
                found.append((index, passage))
    return found


def _flat(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def _in_order(pieces: list[str], text: str) -> bool:
    position = 0
    for piece in pieces:
        position = text.find(piece, position)
        if position < 0:
            return False
        position += len(piece)
    return True
