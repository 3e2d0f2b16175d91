"""How /config shows a server's settings and the changes made to them.

Every value says whether it is this server's own or the bot's default, so a
moderator can tell "we chose 0.7" from "nobody changed it", and the audit trail
shows who changed what, when, from what, to what.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_app.guild_config import DEFAULT_MODE, GuildPolicy
from bot.discord_app.kb_reports import INFO_COLOUR, lines_within
from bot.discord_app.limits import EMBED_FIELD_VALUE_MAX
from bot.storage.models import ChannelMode, ConfigChange, GuildSettings, StorageUnavailable

CHANNEL_MODE_PREFIX = "channel_mode:"
SETTING_LABELS = {
    "answer_threshold": "Answer threshold",
    "user_cooldown_s": "User cooldown (seconds)",
    "topic_cooldown_s": "Topic cooldown (seconds)",
    "retention_days": "Retention (days)",
    "escalation_role_id": "Escalation role",
}
UNAVAILABLE_TEXT = "Storage is unavailable right now; try again later."


def shown_value(key: str, value: object) -> str:
    """A stored value as a moderator reads it (roles and channels as mentions)."""
    if value is None or value == "":
        return "not set"
    if key == "escalation_role_id":
        return f"<@&{value}>"
    return str(value)


def change_line(change: ConfigChange) -> str:
    if change.key.startswith(CHANNEL_MODE_PREFIX):
        label = f"Mode of <#{change.key.removeprefix(CHANNEL_MODE_PREFIX)}>"
        old = change.old_value or f"{DEFAULT_MODE} (default)"
        new = change.new_value or f"{DEFAULT_MODE} (default)"
    else:
        label = SETTING_LABELS.get(change.key, change.key)
        old, new = (
            shown_value(change.key, change.old_value),
            shown_value(change.key, change.new_value),
        )
    return f"<t:{int(change.at)}:R> <@{change.actor_id}> {label}: {old} → {new}"


def settings_lines(policy: GuildPolicy, overrides: GuildSettings) -> list[str]:
    def origin(value: object) -> str:
        return "this server" if value is not None else "default"

    role = policy.escalation_role_id
    return [
        "Answer threshold: "
        + (
            f"**{policy.threshold:.2f}** ({origin(overrides.answer_threshold)})"
            if policy.threshold is not None
            else "**trained** (the knowledge's calibrated default)"
        ),
        f"User cooldown: **{policy.user_cooldown} s** ({origin(overrides.user_cooldown_s)})",
        f"Topic cooldown: **{policy.topic_cooldown} s** ({origin(overrides.topic_cooldown_s)})",
        f"Retention: **{policy.retention_days} days** ({origin(overrides.retention_days)})",
        "Escalation role: "
        + (f"<@&{role}>" if role is not None else "none (the Ask a moderator button is hidden)"),
    ]


def config_embed(
    policy: GuildPolicy,
    overrides: GuildSettings,
    modes: dict[int, ChannelMode] | StorageUnavailable,
    changes: Sequence[ConfigChange] | StorageUnavailable,
) -> discord.Embed:
    embed = discord.Embed(title="Settings for this server", colour=INFO_COLOUR)
    embed.add_field(
        name="Answering", value="\n".join(settings_lines(policy, overrides)), inline=False
    )
    if isinstance(modes, StorageUnavailable):
        mode_text = UNAVAILABLE_TEXT
    else:
        lines = [f"<#{channel}>: **{mode}**" for channel, mode in sorted(modes.items())]
        lines.append(f"Every other channel: **{DEFAULT_MODE}** (default)")
        mode_text = lines_within(lines, EMBED_FIELD_VALUE_MAX)
    embed.add_field(name="Channel modes", value=mode_text, inline=False)
    if isinstance(changes, StorageUnavailable):
        change_text = UNAVAILABLE_TEXT
    else:
        change_text = (
            lines_within([change_line(c) for c in changes], EMBED_FIELD_VALUE_MAX)
            or "No changes yet."
        )
    embed.add_field(name="Recent changes", value=change_text, inline=False)
    embed.set_footer(text="Threads and forum posts follow their channel's mode.")
    return embed
