"""Fixtures for the end-to-end tests: an emulator, a configured server, no ERROR logs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.discord.harness import FAKE_TOKEN, World, build_world, no_error_logs, set_modes
from tests.emulator import DiscordEmulator


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with DiscordEmulator(token=FAKE_TOKEN) as emu:
        world = build_world(emu, tmp_path)
        await set_modes(world)
        with no_error_logs():
            yield world
