"""The permissions the bot asks for when invited, and the invite URL that asks for them.

The set is the smallest the features work with, worked out from what the code
calls (see deploy/README.md, "Permissions", for each one's reason). Notably
absent: Manage Messages (Dismiss deletes only the bot's own reply, which needs
no permission), Mention Everyone (the escalation ping relies on the moderator
role being mentionable instead), Add Reactions and Attach Files (never used).
"""

from __future__ import annotations

from urllib.parse import urlencode

import discord

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")

PERMISSION_REASONS: dict[str, str] = {
    "view_channel": "see the channels it answers in and receive their messages",
    "send_messages": "post answers and the 'did you mean' choices",
    "send_messages_in_threads": "answer forum posts, which live in threads",
    "embed_links": "answers are embeds (quoted policy, advice, sources)",
    "read_message_history": "answers reply to the question, which references it",
}


def required_permissions() -> discord.Permissions:
    """Exactly the permissions in PERMISSION_REASONS."""
    return discord.Permissions(**dict.fromkeys(PERMISSION_REASONS, True))


def invite_url(client_id: int) -> str:
    """The OAuth2 URL that adds the bot with its slash commands and these permissions."""
    query = urlencode(
        {
            "client_id": str(client_id),
            "permissions": str(required_permissions().value),
            "scope": " ".join(SCOPES),
        }
    )
    return f"{AUTHORIZE_URL}?{query}"
