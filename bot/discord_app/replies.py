"""One way to answer an interaction, whatever state it is in.

Answering twice raises, answering late fails, and an expired token must not take
the bot down: every interaction reply goes through `reply`, which picks the
right call and turns Discord's refusal into a log line. So does a reply cut short
by the shutdown, when close() has already shut the HTTP session under it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import discord

from bot.discord_app.limits import CONTENT_MAX, NO_MENTIONS, clip

log = logging.getLogger("disputebot.discord")


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
) -> discord.Message | None:
    """Send a response or, if one was already sent or deferred, a followup.

    Returns the message sent. For a first response it comes with Discord's callback
    reply, so a caller that needs its id makes no extra `GET …/@original` call.
    """
    kwargs: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS}
    if content is not None:
        kwargs["content"] = clip(content, CONTENT_MAX)
    if embed is not None:
        kwargs["embed"] = embed
    if embeds is not None:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    sent: discord.Message | None
    with interaction_faults(interaction, "answered"):
        if interaction.response.is_done():
            sent = await interaction.followup.send(wait=True, **kwargs)
        else:
            callback = await interaction.response.send_message(**kwargs)
            resource = callback.resource
            sent = resource if isinstance(resource, discord.Message) else None
        release(view)
        return sent
    return None


@contextlib.contextmanager
def interaction_faults(interaction: discord.Interaction, done: str) -> Iterator[None]:
    """Turn Discord's refusals of an interaction call into a log line instead of an error.

    An expired token or an HTTP error is a warning; anything else is raised again
    unless the bot is shutting down, when in-flight replies may fail harmlessly.
    """
    try:
        yield
    except discord.NotFound:
        log.warning("interaction %s expired before it could be %s", interaction.id, done)
    except discord.HTTPException as exc:
        log.warning(
            "interaction %s could not be %s: %s %s", interaction.id, done, exc.status, exc.code
        )
    except Exception as exc:
        if not interaction.client.is_closed():
            raise
        log.info("interaction %s not %s: the bot is shutting down (%r)", interaction.id, done, exc)


def release(view: discord.ui.View | None) -> None:
    """Let go of a sent view whose components are all DynamicItems.

    Their clicks are dispatched by the registered item classes, whatever happens to
    the view. discord.py, though, keeps an ephemeral view without a timeout alive for
    15 minutes, with a sleeping task each: every ephemeral /ask answer held memory for
    a quarter of an hour, so memory grew with the /ask rate.
    """
    if view is not None and all(
        isinstance(item, discord.ui.DynamicItem) for item in view.walk_children()
    ):
        view.stop()


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True) -> bool:
    """Acknowledge slow work within Discord's three seconds; False if it was too late."""
    if interaction.response.is_done():
        return True
    with interaction_faults(interaction, "deferred"):
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        return True
    return False
