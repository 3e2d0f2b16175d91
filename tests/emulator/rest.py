"""REST routes under ``/api/v10``: what discord.py calls, answered the way Discord does.

A middleware records every request, applies injected faults and the bot-token check, and
turns unknown routes into ``404 fake: no route METHOD PATH`` so a missing endpoint fails a
test loudly instead of being silently absorbed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import interactions as ix
from . import payloads
from .rest_util import discord_error, json_response, no_content
from .state import (
    MANAGE_MESSAGES,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    MessageRecord,
)

if TYPE_CHECKING:
    from .server import DiscordEmulator

API_PREFIX = "/api/v10"
Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RequestRecord:
    """One REST call as the emulator saw it (path is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    files: list[Json] = field(default_factory=list)
    status: int | None = None
    response: Any = None


RECORD = web.RequestKey("emulator_record", RequestRecord)


def _invalid(field_name: str, message: str) -> web.Response:
    errors = {field_name: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}}
    return discord_error(400, 50035, "Invalid Form Body", errors)


def validate_message_body(
    body: Json, *, creating: bool, has_files: bool = False
) -> web.Response | None:
    """The limits Discord enforces that a bot most often trips over."""
    content = body.get("content") or ""
    if len(content) > 2000:
        return _invalid("content", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return _invalid("embeds", "Must be 10 or fewer in length.")
    total = 0
    for embed in embeds:
        if len(embed.get("title") or "") > 256 or len(embed.get("description") or "") > 4096:
            return _invalid("embeds", "Embed title/description too long.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return _invalid("embeds", "Must be 25 or fewer fields.")
        for item in fields:
            if len(item.get("name") or "") > 256 or len(item.get("value") or "") > 1024:
                return _invalid("embeds", "Embed field name/value too long.")
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        if len(footer) > 2048 or len(author) > 256:
            return _invalid("embeds", "Embed footer/author too long.")
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += len(footer) + len(author)
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > 6000:
        return _invalid("embeds", "Embed size exceeds maximum size of 6000")
    if len(body.get("components") or []) > 40:
        return _invalid("components", "Too many components.")
    empty = not (
        content
        or embeds
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or has_files
    )
    if creating and empty:
        return discord_error(400, 50006, "Cannot send an empty message")
    return None


class RestApi:
    """Route handlers bound to one emulator."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.state = emu.state

    def routes(self) -> list[web.RouteDef]:
        p = API_PREFIX
        return [
            web.get(f"{p}/users/@me", self.get_me),
            web.get(f"{p}/oauth2/applications/@me", self.get_app),
            web.get(f"{p}/gateway", self.get_gateway),
            web.get(f"{p}/gateway/bot", self.get_gateway),
            web.get(f"{p}/channels/{{cid}}", self.get_channel),
            web.post(f"{p}/channels/{{cid}}/typing", self.typing),
            web.get(f"{p}/channels/{{cid}}/messages", self.list_messages),
            web.post(f"{p}/channels/{{cid}}/messages", self.create_message),
            web.get(f"{p}/channels/{{cid}}/messages/{{mid}}", self.get_message),
            web.patch(f"{p}/channels/{{cid}}/messages/{{mid}}", self.edit_message),
            web.delete(f"{p}/channels/{{cid}}/messages/{{mid}}", self.delete_message),
            web.put(f"{p}/channels/{{cid}}/messages/{{mid}}/reactions/{{emoji}}/@me", self.react),
            web.get(f"{p}/applications/{{app}}/commands", self.get_commands),
            web.put(f"{p}/applications/{{app}}/commands", self.put_commands),
            web.get(f"{p}/applications/{{app}}/guilds/{{gid}}/commands", self.get_commands),
            web.put(f"{p}/applications/{{app}}/guilds/{{gid}}/commands", self.put_commands),
            web.post(f"{p}/interactions/{{iid}}/{{token}}/callback", self.callback),
            web.post(f"{p}/webhooks/{{app}}/{{token}}", self.followup),
            web.get(f"{p}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self.webhook_message),
            web.patch(f"{p}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self.webhook_message),
            web.delete(f"{p}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self.webhook_message),
        ]

    # -- middleware ------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)  # the gateway websocket
        path = request.path[len(API_PREFIX) :]
        body, files = await _read_body(request)
        record = RequestRecord(
            request.method, path, dict(request.query), body, dict(request.headers), files
        )
        request[RECORD] = record
        self.emu.requests.append(record)
        try:
            response = await self._answer(request, handler, record)
            record.status = response.status
            if isinstance(response, web.Response) and response.body:
                try:
                    record.response = json.loads(response.body)  # type: ignore[arg-type]
                except ValueError:  # an injected non-JSON body
                    record.response = bytes(response.body).decode(errors="replace")  # type: ignore[arg-type]
            return response
        finally:
            self.emu.notifier.notify()

    async def _answer(
        self, request: web.Request, handler: Handler, record: RequestRecord
    ) -> web.StreamResponse:
        fault = self.emu.faults.take(record.method, record.path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            injected = fault.response()
            if injected is not None:
                return injected
        tokenless = record.path.startswith(("/interactions/", "/webhooks/"))
        if not tokenless and request.headers.get("Authorization") != f"Bot {self.emu.token}":
            return discord_error(401, 0, "401: Unauthorized")
        try:
            return await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            return discord_error(404, 0, f"fake: no route {record.method} {record.path}")

    # -- identity and gateway --------------------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        bot = self.state.users[self.state.bot_user_id]
        return json_response(
            {
                **payloads.user(bot),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "locale": "en-US",
            }
        )

    async def get_app(self, request: web.Request) -> web.Response:
        bot = self.state.users[self.state.bot_user_id]
        return json_response(
            {
                "id": str(self.state.application_id),
                "name": bot.name,
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": payloads.user(bot),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
                "rpc_origins": [],
                "bot": payloads.user(bot),
            }
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.emu.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit}
        )

    # -- channels and messages -------------------------------------------------------------

    def _channel(self, request: web.Request) -> Channel | None:
        return self.state.channels.get(int(request.match_info["cid"]))

    def _message(self, request: web.Request) -> MessageRecord | None:
        record = self.state.messages.get(int(request.match_info["mid"]))
        if record is None or record.deleted or str(record.channel_id) != request.match_info["cid"]:
            return None
        return record

    def _bot_perms(self, channel: Channel) -> int:
        return self.state.permissions(channel.guild_id, self.state.bot_user_id)

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return discord_error(404, 10003, "Unknown Channel")
        return json_response(payloads.channel(self.state, channel))

    async def typing(self, request: web.Request) -> web.Response:
        return (
            no_content() if self._channel(request) else discord_error(404, 10003, "Unknown Channel")
        )

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return discord_error(404, 10003, "Unknown Channel")
        q = request.query
        found = [
            r
            for r in self.state.channel_messages(channel.id)
            if ("before" not in q or r.id < int(q["before"]))
            and ("after" not in q or r.id > int(q["after"]))
        ]
        newest_first = sorted(found, key=lambda r: r.id, reverse="after" not in q)
        limit = int(q.get("limit", 50))
        return json_response([r.payload for r in newest_first[:limit]])

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return discord_error(404, 10003, "Unknown Channel")
        need = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES)
        if channel.type == 15:
            return discord_error(400, 50008, "Cannot send messages in a non-text channel")
        if self._bot_perms(channel) & need != need:
            return discord_error(403, 50013, "Missing Permissions")
        record: RequestRecord = request[RECORD]
        body = record.json or {}
        error = validate_message_body(body, creating=True, has_files=bool(record.files))
        if error is not None:
            return error
        try:
            message = self.emu.effects.post_bot_message(channel, body, files=record.files)
        except LookupError:
            errors = {
                "message_reference": {
                    "_errors": [
                        {"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}
                    ]
                }
            }
            return discord_error(400, 50035, "Invalid Form Body", errors)
        return json_response(message.payload)

    async def get_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        return (
            json_response(message.payload)
            if message
            else discord_error(404, 10008, "Unknown Message")
        )

    async def edit_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        if message.author_id != self.state.bot_user_id:
            return discord_error(403, 50005, "Cannot edit a message authored by another user")
        body = request[RECORD].json or {}
        error = validate_message_body(body, creating=False)
        if error is not None:
            return error
        return json_response(self.emu.effects.edit_message(message, body).payload)

    async def delete_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        own = message.author_id == self.state.bot_user_id
        if (
            not own
            and not self._bot_perms(self.state.channels[message.channel_id]) & MANAGE_MESSAGES
        ):
            return discord_error(403, 50013, "Missing Permissions")
        self.emu.effects.delete_message(message)
        return no_content()

    async def react(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        message.payload.setdefault("reactions", []).append(
            {"emoji": {"id": None, "name": request.match_info["emoji"]}, "count": 1, "me": True}
        )
        return no_content()

    # -- application commands --------------------------------------------------------------

    async def get_commands(self, request: web.Request) -> web.Response:
        gid = request.match_info.get("gid")
        return json_response(self.state.commands.get(int(gid) if gid else None, []))

    async def put_commands(self, request: web.Request) -> web.Response:
        if request.match_info["app"] != str(self.state.application_id):
            return discord_error(403, 50001, "Missing Access")
        gid_text = request.match_info.get("gid")
        gid = int(gid_text) if gid_text else None
        body = request[RECORD].json or []
        problems = [p for c in body for p in _command_problems(c)]
        if problems or len(body) > 100:
            return discord_error(400, 50035, "Invalid Form Body", {"_errors": problems})
        old = {(c["name"], c.get("type", 1)): c["id"] for c in self.state.commands.get(gid, [])}
        synced = []
        for command in body:
            key = (command["name"], command.get("type", 1))
            perms = command.get("default_member_permissions")
            synced.append(
                {
                    "description": "",
                    "options": [],
                    "dm_permission": True,
                    "nsfw": False,
                    "type": 1,
                    **command,
                    "default_member_permissions": None if perms is None else str(perms),
                    "id": old.get(key) or str(self.state.ids.next()),
                    "application_id": str(self.state.application_id),
                    "version": str(self.state.ids.next()),
                    **({"guild_id": str(gid)} if gid else {}),
                }
            )
        self.state.commands[gid] = synced
        return json_response(synced)

    # -- interactions ----------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        itx = self.emu.interactions.get(int(request.match_info["iid"]))
        too_late = (
            itx is not None and time.monotonic() - itx.created > self.emu.interaction_deadline
        )
        if itx is None or itx.token != request.match_info["token"] or itx.expired or too_late:
            if itx is not None:
                itx.rejected.append(("callback", 10062))
            return discord_error(404, 10062, "Unknown interaction")
        if itx.response_type is not None:
            itx.rejected.append(("callback", 40060))
            return discord_error(400, 40060, "Interaction has already been acknowledged.")
        record: RequestRecord = request[RECORD]
        body = record.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in ix.ALLOWED_CALLBACKS.get(itx.type, set()):
            return _invalid(
                "type", f"callback type {kind} is not valid for interaction type {itx.type}"
            )
        if kind == 4 and (
            error := validate_message_body(data, creating=True, has_files=bool(record.files))
        ):
            return error
        if kind == 8 and len(data.get("choices", [])) > 25:
            return _invalid("data.choices", "Must be 25 or fewer in length.")
        message = self.emu.effects.apply_callback(itx, kind, data, record.files)
        if kind in (1, 8) or request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        response: Json = {
            "interaction": {
                "id": str(itx.id),
                "type": itx.type,
                "response_message_id": str(message.id) if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": {"type": kind},
        }
        if message is not None and kind in (4, 5, 7):
            response["resource"]["message"] = message.payload
        return json_response(response)

    def _webhook_itx(self, request: web.Request) -> ix.InteractionRecord | web.Response:
        itx = self.emu.interaction_by_token(request.match_info["token"])
        if itx is None or request.match_info["app"] != str(self.state.application_id):
            return discord_error(404, 10015, "Unknown Webhook")
        if itx.expired:
            itx.rejected.append(("webhook", 50027))
            return discord_error(401, 50027, "Invalid Webhook Token")
        if itx.response_type is None:
            itx.rejected.append(("webhook", 10015))
            return discord_error(404, 10015, "Unknown Webhook")
        return itx

    async def followup(self, request: web.Request) -> web.Response:
        itx = self._webhook_itx(request)
        if isinstance(itx, web.Response):
            return itx
        record: RequestRecord = request[RECORD]
        body = record.json or {}
        error = validate_message_body(body, creating=True, has_files=bool(record.files))
        if error is not None:
            return error
        message = self.emu.effects.post_followup(itx, body, record.files)
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        return json_response(message.payload) if wait else no_content()

    async def webhook_message(self, request: web.Request) -> web.Response:
        itx = self._webhook_itx(request)
        if isinstance(itx, web.Response):
            return itx
        mid = request.match_info["mid"]
        if mid == "@original":
            message = itx.original
        else:
            message = next((m for m in itx.followups if str(m.id) == mid), None)
        if message is None or message.deleted:
            return discord_error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return json_response(message.payload)
        if request.method == "DELETE":
            self.emu.effects.delete_message(message)
            return no_content()
        body = request[RECORD].json or {}
        error = validate_message_body(body, creating=False)
        if error is not None:
            return error
        if mid == "@original":
            itx.edits.append(body)
        return json_response(self.emu.effects.edit_message(message, body).payload)


def _command_problems(command: Json) -> list[str]:
    """A subset of Discord's validation of synced commands."""
    name, kind = command.get("name", ""), command.get("type", 1)
    problems = []
    if kind == 1:
        if not (1 <= len(name) <= 32) or name != name.lower() or " " in name:
            problems.append(f"{name!r}: invalid slash command name")
        if not (1 <= len(command.get("description", "")) <= 100):
            problems.append(f"{name!r}: description must be 1-100 characters")
    options = command.get("options") or []
    if len(options) > 25:
        problems.append(f"{name!r}: more than 25 options")
    seen_optional = False
    for option in options:
        if option.get("type") in (1, 2):
            problems += _command_problems({**option, "type": 1})
            continue
        if option.get("required") and seen_optional:
            problems.append(f"{name!r}: required option {option['name']!r} after optional ones")
        seen_optional |= not option.get("required", False)
        if len(option.get("choices") or []) > 25:
            problems.append(f"{name!r}: option {option['name']!r} has more than 25 choices")
    return problems


async def _read_body(request: web.Request) -> tuple[Any, list[Json]]:
    """JSON body, or ``payload_json`` plus file metadata for multipart uploads."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        files = [
            {
                "field": k,
                "filename": v.filename,
                "content_type": v.content_type,
                "size": len(v.file.read()),
            }
            for k, v in form.items()
            if isinstance(v, web.FileField)
        ]
        payload = form.get("payload_json")
        return (json.loads(payload) if isinstance(payload, str) else {}), files
    if request.can_read_body:
        text = await request.text()
        return (json.loads(text) if text else None), []
    return None, []
