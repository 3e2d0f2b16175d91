"""Everything disputebot remembers, in one SQLite file behind a fault-tolerant facade.

Use :class:`Store` (``await Store.open(path)``); it never raises storage errors and
returns :data:`UNAVAILABLE` or a safe default instead. This package does not depend
on discord.py, so the CLI and tests can use it on their own.
"""

from bot.storage.faults import FaultKind
from bot.storage.models import (
    ANSWER_KINDS,
    CHANNEL_MODES,
    UNAVAILABLE,
    AnswerKind,
    AnswerRecord,
    ChannelCount,
    ChannelMode,
    ConfigChange,
    Correction,
    EntryCount,
    EntryFeedback,
    GuildSettings,
    PurgeResult,
    ReloadRecord,
    StorageUnavailable,
    StoredAnswer,
    UnansweredQuestion,
    VoteResult,
)
from bot.storage.store import Store
from bot.storage.validate import GUILD_SETTING_KEYS

__all__ = [
    "ANSWER_KINDS",
    "CHANNEL_MODES",
    "GUILD_SETTING_KEYS",
    "UNAVAILABLE",
    "AnswerKind",
    "AnswerRecord",
    "ChannelCount",
    "ChannelMode",
    "ConfigChange",
    "Correction",
    "EntryCount",
    "EntryFeedback",
    "FaultKind",
    "GuildSettings",
    "PurgeResult",
    "ReloadRecord",
    "StorageUnavailable",
    "Store",
    "StoredAnswer",
    "UnansweredQuestion",
    "VoteResult",
]
