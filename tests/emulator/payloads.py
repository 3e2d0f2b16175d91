"""JSON builders for the Discord objects the emulator sends (API v10 shapes).

Each builder includes every key discord.py 2.7.1 indexes directly (e.g. ``member.flags``,
``thread.thread_metadata``), so parsing in the real client never hits a KeyError.
"""

from __future__ import annotations

import re
from typing import Any

from .state import Channel, EmulatorState, Guild, Role, User, now_iso

Json = dict[str, Any]

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def user(u: User) -> Json:
    return {
        "id": str(u.id),
        "username": u.name,
        "discriminator": "0",
        "global_name": u.name,
        "avatar": None,
        "bot": u.bot,
        "public_flags": 0,
    }


def role(r: Role) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "managed": r.managed,
        "color": 0,
        "hoist": False,
        "mentionable": False,
        "flags": 0,
    }


def member(
    state: EmulatorState,
    guild: Guild,
    user_id: int,
    *,
    with_user: bool = True,
    with_permissions: bool = False,
) -> Json:
    m = guild.members[user_id]
    data: Json = {
        "roles": [str(r) for r in m.roles],
        "joined_at": m.joined_at,
        "nick": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
    }
    if with_user:
        data["user"] = user(state.users[user_id])
    if with_permissions:
        data["permissions"] = str(state.permissions(guild.id, user_id))
    return data


def channel(state: EmulatorState, ch: Channel, *, permissions: int | None = None) -> Json:
    data: Json = {
        "id": str(ch.id),
        "type": ch.type,
        "guild_id": str(ch.guild_id),
        "name": ch.name,
        "position": ch.position,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "flags": 0,
        "permission_overwrites": [],
        "topic": None,
    }
    log = state.channel_log.get(ch.id)
    data["last_message_id"] = str(log[-1]) if log else None
    if ch.type == 15:
        data.update(available_tags=[], default_reaction_emoji=None, default_forum_layout=0)
    if ch.is_thread:
        data.update(
            parent_id=str(ch.parent_id),
            owner_id=str(ch.owner_id),
            applied_tags=[],
            message_count=len(log or []),
            member_count=1,
            total_message_sent=len(log or []),
            thread_metadata={
                "archived": False,
                "locked": False,
                "auto_archive_duration": 4320,
                "archive_timestamp": ch.created_at,
                "create_timestamp": ch.created_at,
            },
        )
        del data["position"], data["permission_overwrites"]
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_create(state: EmulatorState, guild: Guild) -> Json:
    chans = [state.channels[c] for c in guild.channel_ids]
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "owner_id": str(guild.owner_id),
        "unavailable": False,
        "large": False,
        "member_count": len(guild.members),
        "joined_at": guild.members[state.bot_user_id].joined_at,
        "preferred_locale": "en-US",
        "features": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "premium_tier": 0,
        "verification_level": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "roles": [role(r) for r in guild.roles.values()],
        "channels": [channel(state, c) for c in chans if not c.is_thread],
        "threads": [channel(state, c) for c in chans if c.is_thread],
        "members": [member(state, guild, uid) for uid in guild.members],
    }


def parse_mentions(content: str) -> tuple[list[int], list[int], bool]:
    """User ids, role ids and @everyone/@here found in message text."""
    users = list(dict.fromkeys(int(m) for m in _USER_MENTION.findall(content)))
    roles = list(dict.fromkeys(int(m) for m in _ROLE_MENTION.findall(content)))
    return users, roles, "@everyone" in content or "@here" in content


def mention_list(state: EmulatorState, guild: Guild | None, user_ids: list[int]) -> list[Json]:
    out = []
    for uid in user_ids:
        if uid not in state.users:
            continue
        data = user(state.users[uid])
        if guild is not None and uid in guild.members:
            data["member"] = member(state, guild, uid, with_user=False)
        out.append(data)
    return out


def message(
    state: EmulatorState,
    ch: Channel,
    author_id: int,
    content: str,
    *,
    message_id: int,
    mention_ids: list[int] | None = None,
    webhook_id: int | None = None,
    message_type: int = 0,
    **extra: Any,
) -> Json:
    """A full message object; ``extra`` adds keys such as embeds, components, flags."""
    guild = state.guilds.get(ch.guild_id)
    users, roles, everyone = parse_mentions(content)
    if mention_ids is None:
        mention_ids = users
    data: Json = {
        "id": str(message_id),
        "channel_id": str(ch.id),
        "guild_id": str(ch.guild_id),
        "author": user(state.users[author_id]),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": everyone,
        "mentions": mention_list(state, guild, mention_ids),
        "mention_roles": [str(r) for r in roles],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "type": message_type,
        "flags": 0,
    }
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    elif guild is not None and author_id in guild.members:
        data["member"] = member(state, guild, author_id, with_user=False)
    data.update(extra)
    return data


def strip_content(data: Json) -> Json:
    """What a bot without the MESSAGE_CONTENT intent sees of someone else's message."""
    return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
