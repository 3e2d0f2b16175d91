"""Turn a question into a posted answer: match, build, send, record.

Shared by every place the bot answers (channels, forum posts, /ask, the message
menu, "did you mean" picks), so they all behave the same way: the same embed,
the same components, no pings, and a storage fault never stops the reply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.discord_app.embeds import answer_embed
from bot.discord_app.guild_config import GuildPolicy
from bot.discord_app.limits import CONTENT_MAX, NO_MENTIONS, clip
from bot.engine.answers.answer import Answer, compose_entry
from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.models import Entry
from bot.engine.matching.matcher import MatchResult
from bot.storage.models import AnswerKind, AnswerRecord
from bot.storage.store import Store

log = logging.getLogger("disputebot.discord")

QUESTION_TEXT_MAX = 4000
CLOSEST_MAX = 3
NOT_A_DISPUTE_QUESTION = (
    "Sorry, that doesn't look like a seller-dispute question I can help with; "
    "`/topics` lists what I know."
)


# The components under an answer (components.views.answer_view), keyword arguments:
# answer_id, entry, asker_id, public, escalation.
AnswerViewFactory = Callable[..., discord.ui.View]
# The "did you mean" buttons (components.pick.did_you_mean_view): entries, asker id.
ChoicesViewFactory = Callable[[list[Entry], int], discord.ui.View]
# Sends an answer's embed and components somewhere; returns the message it posted.
Send = Callable[[discord.Embed, discord.ui.View], Awaitable[discord.Message | None]]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a send produced: the message, and the stored answer id if storage worked."""

    message: discord.Message | None
    answer_id: int | None


class AnswerService:
    """Builds and sends answers for one bot.

    The component builders are handed in, so this module does not import the
    components (whose callbacks use this service).
    """

    def __init__(
        self,
        engine: AnswerEngine,
        store: Store,
        *,
        answer_view: AnswerViewFactory,
        choices_view: ChoicesViewFactory,
    ) -> None:
        self.engine = engine
        self.store = store
        self.answer_view = answer_view
        self.choices_view = choices_view

    def match(self, text: str, policy: GuildPolicy) -> tuple[MatchResult, Answer | None]:
        return self.engine.answer(text[:QUESTION_TEXT_MAX], threshold=policy.threshold)

    def alternatives(self, result: MatchResult) -> list[Entry]:
        """The entries a "did you mean" offers: the close candidates, best first."""
        top = result.candidates[0].score if result.candidates else 0.0
        return [c.entry for c in result.candidates[:3] if c.score >= top * 0.8]

    def closest(self, result: MatchResult) -> list[Entry]:
        """Entries worth offering when there is no confident answer; none for off-topic text.

        Uses the match's own verdict and order (the matcher is not asked anything new):
        nothing when the question is not plausibly a dispute question (MatchResult.plausible).
        """
        return [c.entry for c in result.plausible_candidates()][:CLOSEST_MAX]

    async def record(
        self,
        answer: Answer,
        *,
        kind: AnswerKind,
        guild_id: int | None,
        channel_id: int | None,
        asker_id: int | None,
        source_message_id: int | None = None,
    ) -> int | None:
        answer_id = await self.store.record_answer(
            AnswerRecord(
                guild_id=guild_id,
                channel_id=channel_id,
                asker_id=asker_id,
                question=answer.question,
                entry_ids=list(answer.entry_ids),
                topics=list(answer.topics),
                confidence=answer.confidence,
                kind=kind,
                source_message_id=source_message_id,
            )
        )
        return answer_id if isinstance(answer_id, int) else None

    async def publish(
        self,
        answer: Answer,
        *,
        kind: AnswerKind,
        policy: GuildPolicy,
        asker_id: int,
        guild_id: int | None,
        channel_id: int | None,
        public: bool,
        send: Send,
        source_message_id: int | None = None,
    ) -> Reply:
        """The one way an answer is posted: record it, build its components, send it
        with ``send`` (which decides where and how), and, for a public answer that was
        sent, remember which message carries it.

        A storage fault only costs the votes and the escalation button (no answer id);
        the answer is still sent.
        """
        answer_id = await self.record(
            answer,
            kind=kind,
            guild_id=guild_id,
            channel_id=channel_id,
            asker_id=asker_id,
            source_message_id=source_message_id,
        )
        view = self.answer_view(
            answer_id=answer_id,
            entry=answer.main,
            asker_id=asker_id,
            public=public,
            escalation=policy.escalation_role_id is not None,
        )
        sent = await send(answer_embed(answer), view)
        if public and sent is not None and answer_id is not None:
            await self.store.set_reply_message(answer_id, sent.id)
        return Reply(sent, answer_id)

    async def reply_to(
        self,
        message: discord.Message,
        answer: Answer,
        *,
        kind: AnswerKind,
        policy: GuildPolicy,
    ) -> Reply:
        """Post an answer in the question's channel, referencing it without pinging its author."""
        channel = message.channel

        async def send(embed: discord.Embed, view: discord.ui.View) -> discord.Message | None:
            return await self._send(
                channel,
                embed=embed,
                view=view,
                reference=message.to_reference(fail_if_not_exists=False),
            )

        return await self.publish(
            answer,
            kind=kind,
            policy=policy,
            asker_id=message.author.id,
            guild_id=message.guild.id if message.guild else None,
            channel_id=channel.id,
            public=True,
            send=send,
            source_message_id=message.id,
        )

    async def offer_choices(
        self,
        message: discord.Message,
        result: MatchResult,
    ) -> discord.Message | None:
        """Ask which entry was meant instead of guessing between close readings."""
        entries = self.alternatives(result)
        lines = ["Your question could be about more than one thing. Did you mean:"]
        lines += [f"• **{entry.title}**" for entry in entries]
        return await self._send(
            message.channel,
            content=clip("\n".join(lines), CONTENT_MAX),
            view=self.choices_view(entries, message.author.id),
            reference=message.to_reference(fail_if_not_exists=False),
        )

    def entry_view(self, entry: Entry) -> discord.ui.View:
        """For an entry opened just for one member: Full entry and Related only."""
        return self.answer_view(
            answer_id=None, entry=entry, asker_id=0, public=False, escalation=False
        )

    def entry_answer(self, entry: Entry, question: str = "") -> Answer:
        return compose_entry(entry, self.engine.kb, question)

    async def _send(
        self,
        channel: discord.abc.Messageable,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View,
        reference: discord.MessageReference,
    ) -> discord.Message | None:
        """Send without pinging anyone; a refused or failed send is logged, not raised.

        discord.py's ``send`` treats ``embed=None`` as no embed at all, but its typed
        overloads only accept an Embed, hence the two calls.
        """
        try:
            if embed is None:
                return await channel.send(
                    content=content,
                    view=view,
                    reference=reference,
                    allowed_mentions=NO_MENTIONS,
                    mention_author=False,
                )
            return await channel.send(
                content=content,
                embed=embed,
                view=view,
                reference=reference,
                allowed_mentions=NO_MENTIONS,
                mention_author=False,
            )
        except discord.Forbidden:
            log.warning("missing permission to post in channel %s", getattr(channel, "id", "?"))
        except discord.HTTPException as exc:
            log.warning("could not post an answer: %s %s", exc.status, exc.text)
        return None
