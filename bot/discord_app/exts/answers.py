"""Answers in channels: auto mode, mention mode, and forum starter posts.

Each channel has a mode: `off` (silent), `mention` (answers when mentioned; the
default) or `auto` (answers confident questions unprompted). In a forum channel
in auto mode, the starter post of each new thread gets one answer in the thread.
Bots, webhooks, system messages and the bot's own messages are ignored, no
message is answered twice, and cooldowns stop floods.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, TypeGuard

import discord
from discord.ext import commands

from bot.discord_app.answering import NOT_A_DISPUTE_QUESTION
from bot.discord_app.limits import CONTENT_MAX, NO_MENTIONS, clip
from bot.engine.matching.matcher import MatchResult
from bot.storage.models import AnswerKind

if TYPE_CHECKING:
    from bot.discord_app.client import AnyDisputeBot

log = logging.getLogger("disputebot.answers")

ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def is_forum_thread(channel: object) -> TypeGuard[discord.Thread]:
    return isinstance(channel, discord.Thread) and isinstance(channel.parent, discord.ForumChannel)


def strip_mention(text: str, user_id: int) -> str:
    return re.sub(rf"<@!?{user_id}>", " ", text).strip()


class ChannelAnswers(commands.Cog):
    """Listens to guild messages and answers where the channel's mode allows."""

    def __init__(self, bot: AnyDisputeBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._worth_reading(message):
            return
        bot = self.bot
        channel = message.channel
        mode = await bot.services.guild_config.mode(channel)
        if mode == "off":
            return
        me = bot.user
        mentioned = me is not None and any(user.id == me.id for user in message.mentions)
        starter = is_forum_thread(channel) and message.id == channel.id
        if starter:
            kind: AnswerKind = "forum"
            if mode != "auto" and not mentioned:
                return
        elif is_forum_thread(channel) or mode == "mention":
            kind = "mention"
            if not mentioned:
                return
        else:
            kind = "mention" if mentioned else "auto"
        text = strip_mention(message.content, me.id) if me else message.content
        if starter and isinstance(channel, discord.Thread):  # a starter is always in a thread
            text = f"{channel.name}\n{text}"
        if not text.strip():
            return
        await self._answer(message, text, kind)

    async def _claim(self, message: discord.Message) -> bool:
        """True the first time this message is acted on; claimed only once the bot will act."""
        guild_id = message.guild.id if message.guild else None
        return await self.bot.services.store.claim_message(message.id, guild_id=guild_id)

    def _worth_reading(self, message: discord.Message) -> bool:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return False
        if message.type not in ANSWERABLE_TYPES or message.is_system():
            return False
        return self.bot.user is None or message.author.id != self.bot.user.id

    async def _answer(self, message: discord.Message, text: str, kind: AnswerKind) -> None:
        bot = self.bot
        policy = await bot.services.guild_config.policy(message.guild.id if message.guild else None)
        result, answer = bot.services.answers.match(text, policy)
        topic = answer.main.topic if answer else "?"
        blocked = bot.services.cooldowns.allows(
            user_id=message.author.id,
            channel_id=message.channel.id,
            topic="did-you-mean" if result.ambiguous else topic,
            user_seconds=policy.user_cooldown,
            topic_seconds=policy.topic_cooldown,
        )
        # Messages are handled concurrently: a cooldown is recorded right after it is
        # checked, before any await (the claim), or a member's questions posted together
        # would all pass the check before the first one recorded it.
        if result.ambiguous:
            if blocked is None:
                bot.services.cooldowns.record(
                    user_id=message.author.id, channel_id=message.channel.id, topic="did-you-mean"
                )
                if await self._claim(message):
                    await bot.services.answers.offer_choices(message, result)
            return
        if not result.answer or answer is None:
            await self._unanswered(message, text, result, kind, may_reply=blocked is None)
            return
        if blocked is not None:
            log.debug("%s cooldown: not answering message %s", blocked, message.id)
            return
        bot.services.cooldowns.record(
            user_id=message.author.id, channel_id=message.channel.id, topic=topic
        )
        if not await self._claim(message):
            return
        await bot.services.answers.reply_to(message, answer, kind=kind, policy=policy)

    async def _unanswered(
        self,
        message: discord.Message,
        text: str,
        result: MatchResult,
        kind: str,
        *,
        may_reply: bool,
    ) -> None:
        """Log the question for moderators; if the bot was asked directly, say so."""
        bot = self.bot
        asked = kind != "auto"
        if not (asked or result.plausible):  # chatter is not a gap worth a moderator's time
            return
        replying = asked and may_reply
        if replying:
            bot.services.cooldowns.users.fire(message.author.id)  # before any await, as in _answer
        if not await self._claim(message):
            return
        best = result.candidates[0].entry.id if result.candidates else None
        await bot.services.store.record_unanswered(
            message.guild.id if message.guild else None,
            message.channel.id,
            message.id,
            text,
            best,
            result.confidence,
        )
        if not replying:
            return
        closest = bot.services.answers.closest(result)
        if closest:
            lines = ["I don't have a confident answer to that, so I'd rather not guess."]
            lines.append("Closest entries (see `/policy`):")
            lines += [f"• {entry.title}" for entry in closest]
            lines.append("A moderator can see unanswered questions and improve the knowledge base.")
        else:
            lines = [NOT_A_DISPUTE_QUESTION]
        try:
            await message.reply(
                clip("\n".join(lines), CONTENT_MAX),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException as exc:
            log.warning("could not reply to message %s: %s", message.id, exc.status)


async def setup(bot: AnyDisputeBot) -> None:
    await bot.add_cog(ChannelAnswers(bot))
