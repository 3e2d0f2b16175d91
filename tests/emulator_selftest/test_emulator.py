"""Self-test of the Discord emulator: a small real discord.py bot driven end to end.

The bot below exists only to exercise the emulator (it is not the project's bot). Every
test runs a fresh emulator and bot, and fails on ERROR logs or an unclean shutdown.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Literal

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.emulator import (
    DiscordEmulator,
    ErrorLogCollector,
    point_discord_at,
    running_bot,
    shutdown_problems,
)

MANAGE_MESSAGES = 1 << 13
TOPICS = ["refunds", "chargebacks", "late delivery", "revisions"]
PANEL = [
    {
        "type": 1,
        "components": [
            {"type": 2, "style": 1, "label": "Ack", "custom_id": "panel:ack"},
            {"type": 2, "style": 2, "label": "Later", "custom_id": "panel:later"},
        ],
    },
    {
        "type": 1,
        "components": [
            {
                "type": 3,
                "custom_id": "panel:pick",
                "min_values": 1,
                "max_values": 2,
                "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
            }
        ],
    },
]


class PanelView(discord.ui.View):
    """Persistent view (timeout=None, fixed custom_ids) registered in setup_hook."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Ack", custom_id="panel:ack", style=discord.ButtonStyle.primary)
    async def ack(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="acknowledged", view=self)

    @discord.ui.button(label="Later", custom_id="panel:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()  # callback type 6, then PATCH @original
        await interaction.edit_original_response(content="handled later")

    @discord.ui.select(
        custom_id="panel:pick",
        min_values=1,
        max_values=2,
        options=[
            discord.SelectOption(label="A", value="a"),
            discord.SelectOption(label="B", value="b"),
        ],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message("picked " + ",".join(select.values), ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text")

    def __init__(self) -> None:
        super().__init__(custom_id="feedback")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.text.value}", ephemeral=True)


class SelfTestBot(commands.Bot):
    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.seen: list[discord.Message] = []
        self.errors: list[discord.HTTPException] = []
        self.release = asyncio.Event()
        self.resumed = 0
        self.ready_count = 0

    async def setup_hook(self) -> None:
        self.add_view(PanelView())
        self.tree.add_command(app_commands.ContextMenu(name="Quote message", callback=quote))
        for command in (ask, topic, admin, think, feedback, slow, purge):
            self.tree.add_command(command)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY by default; not needed here."""

    async def on_ready(self) -> None:
        self.ready_count += 1

    async def on_resumed(self) -> None:
        self.resumed += 1

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)
        starter = isinstance(message.channel, discord.Thread) and message.id == message.channel.id
        if starter and not message.author.bot:
            await message.channel.send(f"Thanks for posting {message.channel.name!r}")
        await self.process_commands(message)


@commands.command()
async def ping(ctx: commands.Context) -> None:
    await ctx.reply("pong", mention_author=False)


@app_commands.command(description="Ask a question")
@app_commands.describe(question="What you want to know")
async def ask(interaction: discord.Interaction, question: str) -> None:
    await interaction.response.send_message(f"You asked: {question}", ephemeral=True)
    await interaction.followup.send("More detail", ephemeral=True)


@app_commands.command(description="Look up a topic")
async def topic(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(name)


@topic.autocomplete("name")
async def topic_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t, value=t) for t in TOPICS if current in t][:25]


admin = app_commands.Group(name="admin", description="Admin tools")
config = app_commands.Group(name="config", description="Settings", parent=admin)


@config.command(name="set", description="Set a value")
async def config_set(interaction: discord.Interaction, key: str, value: int) -> None:
    await interaction.response.send_message(f"{key}={value}")


@app_commands.command(description="Think, then answer")
async def think(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("step 1")
    await interaction.edit_original_response(content="final")


@app_commands.command(description="Send feedback")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(FeedbackModal())


@app_commands.command(description="Answer late")
async def slow(interaction: discord.Interaction, mode: Literal["respond", "followup"]) -> None:
    bot = interaction.client
    assert isinstance(bot, SelfTestBot)
    try:
        if mode == "followup":
            await interaction.response.defer()
        await bot.release.wait()
        if mode == "respond":
            await interaction.response.send_message("late")
        else:
            await interaction.followup.send("late")
    except discord.HTTPException as exc:
        bot.errors.append(exc)


@app_commands.command(description="Moderators only")
@app_commands.default_permissions(manage_messages=True)
async def purge(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(f"mod={interaction.permissions.manage_messages}")


async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"> {message.content}")


@dataclass
class World:
    guild: int
    text: int
    forum: int
    alice: int  # moderator
    bob: int


@pytest.fixture
def error_logs():
    collector = ErrorLogCollector()
    with collector.installed():
        yield collector
    assert [r.getMessage() for r in collector.records] == []


@pytest.fixture
async def emu():
    async with DiscordEmulator() as emulator:
        with point_discord_at(emulator):
            yield emulator


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    guild = emu.add_guild("Sellers")
    mod = emu.add_role(guild, "mod", MANAGE_MESSAGES)
    return World(
        guild,
        emu.add_text_channel(guild, "general"),
        emu.add_forum_channel(guild, "help"),
        emu.add_user("alice", roles=[mod]),
        emu.add_user("bob"),
    )


@pytest.fixture
async def bot(emu: DiscordEmulator, world: World, error_logs: ErrorLogCollector):
    client = SelfTestBot()
    client.add_command(ping)
    async with running_bot(client, emu):
        yield client
    assert shutdown_problems(client) == []


async def synced(emu: DiscordEmulator, bot: SelfTestBot) -> None:
    await bot.tree.sync()
    assert emu.synced_commands()


# -- start-up, login, shutdown --------------------------------------------------------------


def test_override_points_exist_and_are_restored():
    """The two redirected class attributes are undocumented; fail loudly if they change."""
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert before == ("https://discord.com/api/v10", yarl.URL("wss://gateway.discord.gg/"))
    emulator = DiscordEmulator()
    with point_discord_at(emulator):
        assert emulator.api_base == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == emulator.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


async def test_login_ready_and_guild_cache(emu: DiscordEmulator, world: World, bot: SelfTestBot):
    assert bot.user is not None and bot.user.id == emu.bot_user_id
    assert bot.application_id == emu.application_id
    guild = bot.get_guild(world.guild)
    assert guild is not None and guild.me is not None
    assert isinstance(guild.get_channel(world.forum), discord.ForumChannel)
    assert guild.default_role.id == world.guild
    assert guild.me.guild_permissions.send_messages
    assert guild.get_member(world.alice) is None  # no members intent: only the bot is cached
    assert [r.path for r in emu.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert emu.gateway.last_query["compress"] == "zlib-stream"  # frames were zlib-compressed


async def test_bad_token_is_login_failure(emu: DiscordEmulator, error_logs: ErrorLogCollector):
    client = SelfTestBot()
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert emu.requests[-1].status == 401
    assert shutdown_problems(client) == []


async def test_clean_shutdown(emu: DiscordEmulator, world: World, error_logs: ErrorLogCollector):
    client = SelfTestBot()
    async with running_bot(client, emu):
        assert emu.gateway.connected
    assert client.is_closed()
    assert shutdown_problems(client) == []
    await emu.wait_until(lambda: not emu.gateway.connected, what="gateway disconnect")
    # discord.py 2.7.1 asks for 1000, but its receive loop wins the race inside aiohttp and
    # the frame on the wire is 4000, so Discord keeps the session resumable.
    assert emu.gateway.close_codes == [4000]


async def test_unknown_route_is_loud_404(emu: DiscordEmulator, world: World, bot: SelfTestBot):
    with pytest.raises(discord.NotFound, match="fake: no route GET /guilds/"):
        await bot.fetch_guild(world.guild)


# -- messages and threads -------------------------------------------------------------------


async def test_prefix_command_reply_keeps_allowed_mentions(emu, world, bot):
    sent = await emu.send_message(world.text, world.alice, "!ping")
    reply = await emu.wait_for_message(world.text)
    assert reply.content == "pong"
    assert reply.body is not None
    assert str(reply.body["message_reference"]["message_id"]) == sent["id"]
    assert reply.body["allowed_mentions"]["replied_user"] is False
    assert reply.payload["type"] == 19 and reply.payload["referenced_message"]["id"] == sent["id"]
    assert reply.payload["mentions"] == []


async def test_user_mentions_are_parsed(emu, world, bot):
    sent = await emu.send_message(world.text, world.alice, f"hi <@{world.bob}>")
    await emu.wait_until(lambda: any(m.id == int(sent["id"]) for m in bot.seen))
    message = next(m for m in bot.seen if m.id == int(sent["id"]))
    assert [u.id for u in message.mentions] == [world.bob]
    assert isinstance(message.author, discord.Member)


async def test_forum_post_gets_reply_in_thread(emu, world, bot):
    thread, starter = await emu.create_forum_post(world.forum, world.bob, "Refund denied", "help?")
    assert starter["id"] == thread["id"]
    reply = await emu.wait_for_message(int(thread["id"]))
    assert reply.content == "Thanks for posting 'Refund denied'"
    assert bot.get_channel(int(thread["id"])).parent_id == world.forum


async def test_edit_and_delete_are_reflected(emu, world, bot):
    channel = bot.get_channel(world.text)
    message = await channel.send("draft")
    await message.edit(content="final")
    record = emu.message(message.id)
    assert record.content == "final" and [e["content"] for e in record.edits] == ["final"]
    await message.delete()
    assert record.deleted and emu.channel_messages(world.text) == []


async def test_message_limits_and_permissions(emu, world, bot):
    channel = bot.get_channel(world.text)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035
    oversized = [
        discord.Embed(description="d" * 4097),
        discord.Embed().add_field(name="n", value="v" * 1025),
        discord.Embed(description="d" * 4000)
        .add_field(name="n", value="v" * 1000)
        # 4,000 + 3 x 1,001 is over the 6,000 characters a message's embeds may hold
        .add_field(name="n", value="v" * 1000)
        .add_field(name="n", value="v" * 1000),
    ]
    for embed in oversized:
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(embed=embed)
        assert refused.value.code == 50035
    within = discord.Embed(description="d" * 4096).add_field(name="n", value="v" * 1024)
    assert (await channel.send(embed=within)).embeds[0].description == "d" * 4096
    emu.set_role_permissions(world.guild, emu.bot_role_id(world.guild), 0)
    emu.set_role_permissions(world.guild, world.guild, 0)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("hello")
    assert forbidden.value.code == 50013


async def test_without_message_content_intent_text_is_blank(emu, world, error_logs):
    client = SelfTestBot(message_content=False)
    async with running_bot(client, emu):
        await emu.send_message(world.text, world.alice, "secret")
        await emu.send_message(world.text, world.alice, f"<@{emu.bot_user_id}> visible")
        await emu.wait_until(lambda: len(client.seen) == 2)
        assert [m.content for m in client.seen] == ["", f"<@{emu.bot_user_id}> visible"]


# -- application commands -------------------------------------------------------------------


async def test_tree_sync_global_and_guild(emu, world, bot):
    await bot.tree.sync()
    bot.tree.copy_global_to(guild=discord.Object(world.guild))
    guild_cmds = await bot.tree.sync(guild=discord.Object(world.guild))
    puts = [r.path for r in emu.requests if r.method == "PUT"]
    app = emu.application_id
    assert puts == [
        f"/applications/{app}/commands",
        f"/applications/{app}/guilds/{world.guild}/commands",
    ]
    names = sorted(c["name"] for c in emu.synced_commands())
    assert names == ["Quote message", "admin", "ask", "feedback", "purge", "slow", "think", "topic"]
    assert {c.name for c in guild_cmds} == set(names)
    assert all(c["guild_id"] == str(world.guild) for c in emu.synced_commands(world.guild))
    (purge_cmd,) = [c for c in emu.synced_commands() if c["name"] == "purge"]
    assert purge_cmd["default_member_permissions"] == str(MANAGE_MESSAGES)


async def test_slash_ephemeral_response_and_followup(emu, world, bot):
    await synced(emu, bot)
    itx = await emu.invoke_slash(
        "ask",
        user_id=world.alice,
        channel_id=world.text,
        guild_id=world.guild,
        options={"question": "refund?"},
    )
    await itx.wait_response()
    assert itx.response_type == 4 and itx.ephemeral and itx.content == "You asked: refund?"
    (followup,) = await itx.wait_followups(1)
    assert followup.ephemeral and followup.body == {
        **followup.body,
        "content": "More detail",
        "flags": 64,
    }
    assert emu.channel_messages(world.text) == []  # ephemeral messages are not in the channel
    assert int(itx.payload["member"]["permissions"]) & MANAGE_MESSAGES


async def test_subcommand_group_options(emu, world, bot):
    await synced(emu, bot)
    itx = await emu.invoke_slash(
        "admin config set",
        user_id=world.alice,
        channel_id=world.text,
        options={"key": "limit", "value": 5},
    )
    await itx.wait_response()
    assert itx.content == "limit=5"
    group = itx.payload["data"]["options"][0]
    assert (group["type"], group["options"][0]["type"]) == (2, 1)
    assert await emu.wait_for_message(world.text) is itx.original  # public, so in the channel


async def test_default_permissions_hide_command(emu, world, bot):
    await synced(emu, bot)
    with pytest.raises(PermissionError):
        await emu.invoke_slash("purge", user_id=world.bob, channel_id=world.text)
    itx = await emu.invoke_slash("purge", user_id=world.alice, channel_id=world.text)
    assert (await itx.wait_response()).content == "mod=True"


async def test_defer_followup_and_edit_original(emu, world, bot):
    await synced(emu, bot)
    itx = await emu.invoke_slash("think", user_id=world.alice, channel_id=world.text)
    await itx.wait_edit(1)
    assert itx.response_type == 5 and itx.deferred
    assert itx.followups[0] is itx.original  # the first followup fills the thinking message
    assert [e["content"] for e in itx.edits] == ["final"] and itx.content == "final"
    assert not itx.original.payload["flags"] & 128


async def test_autocomplete_choices(emu, world, bot):
    await synced(emu, bot)
    itx = await emu.invoke_autocomplete(
        "topic", "name", "re", user_id=world.bob, channel_id=world.text
    )
    await itx.wait_response()
    assert itx.response_type == 8
    assert itx.choices == [
        {"name": "refunds", "value": "refunds"},
        {"name": "revisions", "value": "revisions"},
    ]


async def test_message_context_menu(emu, world, bot):
    await synced(emu, bot)
    target = await emu.send_message(world.text, world.bob, "quote me")
    itx = await emu.invoke_message_command("Quote message", int(target["id"]), user_id=world.alice)
    await itx.wait_response()
    assert itx.content == "> quote me" and itx.original.payload["type"] == 23


# -- components and modals ------------------------------------------------------------------


async def test_persistent_button_edits_message(emu, world, bot):
    panel = await emu.send_message(world.text, emu.bot_user_id, "panel", components=PANEL)
    itx = await emu.click_button(int(panel["id"]), "panel:ack", user_id=world.bob)
    await itx.wait_response()
    assert itx.response_type == 7
    record = emu.message(int(panel["id"]))
    assert record.content == "acknowledged" and record.payload["edited_timestamp"]
    assert record.payload["components"][0]["components"][0]["custom_id"] == "panel:ack"


async def test_deferred_component_update(emu, world, bot):
    panel = await emu.send_message(world.text, emu.bot_user_id, "panel", components=PANEL)
    itx = await emu.click_button(int(panel["id"]), "panel:later", user_id=world.bob)
    await itx.wait_edit()
    assert itx.response_type == 6 and itx.original is emu.message(int(panel["id"]))
    assert itx.content == "handled later"


async def test_select_menu(emu, world, bot):
    panel = await emu.send_message(world.text, emu.bot_user_id, "panel", components=PANEL)
    itx = await emu.choose_select(int(panel["id"]), "panel:pick", ["a", "b"], user_id=world.bob)
    await itx.wait_response()
    assert itx.content == "picked a,b" and itx.ephemeral
    with pytest.raises(ValueError):
        await emu.choose_select(int(panel["id"]), "panel:pick", ["zzz"], user_id=world.bob)


async def test_modal_submit(emu, world, bot):
    await synced(emu, bot)
    opener = await emu.invoke_slash("feedback", user_id=world.alice, channel_id=world.text)
    await opener.wait_response()
    assert opener.response_type == 9 and opener.modal["custom_id"] == "feedback"
    submit = await emu.submit_modal("feedback", {"feedback:text": "great bot"}, user_id=world.alice)
    await submit.wait_response()
    assert submit.content == "got great bot"


# -- faults ---------------------------------------------------------------------------------


async def test_429_is_retried(emu, world, bot):
    emu.faults.add("POST", r"/channels/\d+/messages", 429, retry_after=0.05)
    await emu.send_message(world.text, world.alice, "!ping")
    reply = await emu.wait_for_message(world.text)
    posts = emu.requests_to("POST", rf"/channels/{world.text}/messages")
    assert [p.status for p in posts] == [429, 200]
    assert posts[0].json == posts[1].json == reply.body


async def test_502_is_retried(emu, world, bot):
    emu.faults.add("POST", r"/channels/\d+/messages", 502)
    await emu.send_message(world.text, world.alice, "!ping")
    await emu.wait_for_message(world.text, timeout=4.0)  # discord.py sleeps 1 s before retrying
    assert [p.status for p in emu.requests_to("POST", r"/channels/\d+/messages")] == [502, 200]


async def test_slow_response(emu, world, bot):
    emu.faults.add("POST", r"/channels/\d+/messages", delay=0.3)
    start = time.monotonic()
    await emu.send_message(world.text, world.alice, "!ping")
    request = await emu.wait_for_request("POST", r"/channels/\d+/messages")
    assert request.status == 200 and time.monotonic() - start >= 0.3


async def test_gateway_drop_resumes_without_duplicates(emu, world, bot):
    first = await emu.send_message(world.text, world.alice, "before drop")
    await emu.wait_until(lambda: len(bot.seen) == 1)
    await emu.drop_gateway(4000)
    second = await emu.send_message(world.text, world.alice, "while disconnected")
    await emu.wait_until(lambda: bot.resumed == 1, what="on_resumed")
    await emu.wait_until(lambda: len(bot.seen) == 2)
    await asyncio.sleep(0.05)  # room for a duplicate to show up
    assert [m.id for m in bot.seen] == [int(first["id"]), int(second["id"])]
    assert (emu.gateway.identifies, emu.gateway.resumes, emu.gateway.replayed) == (1, 1, 1)


async def test_unresumable_drop_reidentifies(emu, world, bot):
    await emu.drop_gateway(4000, resumable=False)
    await emu.wait_until(lambda: bot.ready_count == 2, what="second on_ready")
    assert emu.gateway.identifies == 2 and bot.get_guild(world.guild) is not None
    assert [f["op"] for f in emu.gateway.received if f["op"] != 1] == [2, 6, 2]


async def test_expired_interaction_token_raises_in_bot(emu, world, bot):
    await synced(emu, bot)
    late = await emu.invoke_slash(
        "slow", user_id=world.alice, channel_id=world.text, options={"mode": "respond"}
    )
    deferred = await emu.invoke_slash(
        "slow", user_id=world.alice, channel_id=world.text, options={"mode": "followup"}
    )
    await deferred.wait_response()
    emu.expire_interaction_tokens()
    bot.release.set()
    await emu.wait_until(lambda: len(bot.errors) == 2)
    assert sorted((type(e).__name__, e.code) for e in bot.errors) == [
        ("HTTPException", 50027),
        ("NotFound", 10062),
    ]
    assert late.rejected == [("callback", 10062)] and deferred.rejected == [("webhook", 50027)]
