"""Deliberate app-command sync: to a dev guild, or globally only when the tree changed.

Syncing on every start is rate limited by Discord and slow to propagate, so the
hash of the command JSON is stored and a global sync happens only when it differs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger("disputebot.discord")

TREE_HASH_KEY = "command_tree_hash"
SYNC_FAILED = "sync failed"


def command_payload(tree: app_commands.CommandTree) -> list[dict[str, Any]]:
    """The JSON Discord receives for the global commands, in a stable order."""
    commands = [command.to_dict(tree) for command in tree.get_commands()]
    return sorted(commands, key=lambda c: (c.get("type", 1), c["name"]))


def tree_hash(tree: app_commands.CommandTree) -> str:
    blob = json.dumps(command_payload(tree), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


async def sync_commands(bot: Any, *, force: bool = False, guild_id: int | None = None) -> str:
    """Sync as the settings ask; returns what was done, for logs and `disputebot sync`."""
    tree: app_commands.CommandTree = bot.tree
    target = guild_id if guild_id is not None else bot.settings.dev_guild_id
    try:
        if target is not None:
            guild = discord.Object(id=target)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            return f"synced {len(synced)} command(s) to guild {target}"
        digest = tree_hash(tree)
        if not force and await bot.services.store.get_meta(TREE_HASH_KEY) == digest:
            return "unchanged since the last sync; not synced"
        synced = await tree.sync()
        await bot.services.store.set_meta(TREE_HASH_KEY, digest)
        return f"synced {len(synced)} command(s) globally"
    except discord.HTTPException as exc:
        log.warning(
            "command sync failed: %s %s; will retry on the next start", exc.status, exc.text
        )
        return SYNC_FAILED
    except Exception as exc:  # a malformed answer must not stop the bot
        # A 200 with a body discord.py cannot read (not a list, items without ids, HTML
        # from a proxy) raises TypeError, KeyError and the like from tree.sync. The
        # commands Discord already has keep working, so the bot starts without the sync.
        log.warning(
            "command sync failed: unexpected response (%s: %s); keeping the commands "
            "Discord already has; will retry on the next start",
            type(exc).__name__,
            str(exc)[:200],
        )
        return SYNC_FAILED
