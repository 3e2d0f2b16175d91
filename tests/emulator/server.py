"""``DiscordEmulator``: one local fake Discord (REST + gateway) that a test sets up, drives
and inspects. The real discord.py client talks to it over HTTP and a websocket.
"""

from __future__ import annotations

import contextlib
import copy
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from . import interactions as ix
from . import payloads
from .effects import BotEffects
from .faults import FaultInjector
from .gateway import Gateway
from .rest import RequestRecord, RestApi
from .state import (
    EVERYONE_DEFAULT,
    FORUM,
    PUBLIC_THREAD,
    TEXT,
    EmulatorState,
    Member,
    MessageRecord,
    Notifier,
    Role,
)

Json = dict[str, Any]
T = TypeVar("T")
_SELECT_OPTION_TYPE = {5: ix.USER, 6: ix.ROLE, 7: ix.MENTIONABLE, 8: ix.CHANNEL}
# Requests whose JSON body is a message the bot creates or edits (callbacks: see below).
_MESSAGE_ROUTES = (
    ("POST", re.compile(r"/channels/\d+/messages")),
    ("PATCH", re.compile(r"/channels/\d+/messages/\d+")),
    ("POST", re.compile(r"/webhooks/\d+/[^/]+")),
    ("PATCH", re.compile(r"/webhooks/\d+/[^/]+/messages/[^/]+")),
)
_CALLBACK_ROUTE = re.compile(r"/interactions/\d+/[^/]+/callback")
# Callback types that carry a message: 4 (send a message) and 7 (update the message).
_MESSAGE_CALLBACKS = (4, 7)
# Lists of emulators started inside `record_started()` blocks (see there).
_watchers: list[list[DiscordEmulator]] = []


@contextlib.contextmanager
def record_started() -> Iterator[list[DiscordEmulator]]:
    """Collect every emulator started inside the block, however a test created it.

    A suite-wide fixture uses it to check what the bot sent in every end-to-end test,
    including tests that start their own emulator.
    """
    started: list[DiscordEmulator] = []
    _watchers.append(started)
    try:
        yield started
    finally:
        _watchers.remove(started)


class DiscordEmulator:
    """A fake Discord on 127.0.0.1 (random port), used as ``async with DiscordEmulator() as emu``.

    ``interaction_deadline`` is Discord's 3 s limit for the first callback; a later callback
    gets ``404 Unknown interaction`` (10062), as on the real service.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        privileged_intents: bool = True,
        interaction_deadline: float = 3.0,
    ) -> None:
        self.token = token or "emulator." + secrets.token_urlsafe(24)
        self.state = EmulatorState(self.token)
        self.notifier = Notifier()
        self.faults = FaultInjector()
        self.gateway = Gateway(self.state, self.notifier, privileged_intents=privileged_intents)
        self.effects = BotEffects(self.state, self.gateway, self.notifier)
        self.requests: list[RequestRecord] = []
        self.interactions: dict[int, ix.InteractionRecord] = {}
        self.interaction_deadline = interaction_deadline
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._taken_requests: set[int] = set()
        self._taken_messages: set[int] = set()

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        app.add_routes([*rest.routes(), web.get("/", self.gateway.handle)])
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        self.gateway.url = self.gateway_url
        for started in _watchers:
            started.append(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def bot_user_id(self) -> int:
        return self.state.bot_user_id

    @property
    def application_id(self) -> int:
        return self.state.application_id

    # -- set-up (each change is also dispatched if the bot is connected) --------------------

    def add_guild(self, name: str, *, everyone_permissions: int = EVERYONE_DEFAULT) -> int:
        """A guild with @everyone (id = guild id), an owner, and the bot as a member."""
        guild = self.state.add_guild(name, everyone_permissions)
        self.gateway.dispatch("GUILD_CREATE", payloads.guild_create(self.state, guild))
        return guild.id

    def add_text_channel(self, guild_id: int, name: str) -> int:
        return self._add_channel(guild_id, name, TEXT)

    def add_forum_channel(self, guild_id: int, name: str) -> int:
        return self._add_channel(guild_id, name, FORUM)

    def _add_channel(self, guild_id: int, name: str, type_: int) -> int:
        channel = self.state.add_channel(guild_id, name, type_)
        self.gateway.dispatch("CHANNEL_CREATE", payloads.channel(self.state, channel))
        return channel.id

    def add_user(
        self,
        name: str,
        *,
        bot: bool = False,
        guild_id: int | None = None,
        roles: Sequence[int] = (),
    ) -> int:
        """A user who joins ``guild_id`` (or, by default, every guild that exists now)."""
        user_id = self.state.add_user(name, bot=bot)
        for gid in [guild_id] if guild_id is not None else list(self.state.guilds):
            self.add_member(gid, user_id, roles)
        return user_id

    def add_role(self, guild_id: int, name: str, permissions: int) -> int:
        guild = self.state.guilds[guild_id]
        role = Role(self.state.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": payloads.role(role)}
        )
        return role.id

    def set_role_permissions(self, guild_id: int, role_id: int, permissions: int) -> None:
        """Change a role (``bot_role_id`` or @everyone = guild id) to test permission errors."""
        role = self.state.guilds[guild_id].roles[role_id]
        role.permissions = permissions
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": payloads.role(role)}
        )

    def bot_role_id(self, guild_id: int) -> int:
        return self.state.guilds[guild_id].bot_role_id

    def add_member(self, guild_id: int, user_id: int, roles: Sequence[int] = ()) -> None:
        guild = self.state.guilds[guild_id]
        guild.members[user_id] = Member(user_id, list(roles))
        member = payloads.member(self.state, guild, user_id)
        self.gateway.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": str(guild_id)})

    # -- user-side events ------------------------------------------------------------------

    async def send_message(
        self,
        channel_id: int,
        author_id: int,
        content: str,
        *,
        mention_user_ids: Sequence[int] = (),
        webhook_id: int | None = None,
        message_type: int = 0,
        author_is_bot: bool = False,
        **extra: Any,
    ) -> Json:
        """MESSAGE_CREATE from a user; ``extra`` adds raw keys (embeds, message_reference...)."""
        channel = self.state.channels[channel_id]
        data = payloads.message(
            self.state,
            channel,
            author_id,
            content,
            message_id=self.state.ids.next(),
            mention_ids=list(
                dict.fromkeys([*mention_user_ids, *payloads.parse_mentions(content)[0]])
            ),
            webhook_id=webhook_id,
            message_type=message_type,
            **extra,
        )
        if author_is_bot:
            data["author"]["bot"] = True
        self.effects.publish(MessageRecord(data))
        await self.gateway.flush()
        return data

    async def create_forum_post(
        self, forum_id: int, author_id: int, title: str, content: str
    ) -> tuple[Json, Json]:
        """THREAD_CREATE (newly_created) then the starter MESSAGE_CREATE (id = thread id)."""
        forum = self.state.channels[forum_id]
        if forum.type != FORUM:
            raise ValueError(f"channel {forum_id} is not a forum")
        thread = self.state.add_channel(
            forum.guild_id, title, PUBLIC_THREAD, parent_id=forum_id, owner_id=author_id
        )
        starter = payloads.message(self.state, thread, author_id, content, message_id=thread.id)
        self.state.store_message(MessageRecord(starter))
        thread_data = {**payloads.channel(self.state, thread), "newly_created": True}
        self.gateway.dispatch("THREAD_CREATE", thread_data)
        self.gateway.dispatch("MESSAGE_CREATE", starter)
        await self.gateway.flush()
        return thread_data, starter

    async def invoke_slash(
        self,
        name: str,
        *,
        user_id: int,
        channel_id: int,
        guild_id: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> ix.InteractionRecord:
        """Run ``/name`` (``"group sub"`` paths allowed) with option values by name."""
        root, *path = name.split()
        guild_id = self._guild_of(channel_id, guild_id)
        command = self._command(root, 1, guild_id, user_id)
        opts, resolved = ix.build_options(
            self.state, command, path, options or {}, guild_id=guild_id
        )
        return await self._invoke_command(
            command, {"options": opts, "resolved": resolved}, user_id, channel_id
        )

    async def invoke_autocomplete(
        self,
        name: str,
        focused_option: str,
        value: str,
        *,
        user_id: int,
        channel_id: int,
        guild_id: int | None = None,
        other_options: Mapping[str, Any] | None = None,
    ) -> ix.InteractionRecord:
        root, *path = name.split()
        guild_id = self._guild_of(channel_id, guild_id)
        command = self._command(root, 1, guild_id, user_id)
        values = {**(other_options or {}), focused_option: value}
        opts, resolved = ix.build_options(
            self.state, command, path, values, guild_id=guild_id, focused=focused_option
        )
        return await self._invoke_command(
            command,
            {"options": opts, "resolved": resolved},
            user_id,
            channel_id,
            type_=ix.AUTOCOMPLETE,
        )

    async def invoke_message_command(
        self,
        name: str,
        target_message_id: int,
        *,
        user_id: int,
        channel_id: int | None = None,
        guild_id: int | None = None,
    ) -> ix.InteractionRecord:
        target = self.state.messages[target_message_id]
        channel_id = channel_id or target.channel_id
        command = self._command(name, 3, self._guild_of(channel_id, guild_id), user_id)
        data = {
            "target_id": str(target_message_id),
            "resolved": {"messages": {str(target_message_id): target.payload}},
        }
        return await self._invoke_command(command, data, user_id, channel_id)

    async def invoke_user_command(
        self,
        name: str,
        target_user_id: int,
        *,
        user_id: int,
        channel_id: int,
        guild_id: int | None = None,
    ) -> ix.InteractionRecord:
        guild_id = self._guild_of(channel_id, guild_id)
        command = self._command(name, 2, guild_id, user_id)
        resolved: Json = {}
        ix.resolve_value(
            self.state, {"type": ix.USER, "name": "target"}, target_user_id, guild_id, resolved
        )
        data = {"target_id": str(target_user_id), "resolved": resolved}
        return await self._invoke_command(command, data, user_id, channel_id)

    async def click_button(
        self, message_id: int, custom_id: str, *, user_id: int
    ) -> ix.InteractionRecord:
        message = self.state.messages[message_id]
        component = ix.find_component(message.payload.get("components", []), custom_id)
        if component.get("type") != 2 or component.get("disabled"):
            raise ValueError(f"{custom_id!r} is not an enabled button")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(
            ix.MESSAGE_COMPONENT, data, user_id, message.channel_id, message=message.payload
        )

    async def click_forged_button(
        self, message_id: int, replacing: str, forged_custom_id: str, *, user_id: int
    ) -> ix.InteractionRecord:
        """A click a modified client or a spoofed gateway could send: the message's button
        ``replacing`` carries ``forged_custom_id`` instead, in the click and in the message
        the interaction includes. Discord's own copy of the message is left as it is."""
        message = self.state.messages[message_id]
        forged = copy.deepcopy(message.payload)
        component = ix.find_component(forged.get("components", []), replacing)
        component["custom_id"] = forged_custom_id
        data = {"custom_id": forged_custom_id, "component_type": component.get("type", 2)}
        return await self._interact(
            ix.MESSAGE_COMPONENT, data, user_id, message.channel_id, message=forged
        )

    async def choose_select(
        self, message_id: int, custom_id: str, values: Sequence[Any], *, user_id: int
    ) -> ix.InteractionRecord:
        message = self.state.messages[message_id]
        component = ix.find_component(message.payload.get("components", []), custom_id)
        kind = component.get("type")
        if kind not in (3, 5, 6, 7, 8) or component.get("disabled"):
            raise ValueError(f"{custom_id!r} is not an enabled select menu")
        if not component.get("min_values", 1) <= len(values) <= component.get("max_values", 1):
            raise ValueError(f"{len(values)} values outside min/max of {custom_id!r}")
        data: Json = {
            "custom_id": custom_id,
            "component_type": kind,
            "values": [str(v) for v in values],
        }
        if kind == 3:
            allowed = {o["value"] for o in component.get("options", [])}
            if not set(data["values"]) <= allowed:
                raise ValueError(f"{values} not among options {sorted(allowed)}")
        else:
            guild_id = self.state.channels[message.channel_id].guild_id
            data["resolved"] = {}
            spec = {"type": _SELECT_OPTION_TYPE[kind], "name": custom_id}
            for value in values:
                ix.resolve_value(self.state, spec, value, guild_id, data["resolved"])
        return await self._interact(
            ix.MESSAGE_COMPONENT, data, user_id, message.channel_id, message=message.payload
        )

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | list[str]],
        *,
        user_id: int,
        channel_id: int | None = None,
        guild_id: int | None = None,
    ) -> ix.InteractionRecord:
        """Submit the modal the bot most recently opened with this ``custom_id``."""
        opener = next(
            (
                i
                for i in reversed(self.interactions.values())
                if i.modal is not None and i.modal.get("custom_id") == custom_id
            ),
            None,
        )
        if opener is None or opener.modal is None:
            raise LookupError(f"the bot never opened a modal with custom_id {custom_id!r}")
        channel_id = channel_id or opener.channel_id
        self._guild_of(channel_id, guild_id)
        data = {
            "custom_id": custom_id,
            "components": ix.modal_submit_components(opener.modal, fields),
        }
        return await self._interact(ix.MODAL_SUBMIT, data, user_id, channel_id)

    # -- faults ----------------------------------------------------------------------------

    async def drop_gateway(self, code: int = 4000, *, resumable: bool = True) -> None:
        """Close the bot's websocket; with ``resumable=False`` its RESUME gets op 9."""
        await self.gateway.drop(code, resumable=resumable)

    def expire_interaction_tokens(self) -> None:
        """Existing interactions now fail: callbacks 404/10062, webhooks 401/50027."""
        for itx in self.interactions.values():
            itx.expired = True

    # -- inspection ------------------------------------------------------------------------

    def channel_messages(self, channel_id: int) -> list[MessageRecord]:
        return self.state.channel_messages(channel_id)

    def message(self, message_id: int) -> MessageRecord:
        return self.state.messages[message_id]

    def synced_commands(self, guild_id: int | None = None) -> list[Json]:
        return self.state.commands.get(guild_id, [])

    async def wait_until(
        self, check: Callable[[], T | None], timeout: float = 2.0, what: str = "condition"
    ) -> T:
        """Wait until ``check()`` returns something other than None/False."""
        return await self.notifier.wait_until(lambda: check() or None, timeout, what)

    async def wait_for_message(
        self,
        channel_id: int,
        *,
        timeout: float = 2.0,
        predicate: Callable[[MessageRecord], bool] | None = None,
        from_bot: bool = True,
    ) -> MessageRecord:
        """Oldest matching message (by default from the bot) not returned by an earlier call."""

        def check() -> MessageRecord | None:
            for record in self.state.channel_messages(channel_id):
                if record.id in self._taken_messages:
                    continue
                if from_bot and record.author_id != self.bot_user_id:
                    continue
                if predicate is None or predicate(record):
                    self._taken_messages.add(record.id)
                    return record
            return None

        return await self.notifier.wait_until(check, timeout, f"a message in channel {channel_id}")

    async def wait_for_request(
        self,
        method: str,
        path_regex: str,
        timeout: float = 2.0,
        *,
        predicate: Callable[[RequestRecord], bool] | None = None,
    ) -> RequestRecord:
        """Oldest answered matching request not returned by an earlier call."""
        pattern = re.compile(path_regex)

        def check() -> RequestRecord | None:
            for record in self.requests:
                if (
                    id(record) not in self._taken_requests
                    and record.status is not None
                    and record.method == method.upper()
                    and pattern.fullmatch(record.path)
                    and (predicate is None or predicate(record))
                ):
                    self._taken_requests.add(id(record))
                    return record
            return None

        return await self.notifier.wait_until(check, timeout, f"request {method} {path_regex}")

    def requests_to(self, method: str, path_regex: str) -> list[RequestRecord]:
        pattern = re.compile(path_regex)
        return [
            r for r in self.requests if r.method == method.upper() and pattern.fullmatch(r.path)
        ]

    def sent_message_bodies(self) -> list[tuple[RequestRecord, Json]]:
        """Every message body the bot sent: creates, edits, followups and message callbacks.

        Each comes with its request, so a check can say which call was wrong; requests
        the emulator refused count too, since a retry may not follow.
        """
        found: list[tuple[RequestRecord, Json]] = []
        for record in self.requests:
            body = record.json if isinstance(record.json, dict) else None
            if body is None:
                continue
            if record.method == "POST" and _CALLBACK_ROUTE.fullmatch(record.path):
                if body.get("type") in _MESSAGE_CALLBACKS:
                    found.append((record, body.get("data") or {}))
            elif any(
                record.method == method and route.fullmatch(record.path)
                for method, route in _MESSAGE_ROUTES
            ):
                found.append((record, body))
        return found

    def interaction_by_token(self, token: str) -> ix.InteractionRecord | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    # -- internals -------------------------------------------------------------------------

    def _guild_of(self, channel_id: int, guild_id: int | None) -> int:
        actual = self.state.channels[channel_id].guild_id
        if guild_id is not None and guild_id != actual:
            raise ValueError(f"channel {channel_id} is in guild {actual}, not {guild_id}")
        return actual

    def _command(self, name: str, type_: int, guild_id: int, user_id: int) -> Json:
        command = self.state.find_command(name, type_, guild_id)
        if command is None:
            raise LookupError(f"command {name!r} (type {type_}) was never synced")
        required = command.get("default_member_permissions")
        perms = self.state.permissions(guild_id, user_id)
        if required is not None and perms & int(required) != int(required):
            raise PermissionError(f"user {user_id} cannot see /{name} (needs {required})")
        return command

    async def _invoke_command(
        self,
        command: Json,
        data: Json,
        user_id: int,
        channel_id: int,
        *,
        type_: int = ix.APPLICATION_COMMAND,
    ) -> ix.InteractionRecord:
        full = {
            "id": command["id"],
            "name": command["name"],
            "type": command.get("type", 1),
            **data,
        }
        if not full.get("resolved"):
            full.pop("resolved", None)
        if "guild_id" in command:
            full["guild_id"] = command["guild_id"]
        return await self._interact(type_, full, user_id, channel_id)

    async def _interact(
        self, type_: int, data: Json, user_id: int, channel_id: int, *, message: Json | None = None
    ) -> ix.InteractionRecord:
        itx_id, token = self.state.ids.next(), ix.new_token()
        payload = ix.base_payload(
            self.state, itx_id, token, type_, data, user_id=user_id, channel_id=channel_id
        )
        if message is not None:
            payload["message"] = message
        itx = ix.InteractionRecord(itx_id, token, type_, payload, self.notifier)
        self.interactions[itx_id] = itx
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        await self.gateway.flush()
        return itx
