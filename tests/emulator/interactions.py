"""Interactions: the INTERACTION_CREATE payloads a user's click would cause, and a record of
how the bot answered (callback, edits of @original, followups).

Options are built from the command JSON the bot synced, exactly as the Discord client does,
so a test cannot invoke a command or option the bot never registered.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from . import payloads
from .state import EPHEMERAL_FLAG, EmulatorState, MessageRecord, Notifier

Json = dict[str, Any]

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
SUBCOMMAND, SUBCOMMAND_GROUP, USER, CHANNEL, ROLE, MENTIONABLE = 1, 2, 6, 7, 8, 9
LOADING_FLAG = 1 << 7
# Which callback types Discord accepts for which interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


@dataclass
class InteractionRecord:
    """One interaction sent to the bot, and everything the bot did with its token."""

    id: int
    token: str
    type: int
    payload: Json
    notifier: Notifier
    created: float = field(default_factory=time.monotonic)
    response_type: int | None = None
    response_data: Json | None = None
    original: MessageRecord | None = None
    followups: list[MessageRecord] = field(default_factory=list)
    edits: list[Json] = field(default_factory=list)
    # Calls Discord refused: (route kind, Discord error code), e.g. ("callback", 10062).
    rejected: list[tuple[str, int]] = field(default_factory=list)
    expired: bool = False

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def ephemeral(self) -> bool:
        if self.original is not None:
            return self.original.ephemeral
        return bool((self.response_data or {}).get("flags", 0) & EPHEMERAL_FLAG)

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def content(self) -> str | None:
        """Current text of the response message (after edits), if there is one."""
        return self.original.content if self.original is not None else None

    @property
    def choices(self) -> list[Json]:
        """Autocomplete choices the bot returned (callback type 8)."""
        return list((self.response_data or {}).get("choices", []))

    @property
    def modal(self) -> Json | None:
        """The modal the bot opened (callback type 9)."""
        return self.response_data if self.response_type == 9 else None

    async def wait_response(self, timeout: float = 2.0) -> Self:
        await self.notifier.wait_until(
            lambda: self if self.response_type else None,
            timeout,
            f"a callback for interaction {self.id}",
        )
        return self

    async def wait_followups(self, count: int = 1, timeout: float = 2.0) -> list[MessageRecord]:
        return await self.notifier.wait_until(
            lambda: self.followups[:count] if len(self.followups) >= count else None,
            timeout,
            f"{count} followup(s) for interaction {self.id}",
        )

    async def wait_edit(self, count: int = 1, timeout: float = 2.0) -> Json:
        """The ``count``-th PATCH body sent to @original."""
        return await self.notifier.wait_until(
            lambda: self.edits[count - 1] if len(self.edits) >= count else None,
            timeout,
            f"edit #{count} of @original for interaction {self.id}",
        )


def new_token() -> str:
    return "itx." + secrets.token_urlsafe(24)


def base_payload(
    state: EmulatorState,
    itx_id: int,
    token: str,
    type_: int,
    data: Json | None,
    *,
    user_id: int,
    channel_id: int,
) -> Json:
    """The common INTERACTION_CREATE body for a guild channel."""
    channel = state.channels[channel_id]
    guild = state.guilds[channel.guild_id]
    perms = state.permissions(guild.id, user_id)
    payload: Json = {
        "id": str(itx_id),
        "application_id": str(state.application_id),
        "type": type_,
        "token": token,
        "version": 1,
        "guild_id": str(guild.id),
        "channel_id": str(channel_id),
        "channel": payloads.channel(state, channel, permissions=perms),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "member": payloads.member(state, guild, user_id, with_permissions=True),
        "app_permissions": str(state.permissions(guild.id, state.bot_user_id)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "context": 0,
        "authorizing_integration_owners": {"0": str(guild.id)},
        "attachment_size_limit": 10 * 1024 * 1024,  # discord.py indexes this key directly
    }
    if data is not None:
        payload["data"] = data
    return payload


def build_options(
    state: EmulatorState,
    command: Json,
    path: Sequence[str],
    values: Mapping[str, Any],
    *,
    guild_id: int,
    focused: str | None = None,
) -> tuple[list[Json], Json]:
    """Nested ``data.options`` plus ``data.resolved`` for a (sub)command invocation."""
    top: list[Json] = []
    container, schema = top, command.get("options", [])
    for name in path:
        spec = _find_option(schema, name, command["name"])
        if spec["type"] not in (SUBCOMMAND, SUBCOMMAND_GROUP):
            raise ValueError(f"{name!r} is not a subcommand of /{command['name']}")
        node: Json = {"type": spec["type"], "name": name, "options": []}
        container.append(node)
        container, schema = node["options"], spec.get("options", [])
    if any(o["type"] in (SUBCOMMAND, SUBCOMMAND_GROUP) for o in schema):
        raise ValueError(f"/{command['name']} needs a subcommand path, got {list(path)}")
    resolved: Json = {}
    for name, value in values.items():
        spec = _find_option(schema, name, command["name"])
        option: Json = {"type": spec["type"], "name": name, "value": value}
        if name == focused:
            if not spec.get("autocomplete"):
                raise ValueError(f"option {name!r} of /{command['name']} has no autocomplete")
            option.update(value=str(value), focused=True)
        else:
            option["value"] = resolve_value(state, spec, value, guild_id, resolved)
        container.append(option)
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
    if missing and focused is None:
        raise ValueError(f"/{command['name']}: missing required option(s) {missing}")
    return top, resolved


def _find_option(schema: list[Json], name: str, command: str) -> Json:
    for spec in schema:
        if spec["name"] == name:
            return spec
    raise ValueError(f"/{command} has no option {name!r}; synced: {[s['name'] for s in schema]}")


def resolve_value(
    state: EmulatorState, spec: Json, value: Any, guild_id: int, resolved: Json
) -> Any:
    """Convert a test value to wire form, filling ``resolved`` for users/channels/roles."""
    kind = spec["type"]
    choices = spec.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"{value!r} is not a choice of option {spec['name']!r}")
    if kind not in (USER, CHANNEL, ROLE, MENTIONABLE):
        return value
    guild = state.guilds[guild_id]
    oid = int(value)
    if kind in (USER, MENTIONABLE) and oid in state.users:
        resolved.setdefault("users", {})[str(oid)] = payloads.user(state.users[oid])
        if oid in guild.members:
            member = payloads.member(state, guild, oid, with_user=False, with_permissions=True)
            resolved.setdefault("members", {})[str(oid)] = member
    elif kind in (ROLE, MENTIONABLE) and oid in guild.roles:
        resolved.setdefault("roles", {})[str(oid)] = payloads.role(guild.roles[oid])
    elif kind == CHANNEL and oid in state.channels:
        perms = state.permissions(guild_id, state.bot_user_id)
        channel = payloads.channel(state, state.channels[oid], permissions=perms)
        resolved.setdefault("channels", {})[str(oid)] = channel
    else:
        raise ValueError(f"option {spec['name']!r}: unknown id {value!r}")
    return str(oid)


def walk_components(components: list[Json]) -> Iterator[Json]:
    """Every component in a message or modal, through rows, sections, labels and containers."""
    for comp in components:
        yield comp
        yield from walk_components(comp.get("components", []))
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                yield from walk_components([comp[key]])


def find_component(components: list[Json], custom_id: str) -> Json:
    for comp in walk_components(components):
        if comp.get("custom_id") == custom_id:
            return comp
    raise LookupError(f"no component with custom_id {custom_id!r}")


def modal_submit_components(modal: Json, fields: Mapping[str, str | list[str]]) -> list[Json]:
    """The ``data.components`` of a modal submit, mirroring the layout the bot sent."""

    def answer(comp: Json) -> Json | None:
        cid = comp.get("custom_id")
        if cid is None:
            return None
        if cid not in fields:
            if comp.get("required", True) and comp.get("type") == 4:
                raise ValueError(f"modal field {cid!r} is required")
            value: str | list[str] = "" if comp.get("type") == 4 else []
        else:
            value = fields[cid]
        key = "values" if isinstance(value, list) else "value"
        return {"type": comp["type"], "custom_id": cid, key: value}

    out: list[Json] = []
    for row in modal.get("components", []):
        if row.get("type") == 1:
            out.append(
                {"type": 1, "components": [a for c in row["components"] if (a := answer(c))]}
            )
        elif row.get("type") == 18 and (inner := answer(row["component"])) is not None:
            out.append({"type": 18, "component": inner})
    unknown = set(fields) - {c.get("custom_id") for c in walk_components(modal["components"])}
    if unknown:
        raise ValueError(f"modal {modal.get('custom_id')!r} has no field(s) {sorted(unknown)}")
    return out
