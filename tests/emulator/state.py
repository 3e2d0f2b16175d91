"""In-memory world of the emulator: guilds, channels, users, roles, messages, commands.

Plain dataclasses with no I/O, so REST handlers, gateway dispatch and the test-facing
driver all read and write the same truth. JSON shapes live in ``payloads.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions). Defined here
# rather than taken from discord.Permissions so the emulator is an independent oracle.
ADD_REACTIONS = 1 << 6
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | MANAGE_MESSAGES
    | ADD_REACTIONS
    | ATTACH_FILES
)

TEXT, FORUM, PUBLIC_THREAD = 0, 15, 11
EPHEMERAL_FLAG = 1 << 6


def now_iso() -> str:
    """Timestamp in the ISO form Discord sends (``datetime.fromisoformat`` reads it)."""
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Monotonic snowflake ids whose embedded time is 'now', so ``created_at`` is sane."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False


@dataclass
class User:
    id: int
    name: str
    bot: bool = False


@dataclass
class Member:
    user_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=now_iso)


@dataclass
class Channel:
    """A guild channel or thread (threads have ``parent_id`` and ``owner_id``)."""

    id: int
    guild_id: int
    name: str
    type: int
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    created_at: str = field(default_factory=now_iso)

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    bot_role_id: int = 0


@dataclass
class MessageRecord:
    """One message as Discord stores it (``payload``) plus what the bot actually sent.

    ``body`` is the raw JSON body of the bot's POST (allowed_mentions, message_reference,
    flags... exactly as sent); ``edits`` holds the raw PATCH bodies in order.
    """

    payload: dict[str, Any]
    body: dict[str, Any] | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def author_id(self) -> int:
        return int(self.payload["author"]["id"])

    @property
    def content(self) -> str:
        return str(self.payload.get("content", ""))

    @property
    def ephemeral(self) -> bool:
        return bool(self.payload.get("flags", 0) & EPHEMERAL_FLAG)


class Notifier:
    """Wake-up for test waits: every state change calls ``notify``; waiters re-check.

    Waiters also re-check every ``POLL`` seconds, since a condition may depend on the bot's
    own state (e.g. a list filled by ``on_message``) that the emulator cannot observe.
    """

    POLL = 0.01

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"emulator: timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), min(remaining, self.POLL))


@dataclass
class EmulatorState:
    """Everything the fake Discord knows. Ids come from one ``Snowflakes`` source."""

    token: str
    ids: Snowflakes = field(default_factory=Snowflakes)
    users: dict[int, User] = field(default_factory=dict)
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    channel_log: dict[int, list[int]] = field(default_factory=dict)
    # Synced application commands: key None = global, else guild id.
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)
    bot_user_id: int = 0
    application_id: int = 0

    def __post_init__(self) -> None:
        self.bot_user_id = self.add_user("disputebot-test", bot=True)
        self.application_id = self.bot_user_id  # as for real bots created after 2019

    def add_user(self, name: str, *, bot: bool = False) -> int:
        uid = self.ids.next()
        self.users[uid] = User(uid, name, bot)
        return uid

    def add_guild(self, name: str, everyone_permissions: int = EVERYONE_DEFAULT) -> Guild:
        gid = self.ids.next()
        owner = self.add_user(f"{name}-owner")
        guild = Guild(gid, name, owner)
        guild.roles[gid] = Role(gid, "@everyone", everyone_permissions)
        guild.bot_role_id = self.ids.next()
        guild.roles[guild.bot_role_id] = Role(guild.bot_role_id, "bot", BOT_DEFAULT, 1, True)
        guild.members[owner] = Member(owner)
        guild.members[self.bot_user_id] = Member(self.bot_user_id, [guild.bot_role_id])
        self.guilds[gid] = guild
        return guild

    def add_channel(self, guild_id: int, name: str, type_: int, **extra: Any) -> Channel:
        guild = self.guilds[guild_id]
        channel = Channel(self.ids.next(), guild_id, name, type_, len(guild.channel_ids), **extra)
        guild.channel_ids.append(channel.id)
        self.channels[channel.id] = channel
        self.channel_log[channel.id] = []
        return channel

    def permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions from roles (no channel overwrites are modelled)."""
        guild = self.guilds[guild_id]
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.roles[guild_id].permissions
        for role_id in member.roles if member else []:
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def store_message(self, record: MessageRecord, *, listed: bool = True) -> MessageRecord:
        """Keep a message; ephemeral ones are findable by id but not listed in the channel."""
        self.messages[record.id] = record
        if listed:
            self.channel_log.setdefault(record.channel_id, []).append(record.id)
        return record

    def channel_messages(
        self, channel_id: int, *, include_deleted: bool = False
    ) -> list[MessageRecord]:
        records = (self.messages[mid] for mid in self.channel_log.get(channel_id, []))
        return [r for r in records if include_deleted or not r.deleted]

    def find_command(self, name: str, type_: int, guild_id: int | None) -> dict[str, Any] | None:
        """Guild commands shadow global ones, as in the Discord client."""
        scopes = (guild_id, None) if guild_id is not None else (None,)
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == type_:
                    return command
        return None
