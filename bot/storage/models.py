"""Plain values passed into and returned from the Store.

They carry no database handles, so the bot can keep and pass them around after
the call that produced them. Timestamps are UTC epoch seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal, get_args

ChannelMode = Literal["off", "mention", "auto"]
AnswerKind = Literal["auto", "mention", "forum", "ask", "context", "policy"]
SettingValue = float | int | None

CHANNEL_MODES: Final[frozenset[str]] = frozenset(get_args(ChannelMode))
ANSWER_KINDS: Final[frozenset[str]] = frozenset(get_args(AnswerKind))


class StorageUnavailable(Enum):
    """Returned instead of a result when the database could not be used.

    A single falsy value, so callers can write ``if result is UNAVAILABLE`` (or
    simply ``if not result`` where the success value is truthy).
    """

    UNAVAILABLE = "storage-unavailable"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNAVAILABLE"


UNAVAILABLE: Final = StorageUnavailable.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """Per-guild overrides; None means "use the bot's default"."""

    guild_id: int
    answer_threshold: float | None = None
    user_cooldown_s: int | None = None
    topic_cooldown_s: int | None = None
    retention_days: int | None = None
    escalation_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """An answer the bot gave (or is about to give), as handed to ``record_answer``."""

    guild_id: int | None
    channel_id: int | None
    asker_id: int | None
    question: str
    entry_ids: Sequence[str]
    topics: Sequence[str]
    confidence: float
    kind: AnswerKind
    source_message_id: int | None = None
    reply_message_id: int | None = None
    created_at: float | None = None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An answer row; ``question`` is None once the guild's retention has passed."""

    id: int
    guild_id: int | None
    channel_id: int | None
    source_message_id: int | None
    reply_message_id: int | None
    asker_id: int | None
    entry_ids: tuple[str, ...]
    topics: tuple[str, ...]
    confidence: float
    kind: AnswerKind
    question: str | None
    helpful: int
    not_helpful: int
    created_at: float


@dataclass(frozen=True, slots=True)
class VoteResult:
    """Outcome of a vote; ``previous`` is the user's earlier vote on the answer, if any."""

    answer_id: int
    user_id: int
    vote: int
    previous: int | None
    helpful: int
    not_helpful: int

    @property
    def changed(self) -> bool:
        return self.previous != self.vote


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    id: int
    guild_id: int | None
    channel_id: int | None
    message_id: int | None
    question: str
    best_entry_id: str | None
    confidence: float
    created_at: float


@dataclass(frozen=True, slots=True)
class Correction:
    """A moderator's verdict on an answer; ``question`` is None after retention."""

    id: int
    answer_id: int
    guild_id: int | None
    moderator_id: int
    question: str | None
    original_entry_ids: tuple[str, ...]
    correct_entry_id: str | None
    should_not_answer: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class ReloadRecord:
    id: int
    guild_id: int | None
    actor_id: int | None
    ok: bool
    summary: str
    at: float


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One audited configuration change; values are stored as text (None = unset)."""

    id: int
    guild_id: int
    actor_id: int
    at: float
    key: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True, slots=True)
class EntryCount:
    entry_id: str
    answers: int


@dataclass(frozen=True, slots=True)
class EntryFeedback:
    """Votes on answers that cited an entry (an answer citing two entries counts for both)."""

    entry_id: str
    answers: int
    helpful: int
    not_helpful: int

    @property
    def ratio(self) -> float | None:
        """Share of helpful votes, or None when nobody voted."""
        total = self.helpful + self.not_helpful
        return self.helpful / total if total else None


@dataclass(frozen=True, slots=True)
class ChannelCount:
    channel_id: int
    answers: int


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What one retention sweep removed."""

    unanswered_deleted: int = 0
    handled_deleted: int = 0
    answer_questions_blanked: int = 0
    correction_questions_blanked: int = 0
