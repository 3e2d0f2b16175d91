"""Build the answer embed: quoted policy, labelled advice, caveats, risks, footer.

The same sections as the text renderer (bot.engine.answers.render) are laid out as an
embed and trimmed to Discord's limits; trimmed text says that the Full entry
button under the answer shows the rest, and the disclaimer footer is always kept.
The Full entry view (full_entry_messages) holds everything, however long.
"""

from __future__ import annotations

from dataclasses import replace

import discord

from bot.discord_app.limits import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    clip,
    fit_lines,
)
from bot.engine.answers.answer import Answer
from bot.engine.answers.render import Section, answer_sections
from bot.engine.knowledge.quotes import shown_quotes

ANSWER_COLOUR = discord.Colour(0x1DBF73)
RISK_COLOUR = discord.Colour(0xE8A317)
# No "related" field: the Related button under every answer that has related entries
# lists them, with their summaries and a menu to open one.
FIELD_ORDER = ("risk", "advice", "caveats", "also")
# What trimmed text ends with: every answer carries the Full entry button.
CUT_NOTE = "cut for length: **Full entry** below shows it all"
EMBEDS_PER_MESSAGE = 10
FULL_ENTRY_SECTIONS = ("policy", "advice", "caveats")


def answer_embed(answer: Answer) -> discord.Embed:
    """The embed for one answer, always within Discord's limits."""
    sections = {section.key: section for section in answer_sections(answer)}
    url = answer.main_url
    policy = sections.pop("policy")
    description_lines = [answer.main.summary, "", f"**{policy.heading}**", *policy.lines]
    embed = discord.Embed(
        title=clip(answer.main.title, EMBED_TITLE_MAX),
        url=url,
        description=fit_lines(description_lines, EMBED_DESCRIPTION_MAX, note=CUT_NOTE),
        colour=RISK_COLOUR if answer.risks else ANSWER_COLOUR,
    )
    footer = clip(answer.disclaimer, EMBED_FOOTER_MAX)
    embed.set_footer(text=footer)
    for key in FIELD_ORDER[:EMBED_FIELDS_MAX]:
        section = sections.get(key)
        if section is not None:
            _add_field(embed, section)
    _fit_total(embed)
    return embed


def _add_field(embed: discord.Embed, section: Section) -> None:
    value = fit_lines(section.lines, EMBED_FIELD_VALUE_MAX, note=CUT_NOTE)
    if value:
        embed.add_field(name=clip(section.heading, EMBED_FIELD_NAME_MAX), value=value, inline=False)


def _fit_total(embed: discord.Embed) -> None:
    """Shrink the longest parts until the whole embed fits in 6,000 characters.

    The footer (the disclaimer) and the title are never dropped.
    """
    while len(embed) > EMBED_TOTAL_MAX:
        excess = len(embed) - EMBED_TOTAL_MAX
        description = embed.description or ""
        longest = max(
            range(len(embed.fields)), key=lambda i: len(embed.fields[i].value or ""), default=None
        )
        field_len = len(embed.fields[longest].value or "") if longest is not None else 0
        if len(description) >= field_len and len(description) > 200:
            lines = description.splitlines()
            embed.description = fit_lines(
                lines, max(200, len(description) - excess - 1), note=CUT_NOTE
            )
        elif longest is not None and field_len > 100:
            field = embed.fields[longest]
            value = fit_lines(
                (field.value or "").splitlines(), max(100, field_len - excess - 1), note=CUT_NOTE
            )
            embed.set_field_at(longest, name=field.name, value=value, inline=False)
        elif embed.fields:
            embed.remove_field(len(embed.fields) - 1)
        else:
            embed.description = clip(description, max(0, len(description) - excess))


def full_entry_messages(answer: Answer) -> list[list[discord.Embed]]:
    """The whole entry behind an answer: every quote, all advice and every caveat.

    Nothing is cut: the text is split at whole lines over as many embeds, and as many
    messages, as Discord's limits need (4,096 per description, 10 embeds and 6,000
    characters per message). The disclaimer is the last embed's footer.
    """
    entry = answer.main
    whole = replace(answer, quotes=shown_quotes(entry, len(entry.policy)), related=())
    sections = {section.key: section for section in answer_sections(whole)}
    embeds: list[discord.Embed] = []
    for index, key in enumerate(FULL_ENTRY_SECTIONS):
        section = sections[key]
        lines = [f"**{section.heading}**", *section.lines]
        if index == 0:
            lines = [entry.summary, "", *lines]
        for chunk in split_lines(lines, EMBED_DESCRIPTION_MAX):
            embeds.append(discord.Embed(description=chunk, colour=ANSWER_COLOUR))
    embeds[0].title = clip(f"Full entry: {entry.title}", EMBED_TITLE_MAX)
    embeds[0].url = answer.main_url
    embeds[-1].set_footer(text=clip(answer.disclaimer, EMBED_FOOTER_MAX))
    messages: list[list[discord.Embed]] = [[]]
    for embed in embeds:
        current = messages[-1]
        size = sum(len(e) for e in current)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or size + len(embed) > EMBED_TOTAL_MAX):
            messages.append([embed])
        else:
            current.append(embed)
    return messages


def split_lines(lines: list[str], limit: int) -> list[str]:
    """Whole lines joined into pieces of at most `limit` characters (longer lines split)."""
    pieces: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            if current.strip():
                pieces.append(current.strip())
            current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            if current.strip():
                pieces.append(current.strip())
            current = line
        else:
            current = joined
    if current.strip():
        pieces.append(current.strip())
    return pieces
