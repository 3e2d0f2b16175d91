"""Build the answer embed: quoted policy, labelled advice, caveats, risks, footer.

The same sections as the text renderer (bot.engine.render) are laid out as an
embed and trimmed to Discord's limits; trimmed text ends with a link to the full
entry, and the disclaimer footer is always kept.
"""

from __future__ import annotations

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
from bot.engine.answer import Answer
from bot.engine.render import Section, answer_sections

ANSWER_COLOUR = discord.Colour(0x1DBF73)
RISK_COLOUR = discord.Colour(0xE8A317)
# No "related" field: the Related button under every answer that has related entries
# lists them, with their summaries and a menu to open one.
FIELD_ORDER = ("risk", "advice", "caveats", "also")


def answer_embed(answer: Answer) -> discord.Embed:
    """The embed for one answer, always within Discord's limits."""
    sections = {section.key: section for section in answer_sections(answer)}
    url = answer.main_url
    policy = sections.pop("policy")
    description_lines = [answer.main.summary, "", f"**{policy.heading}**", *policy.lines]
    embed = discord.Embed(
        title=clip(answer.main.title, EMBED_TITLE_MAX),
        url=url,
        description=fit_lines(description_lines, EMBED_DESCRIPTION_MAX, url),
        colour=RISK_COLOUR if answer.risks else ANSWER_COLOUR,
    )
    footer = clip(answer.disclaimer, EMBED_FOOTER_MAX)
    embed.set_footer(text=footer)
    for key in FIELD_ORDER[:EMBED_FIELDS_MAX]:
        section = sections.get(key)
        if section is not None:
            _add_field(embed, section, url)
    _fit_total(embed, url)
    return embed


def _add_field(embed: discord.Embed, section: Section, url: str) -> None:
    value = fit_lines(section.lines, EMBED_FIELD_VALUE_MAX, url)
    if value:
        embed.add_field(name=clip(section.heading, EMBED_FIELD_NAME_MAX), value=value, inline=False)


def _fit_total(embed: discord.Embed, url: str) -> None:
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
            embed.description = fit_lines(lines, max(200, len(description) - excess - 1), url)
        elif longest is not None and field_len > 100:
            field = embed.fields[longest]
            value = fit_lines(
                (field.value or "").splitlines(), max(100, field_len - excess - 1), url
            )
            embed.set_field_at(longest, name=field.name, value=value, inline=False)
        elif embed.fields:
            embed.remove_field(len(embed.fields) - 1)
        else:
            embed.description = clip(description, max(0, len(description) - excess))
