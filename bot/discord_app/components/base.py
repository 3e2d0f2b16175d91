"""What every component callback needs: the bot's services from the interaction."""

from __future__ import annotations

import re

import discord

from bot.discord_app.services import services_of

PREFIX = "dispute"
ENTRY_ID = r"[a-z0-9-]{1,60}"


# Custom ids arrive in every click and cannot be trusted: a modified client or a spoofed
# payload can send any text. Numbers are matched as 1-19 digits and then range-checked,
# because SQLite integers are 64-bit signed and a larger Python int raises OverflowError
# in sqlite3 (which would surface as an ERROR and no reply).
ID = r"[0-9]{1,19}"
SQLITE_INT_MAX = 2**63 - 1
STALE_COMPONENT = "This button is not valid (any more); nothing was done."
VOTE_TEMPLATE = rf"{PREFIX}:vote:(?P<answer>{ID}):(?P<vote>up|down)"


def parse_id(text: str | None) -> int | None:
    """A snowflake or row id from a custom id: 1 to 2**63-1, otherwise None."""
    if text is None or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= SQLITE_INT_MAX else None


async def trusted_asker(interaction: discord.Interaction) -> int | None:
    """Who asked the question a bot message answers, never taken from the click itself.

    An answer on record names its asker in storage; the stored row is found through the
    message's vote button and accepted only if its recorded reply is this very message,
    so a forged button cannot point at another answer. A message that is not on record
    (a "did you mean" offer) is looked up on Discord: the author of the message it
    replies to. None when neither is known; then only moderators may act for the asker.
    """
    message = interaction.message
    if message is None:
        return None
    store = services_of(interaction).store
    answer_id = answer_id_of(message)
    if answer_id is not None:
        stored = await store.get_answer(answer_id)
        if stored and stored.reply_message_id == message.id:
            return stored.asker_id
    channel = interaction.channel
    if channel is None or not hasattr(channel, "fetch_message"):
        return None
    try:
        real = await channel.fetch_message(message.id)
        reference = real.reference
        if reference is None or reference.message_id is None:
            return None
        if real.author != interaction.client.user:
            return None
        question = await channel.fetch_message(reference.message_id)
    except discord.HTTPException:
        return None
    return question.author.id


def selected_value(interaction: discord.Interaction) -> str | None:
    """The first option picked in a select menu, from the interaction's own data."""
    data = interaction.data
    values = data.get("values") if data is not None else None
    return str(values[0]) if isinstance(values, list) and values else None


def answer_id_of(message: discord.Message) -> int | None:
    """The stored answer behind a bot message, read from its vote button."""
    for row in message.components:
        for child in getattr(row, "children", ()):
            match = re.fullmatch(VOTE_TEMPLATE, getattr(child, "custom_id", None) or "")
            if match:
                return parse_id(match["answer"])
    return None
