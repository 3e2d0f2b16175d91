"""Embeds about how the knowledge is used: /kb gaps and /kb stats.

Gaps show what members asked that the knowledge could not answer, grouped so
the biggest need is first; stats show what was answered, how members rated it,
where, and which entries are due for review. Storage may be unavailable: each
part then says so instead of the whole command failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.discord_app.kb_reports import INFO_COLOUR, lines_within
from bot.discord_app.limits import EMBED_DESCRIPTION_MAX, EMBED_FIELD_VALUE_MAX, quote_user_text
from bot.engine.knowledge.models import Entry, KnowledgeBase
from bot.engine.tooling.gaps import GapGroup
from bot.storage.models import ChannelCount, EntryCount, EntryFeedback, StorageUnavailable

UNAVAILABLE_TEXT = "Storage is unavailable right now; try again later."
EXAMPLE_MAX = 160
TOP = 10


def entry_name(kb: KnowledgeBase, entry_id: str | None) -> str:
    if entry_id is None:
        return "no entry came close"
    entry = kb.entry(entry_id)
    return (
        f"{entry.title} (`{entry_id}`)" if entry else f"`{entry_id}` (no longer in the knowledge)"
    )


def gap_line(group: GapGroup, kb: KnowledgeBase) -> str:
    example = quote_user_text(group.example.text, EXAMPLE_MAX)
    return (
        f"**{group.count}×** “{example}”\n"
        f"   best guess: {entry_name(kb, group.best_entry_id)}, "
        f"mean confidence {group.mean_confidence:.2f}"
    )


def gaps_embed(groups: Sequence[GapGroup], days: int, kb: KnowledgeBase) -> discord.Embed:
    questions = sum(g.count for g in groups)
    embed = discord.Embed(
        title=f"Unanswered and low-confidence questions, last {days} day(s)",
        colour=INFO_COLOUR,
    )
    if not groups:
        embed.description = "Nothing was left unanswered in this period."
        return embed
    header = f"{questions} question(s) in {len(groups)} group(s), biggest first.\n\n"
    embed.description = header + lines_within(
        [gap_line(g, kb) for g in groups],
        EMBED_DESCRIPTION_MAX - len(header),
        f"export them all with `disputebot gaps export --days {days}`",
    )
    embed.set_footer(
        text=f"Label them for the evaluation set: disputebot gaps export --days {days}. "
        "Add phrasings in your own words; never paste members' messages into the knowledge."
    )
    return embed


@dataclass(frozen=True)
class UsageStats:
    """What /kb stats shows; each store result may be UNAVAILABLE."""

    days: int
    per_entry: list[EntryCount] | StorageUnavailable
    feedback: list[EntryFeedback] | StorageUnavailable
    disliked: list[EntryFeedback] | StorageUnavailable
    per_channel: list[ChannelCount] | StorageUnavailable
    stale: list[Entry]
    stale_after_days: int


def _field(embed: discord.Embed, name: str, lines: list[str] | None, empty: str) -> None:
    if lines is None:
        value = UNAVAILABLE_TEXT
    elif not lines:
        value = empty
    else:
        value = lines_within(lines, EMBED_FIELD_VALUE_MAX)
    embed.add_field(name=name, value=value, inline=False)


def _votes(item: EntryFeedback) -> str:
    ratio = item.ratio
    share = "no votes" if ratio is None else f"{ratio:.0%} helpful"
    return f"`{item.entry_id}`: 👍 {item.helpful} · 👎 {item.not_helpful} ({share})"


def stats_embed(stats: UsageStats) -> discord.Embed:
    embed = discord.Embed(
        title=f"Knowledge use, last {stats.days} day(s)",
        description="An answer that cites several entries counts once for each of them.",
        colour=INFO_COLOUR,
    )
    per_entry = (
        None
        if isinstance(stats.per_entry, StorageUnavailable)
        else [f"`{c.entry_id}`: {c.answers}" for c in stats.per_entry[:TOP]]
    )
    _field(embed, "Answers per entry", per_entry, "No answers in this period.")
    rated = (
        None
        if isinstance(stats.feedback, StorageUnavailable)
        else [
            _votes(f)
            for f in sorted(
                (f for f in stats.feedback if f.ratio is not None),
                key=lambda f: (-(f.helpful + f.not_helpful), f.entry_id),
            )[:TOP]
        ]
    )
    _field(embed, "Helpful ratio", rated, "Nobody voted in this period.")
    disliked = (
        None
        if isinstance(stats.disliked, StorageUnavailable)
        else [_votes(f) for f in stats.disliked[:5]]
    )
    _field(embed, "Most disliked", disliked, "No answer was voted unhelpful.")
    channels = (
        None
        if isinstance(stats.per_channel, StorageUnavailable)
        else [f"<#{c.channel_id}>: {c.answers}" for c in stats.per_channel[:TOP]]
    )
    _field(embed, "Answers per channel", channels, "No answers in this period.")
    stale = [f"`{e.id}`: reviewed {e.reviewed} ({e.file})" for e in stats.stale]
    _field(
        embed,
        f"Stale entries (reviewed more than {stats.stale_after_days} days ago)",
        stale,
        "None: every entry was reviewed recently.",
    )
    return embed
