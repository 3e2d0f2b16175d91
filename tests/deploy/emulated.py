"""Running `disputebot` as a separate process against the in-test Discord emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.discord.harness import World

from .support import clean_environ, disputebot_command


def bot_environ(world: World, **values: str | Path) -> dict[str, str]:
    """The environment an operator would set, pointed at the emulator."""
    defaults: dict[str, str | Path] = {
        "DISCORD_TOKEN": world.settings.discord_token,
        "api_base_url": world.emu.api_base,
        "gateway_url": world.emu.gateway_url,
        "database_path": world.settings.database_path,
        "user_cooldown_seconds": "0",
        "topic_cooldown_seconds": "0",
    }
    return clean_environ(**{**defaults, **values})


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *disputebot_command(),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process, timeout: float = 60) -> tuple[str, str]:
    """Wait for a command that ends by itself; returns (stdout, stderr)."""
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return out.decode(), err.decode()
