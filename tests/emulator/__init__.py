"""A local Discord emulator (REST + gateway) that drives the real discord.py client in tests.

Typical use (see ``README.md`` for the full reference)::

    async with DiscordEmulator() as emu:
        with point_discord_at(emu):
            guild = emu.add_guild("Sellers")
            channel = emu.add_text_channel(guild, "general")
            alice = emu.add_user("alice")
            async with running_bot(make_bot(), emu):
                await emu.send_message(channel, alice, "!ping")
                reply = await emu.wait_for_message(channel)
"""

from .faults import FaultInjector, FaultRule
from .fixtures import ErrorLogCollector, point_discord_at, running_bot, shutdown_problems
from .interactions import InteractionRecord
from .rest import RequestRecord
from .server import DiscordEmulator
from .state import MessageRecord

__all__ = [
    "DiscordEmulator",
    "ErrorLogCollector",
    "FaultInjector",
    "FaultRule",
    "InteractionRecord",
    "MessageRecord",
    "RequestRecord",
    "point_discord_at",
    "running_bot",
    "shutdown_problems",
]
