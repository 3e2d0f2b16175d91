"""Response helpers shared by the REST routes and the fault injector."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with Content-Type exactly ``application/json``.

    discord.py's ``json_or_text`` compares the header for equality, so aiohttp's
    ``json_response`` (which appends ``; charset=utf-8``) would reach the bot as a str.
    """
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def discord_error(status: int, code: int, message: str, errors: Any = None) -> web.Response:
    """Discord's error envelope: ``{"code", "message"[, "errors"]}``."""
    body: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status=status)


def no_content() -> web.Response:
    return web.Response(status=204)
