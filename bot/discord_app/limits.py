"""Discord's message limits, and text helpers that always stay inside them.

Every piece of text the bot sends goes through these helpers, so no entry, however
long, and no user text, however hostile, can produce a message Discord rejects or
a mention that pings anyone.
"""

from __future__ import annotations

import re

import discord

CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
SELECT_LABEL_MAX = 100
SELECT_DESCRIPTION_MAX = 100
BUTTON_LABEL_MAX = 80
QUOTED_USER_TEXT_MAX = 300

NO_MENTIONS = discord.AllowedMentions.none()
_MARKDOWN_SIGNIFICANT = re.compile(r"([\\*_~`|>#\[\]()<@:-])")
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def fit_lines(
    lines: list[str] | tuple[str, ...],
    limit: int,
    more: str | None = None,
    *,
    note: str | None = None,
) -> str:
    """Join lines within `limit`; if some must go, say where the rest is.

    `note` (such as "the Full entry button shows the rest") follows the ellipsis; else
    `more`, a link to the full text. Whole lines are kept where possible so a quote or
    bullet is never cut mid-way unless a single line alone is too long.
    """
    text = "\n".join(lines).strip()
    if len(text) <= limit:
        return text
    if note:
        tail = f"\n{ELLIPSIS} {note}"
    else:
        tail = f"\n{ELLIPSIS} [Full entry]({more})" if more else f"\n{ELLIPSIS}"
    if len(tail) >= limit:
        return clip(text, limit)
    budget = limit - len(tail)
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = len(line) + (1 if kept else 0)
        if used + cost > budget:
            if not kept:
                kept.append(clip(line, budget))
            break
        kept.append(line)
        used += cost
    return ("\n".join(kept).rstrip() + tail).strip()


def quote_user_text(text: str, limit: int = QUOTED_USER_TEXT_MAX) -> str:
    """Show someone's message inside ours without letting it break out of formatting.

    Every character Markdown, masked links or mentions could use is escaped (Discord
    shows an escaped character as itself), links cannot embed, and newlines collapse
    so the text stays inside one block-quote line. discord.py's escape_markdown is not
    enough on its own: it leaves text inside URLs alone, where "```" still opens a block.
    """
    flat = " ".join(text.split())
    flat = _MARKDOWN_SIGNIFICANT.sub(r"\\\1", flat)
    flat = discord.utils.escape_mentions(flat)
    flat = flat.replace("://", ":\u200b//")
    return clip(flat, limit)


def embed_size(embed: discord.Embed) -> int:
    """The characters Discord counts towards the 6,000 per-message embed total."""
    return len(embed)
