"""The gateway websocket: HELLO, heartbeats, IDENTIFY/READY, RESUME replay, dispatch.

Dispatch is synchronous (frames are queued per connection and written by one writer task),
so set-up helpers and REST handlers can emit events without awaiting. A session outlives
its connection: frames dispatched while the bot is disconnected are kept and replayed
after RESUME, which is how tests prove a reconnect loses and duplicates nothing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads
from .state import EmulatorState, Notifier

Json = dict[str, Any]

HEARTBEAT_INTERVAL_MS = 41_250
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 1, 1 << 9, 1 << 15
PRIVILEGED = GUILD_MEMBERS | (1 << 8) | MESSAGE_CONTENT
_EVENT_INTENT = {
    "GUILD_CREATE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
}


class Connection:
    """One websocket; frames go through a queue so ordering is kept and sends are sync."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.dropped = False
        self._zlib = zlib.compressobj() if compress else None
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop())

    def send(self, frame: Json) -> None:
        self._queue.put_nowait(json.dumps(frame))

    async def flush(self) -> None:
        await self._queue.join()

    async def _write_loop(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                if self._zlib is not None:
                    # zlib-stream: one deflate stream per connection, each message ends in
                    # a Z_SYNC_FLUSH marker, which is what discord.py's decompressor expects.
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                pass  # peer went away; the session keeps the frame for RESUME
            finally:
                self._queue.task_done()

    async def close(self, code: int) -> None:
        self.dropped = True
        await self.ws.close(code=code)

    def stop(self) -> None:
        self._writer.cancel()


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    history: list[tuple[int, Json]] = field(default_factory=list)
    conn: Connection | None = None


class Gateway:
    """All gateway sessions of one emulator (normally a single bot session)."""

    def __init__(
        self, state: EmulatorState, notifier: Notifier, *, privileged_intents: bool
    ) -> None:
        self.state = state
        self.notifier = notifier
        self.privileged_intents = privileged_intents
        self.url = ""
        self.sessions: dict[str, Session] = {}
        self.received: list[Json] = []  # every frame the bot sent (heartbeats included)
        self.identifies = 0
        self.resumes = 0
        self.replayed = 0  # frames re-sent after a RESUME
        self.last_query: dict[str, str] = {}  # query of the latest connection (v, compress)
        self.close_codes: list[int | None] = []  # codes of closes the bot started
        self._connections: set[Connection] = set()

    @property
    def connected(self) -> bool:
        return any(s.conn is not None for s in self.sessions.values())

    def dispatch(self, event: str, data: Json) -> None:
        """Send an event to every live session, or keep it for replay if disconnected."""
        for session in list(self.sessions.values()):
            self._dispatch_to(session, event, data)

    def _dispatch_to(self, session: Session, event: str, data: Json) -> None:
        needed = _EVENT_INTENT.get(event, 0)
        if needed and not session.intents & needed:
            return
        bot_id = str(self.state.bot_user_id)
        if event == "GUILD_CREATE" and not session.intents & GUILD_MEMBERS:
            # Without the members intent Discord sends only the bot's own member.
            data = {**data, "members": [m for m in data["members"] if m["user"]["id"] == bot_id]}
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not session.intents & MESSAGE_CONTENT:
            mentioned = any(m["id"] == bot_id for m in data.get("mentions", []))
            if data.get("author", {}).get("id") != bot_id and not mentioned:
                data = payloads.strip_content(data)
        session.seq += 1
        frame = {"op": 0, "s": session.seq, "t": event, "d": data}
        session.history.append((session.seq, frame))
        if session.conn is not None:
            session.conn.send(frame)

    async def flush(self) -> None:
        """Wait until every queued frame has been written to the sockets."""
        for session in list(self.sessions.values()):
            if session.conn is not None:
                await session.conn.flush()

    async def drop(self, code: int = 4000, *, resumable: bool = True) -> None:
        """Close the bot's socket(s) as Discord would on a server-side hiccup."""
        for session in list(self.sessions.values()):
            conn, session.conn = session.conn, None
            if not resumable:
                del self.sessions[session.id]
            if conn is not None:
                await conn.close(code)

    async def close_all(self) -> None:
        for conn in list(self._connections):
            await conn.close(1001)
            conn.stop()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.last_query = dict(request.query)
        conn = Connection(ws, request.query.get("compress") == "zlib-stream")
        self._connections.add(conn)
        conn.send(
            {"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
        )
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.received.append(frame)
                session = await self._on_frame(conn, session, frame) or session
                self.notifier.notify()
        finally:
            conn.stop()
            self._connections.discard(conn)
            if not conn.dropped:
                self.close_codes.append(ws.close_code)
            if session is not None and session.conn is conn:
                session.conn = None
                if not conn.dropped and ws.close_code in (1000, 1001):
                    self.sessions.pop(session.id, None)  # a clean close ends the session
            self.notifier.notify()
        return ws

    async def _on_frame(
        self, conn: Connection, session: Session | None, frame: Json
    ) -> Session | None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            return await self._identify(conn, d)
        elif op == 6:
            return self._resume(conn, d)
        elif op == 8 and session is not None:
            self._send_chunks(session, d)
        return None

    async def _identify(self, conn: Connection, d: Json) -> Session | None:
        if d.get("token") != self.state.token:
            await conn.close(4004)
            return None
        intents = int(d.get("intents", (1 << 17) - 1))
        if intents & PRIVILEGED and not self.privileged_intents:
            await conn.close(4014)
            return None
        session = Session(uuid.uuid4().hex, intents, conn=conn)
        self.sessions[session.id] = session
        self.identifies += 1
        bot = self.state.users[self.state.bot_user_id]
        ready = {
            "v": 10,
            "user": {**payloads.user(bot), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.state.guilds],
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "session_type": "normal",
            "application": {"id": str(self.state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "shard": d.get("shard", [0, 1]),
        }
        self._dispatch_to(session, "READY", ready)
        for guild in self.state.guilds.values():
            self._dispatch_to(session, "GUILD_CREATE", payloads.guild_create(self.state, guild))
        return session

    def _resume(self, conn: Connection, d: Json) -> Session | None:
        session = self.sessions.get(d.get("session_id", ""))
        if session is None or d.get("token") != self.state.token:
            conn.send({"op": 9, "s": None, "t": None, "d": False})  # not resumable: re-IDENTIFY
            return None
        session.conn = conn
        self.resumes += 1
        last_seen = d.get("seq") or 0
        for seq, frame in session.history:
            if seq > last_seen:
                conn.send(frame)
                self.replayed += 1
        self._dispatch_to(session, "RESUMED", {})
        return session

    def _send_chunks(self, session: Session, d: Json) -> None:
        """Answer REQUEST_GUILD_MEMBERS with one chunk holding every member."""
        guild_ids = d["guild_id"] if isinstance(d["guild_id"], list) else [d["guild_id"]]
        for gid in guild_ids:
            guild = self.state.guilds[int(gid)]
            members = [payloads.member(self.state, guild, uid) for uid in guild.members]
            chunk = {
                "guild_id": str(gid),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "nonce": d.get("nonce"),
                "not_found": [],
            }
            self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)
