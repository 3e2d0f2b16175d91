"""What the bot's REST calls do to the world: messages created, edited and deleted, and
interaction callbacks and followups. Each change is stored and, like on Discord, echoed to
the bot over the gateway (MESSAGE_CREATE/UPDATE/DELETE) unless the message is ephemeral.
"""

from __future__ import annotations

from typing import Any

from . import interactions as ix
from . import payloads
from .gateway import Gateway
from .state import EPHEMERAL_FLAG, Channel, EmulatorState, MessageRecord, Notifier, now_iso

Json = dict[str, Any]


class BotEffects:
    """Applies the bot's writes; shared by the REST routes and the test-side driver."""

    def __init__(self, state: EmulatorState, gateway: Gateway, notifier: Notifier) -> None:
        self.state = state
        self.gateway = gateway
        self.notifier = notifier

    def post_bot_message(
        self,
        channel: Channel,
        body: Json,
        *,
        files: list[Json],
        itx: ix.InteractionRecord | None = None,
        message_type: int = 0,
    ) -> MessageRecord:
        """Store (and dispatch, unless ephemeral) a message the bot created."""
        extra: Json = {
            k: body[k]
            for k in ("embeds", "components", "tts", "poll", "nonce")
            if body.get(k) is not None
        }
        extra["flags"] = int(body.get("flags") or 0)
        extra["attachments"] = [
            {
                "id": str(self.state.ids.next()),
                "filename": f["filename"],
                "size": f["size"],
                "content_type": f["content_type"],
                "url": f"https://cdn.invalid/{f['filename']}",
                "proxy_url": f"https://cdn.invalid/{f['filename']}",
            }
            for f in files
        ]
        replied_to: int | None = None
        if ref := body.get("message_reference"):
            target = self.state.messages.get(int(ref["message_id"]))
            if target is None or target.deleted:
                if ref.get("fail_if_not_exists", True):
                    raise LookupError(ref["message_id"])
            else:
                extra["message_reference"] = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(target.channel_id),
                    "guild_id": str(channel.guild_id),
                }
                extra["referenced_message"] = target.payload
                replied_to = target.author_id
                message_type = 19 if message_type == 0 else message_type
        webhook_id = None
        if itx is not None:
            webhook_id = self.state.application_id
            extra["application_id"] = str(self.state.application_id)
            extra["interaction_metadata"] = {
                "id": str(itx.id),
                "type": itx.type,
                "user": itx.payload["member"]["user"],
                "authorizing_integration_owners": itx.payload["authorizing_integration_owners"],
            }
        content = body.get("content") or ""
        mention_ids = _allowed_mentions(content, body.get("allowed_mentions"), replied_to)
        data = payloads.message(
            self.state,
            channel,
            self.state.bot_user_id,
            content,
            message_id=self.state.ids.next(),
            mention_ids=mention_ids,
            webhook_id=webhook_id,
            message_type=message_type,
            **extra,
        )
        return self.publish(MessageRecord(data, body=body))

    def publish(self, record: MessageRecord) -> MessageRecord:
        self.state.store_message(record, listed=not record.ephemeral)
        if not record.ephemeral:
            self.gateway.dispatch("MESSAGE_CREATE", record.payload)
        self.notifier.notify()
        return record

    def edit_message(self, record: MessageRecord, body: Json) -> MessageRecord:
        record.edits.append(body)
        data = record.payload
        for key in ("embeds", "components", "attachments"):
            if key in body:
                data[key] = body[key] or []
        if "content" in body:
            data["content"] = body["content"] or ""
        old_flags = data.get("flags", 0)
        flags = int(body["flags"]) if body.get("flags") is not None else old_flags
        data["flags"] = (flags & ~ix.LOADING_FLAG) | (old_flags & EPHEMERAL_FLAG)
        data["edited_timestamp"] = now_iso()
        if not record.ephemeral:
            self.gateway.dispatch("MESSAGE_UPDATE", data)
        self.notifier.notify()
        return record

    def delete_message(self, record: MessageRecord) -> None:
        record.deleted = True
        if not record.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_DELETE",
                {
                    "id": str(record.id),
                    "channel_id": str(record.channel_id),
                    "guild_id": record.payload.get("guild_id"),
                },
            )
        self.notifier.notify()

    def apply_callback(
        self, itx: ix.InteractionRecord, kind: int, data: Json, files: list[Json]
    ) -> MessageRecord | None:
        """Record a valid interaction callback and create/edit the message it implies."""
        itx.response_type, itx.response_data = kind, data
        channel = self.state.channels[itx.channel_id]
        msg_type = _response_message_type(itx)
        if kind == 4:
            itx.original = self.post_bot_message(
                channel, data, files=files, itx=itx, message_type=msg_type
            )
        elif kind == 5:
            loading = {
                "content": "",
                "flags": (int(data.get("flags") or 0) & EPHEMERAL_FLAG) | ix.LOADING_FLAG,
            }
            itx.original = self.post_bot_message(
                channel, loading, files=[], itx=itx, message_type=msg_type
            )
        elif kind in (6, 7) and "message" in itx.payload:
            itx.original = self.state.messages[int(itx.payload["message"]["id"])]
            if kind == 7:
                self.edit_message(itx.original, data)
        self.notifier.notify()
        return itx.original if kind in (4, 5, 7) else None

    def post_followup(
        self, itx: ix.InteractionRecord, body: Json, files: list[Json]
    ) -> MessageRecord:
        """A followup; after a defer the first one fills in the 'thinking' message instead."""
        original = itx.original
        if (
            itx.response_type == 5
            and original is not None
            and original.payload["flags"] & ix.LOADING_FLAG
        ):
            message = self.edit_message(original, {k: v for k, v in body.items() if k != "flags"})
        else:
            channel = self.state.channels[itx.channel_id]
            message = self.post_bot_message(
                channel, body, files=files, itx=itx, message_type=_response_message_type(itx)
            )
        itx.followups.append(message)
        self.notifier.notify()
        return message


def _response_message_type(itx: ix.InteractionRecord) -> int:
    """20 = CHAT_INPUT_COMMAND, 23 = CONTEXT_MENU_COMMAND, 0 for components and modals."""
    if itx.type != ix.APPLICATION_COMMAND:
        return 0
    return 20 if itx.payload["data"].get("type", 1) == 1 else 23


def _allowed_mentions(content: str, allowed: Json | None, replied_to: int | None) -> list[int]:
    """Users a bot message actually pings under ``allowed_mentions`` (Discord's rules)."""
    users, _roles, _everyone = payloads.parse_mentions(content)
    if allowed is None:
        return users + ([replied_to] if replied_to and replied_to not in users else [])
    if "users" not in allowed.get("parse", []):
        users = [u for u in users if str(u) in {str(x) for x in allowed.get("users", [])}]
    if replied_to and allowed.get("replied_user") and replied_to not in users:
        users.append(replied_to)
    return users
