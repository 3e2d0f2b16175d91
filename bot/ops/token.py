"""The shape of a Discord bot token, checked without ever showing the token.

A bot token is three base64url parts separated by dots: the bot's user id, a
timestamp and a signature. Checking the shape catches the usual copy-paste
mistakes (the client secret or the public key pasted instead, quotes, a newline)
before the bot tries to log in; the first part also gives the application's
client id for the invite URL, since a bot's user id is its application id.
"""

from __future__ import annotations

import base64
import binascii
import re

_PART = re.compile(r"^[A-Za-z0-9_-]+$")


def token_problem(token: str) -> str | None:
    """What is wrong with the token's shape, in words that never quote it; None when fine."""
    if not token:
        return "DISCORD_TOKEN is not set"
    if any(c.isspace() for c in token):
        return "contains whitespace (a stray newline or space from copying?)"
    if token[0] in "'\"" or token[-1] in "'\"":
        return "is wrapped in quotes; remove them"
    parts = token.split(".")
    if len(parts) != 3:
        return (
            f"has {len(parts)} dot-separated part(s), a bot token has 3 "
            "(was the client secret or public key pasted instead?)"
        )
    if not all(_PART.fullmatch(part) for part in parts):
        return "a part contains characters outside base64url (A-Z a-z 0-9 - _)"
    if bot_id_from_token(token) is None:
        return "the first part does not encode a bot user id"
    return None


def bot_id_from_token(token: str) -> int | None:
    """The bot's user id (its application's client id) from the token's first part."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and len(decoded) <= 20 else None
