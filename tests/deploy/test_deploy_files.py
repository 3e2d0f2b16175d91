"""The deployment files, read as the tools that use them would: every setting in
.env.example, the compose file as YAML, the unit as sections of keys, the Dockerfile
as instructions. (No Docker engine or systemd runs where the tests run; the operator's
guide says how to validate them for real.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
import yaml

from bot.settings import ENV_PREFIX, TOKEN_ENV, Settings

from .support import DEPLOY

SETTING_LINE = re.compile(r"^#?\s*(DISCORD_TOKEN|DISPUTEBOT_[A-Z_]+)=(.*)$")
# Beside the installed code, and under the user's cache folder; documented in words.
COMPUTED_DEFAULTS = {"knowledge_dir", "index_cache_dir"}


def env_key(name: str) -> str:
    return TOKEN_ENV if name == "discord_token" else ENV_PREFIX + name.upper()


def as_env_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def example_settings() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = SETTING_LINE.match(line)
        if match:
            assert match[1] not in found, f"{match[1]} listed twice"
            found[match[1]] = match[2]
    return found


def test_env_example_lists_every_setting_with_its_default() -> None:
    listed = example_settings()
    for spec in fields(Settings):
        key = env_key(spec.name)
        assert key in listed, f"{key} missing from deploy/.env.example"
        if spec.name in COMPUTED_DEFAULTS or spec.name == "discord_token":
            assert listed[key] == ""
            continue
        default = spec.default if spec.default is not MISSING else spec.default_factory()  # type: ignore[misc]
        assert listed[key] == as_env_text(default), key
    known = {env_key(spec.name) for spec in fields(Settings)} | {"DISPUTEBOT_CONFIG"}
    assert set(listed) == known, "no settings that Settings does not know"


def test_env_example_values_parse_as_settings() -> None:
    values = {key: value for key, value in example_settings().items() if value}
    settings = Settings.load(values)
    assert settings == Settings(
        knowledge_dir=settings.knowledge_dir, index_cache_dir=settings.index_cache_dir
    )


def test_compose_has_the_service_volume_env_file_and_stop_grace() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    service = compose["services"]["disputebot"]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert service["env_file"] == [".env"]
    assert service["restart"] == "unless-stopped"
    assert "disputebot-data:/data" in service["volumes"]
    assert "disputebot-data" in compose["volumes"]
    assert service["environment"]["DISPUTEBOT_DATABASE_PATH"].startswith("/data/")
    assert service["read_only"] is True and "ALL" in service["cap_drop"]
    assert int(service["stop_grace_period"].rstrip("s")) >= 5


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of keys, each with every value it was given (systemd keys repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw_line in path.read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"not a unit line: {line!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_unit_runs_the_bot_unprivileged_and_hardened() -> None:
    unit = read_unit(DEPLOY / "disputebot.service")
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service.get("User") == "disputebot" or service.get("DynamicUser") == "yes"
    program, *arguments = service["ExecStart"].split()
    assert program.startswith("/") and Path(program).name == "disputebot"
    assert arguments == ["run"]
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/disputebot"
    assert (
        "DISPUTEBOT_DATABASE_PATH=/var/lib/disputebot/disputebot.sqlite3"
        in unit["Service"]["Environment"]
    )
    # The index cache lives where systemd makes it writable under ProtectSystem=strict.
    assert service["CacheDirectory"] == "disputebot"
    assert "DISPUTEBOT_INDEX_CACHE_DIR=/var/cache/disputebot" in unit["Service"]["Environment"]
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"
    for key, value in {
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "CapabilityBoundingSet": "",
        "KillSignal": "SIGTERM",
    }.items():
        assert service[key] == value, key
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_is_slim_non_root_healthy_and_carries_the_knowledge() -> None:
    steps = dockerfile_instructions()
    froms = [arg for op, arg in steps if op == "FROM"]
    assert froms and all(arg.startswith("python:3.11-slim") for arg in froms)
    runtime = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    users = [arg for op, arg in runtime if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(op == "HEALTHCHECK" and '"disputebot", "check"' in arg for op, arg in runtime)
    assert ("VOLUME", '["/data"]') in runtime
    assert ("COPY", "knowledge /app/knowledge") in runtime
    env = " ".join(arg for op, arg in runtime if op == "ENV")
    assert "DISPUTEBOT_KNOWLEDGE_DIR=/app/knowledge" in env
    assert "DISPUTEBOT_DATABASE_PATH=/data/disputebot.sqlite3" in env
    assert "DISPUTEBOT_INDEX_CACHE_DIR=/data/cache" in env  # the read-only image's one volume
    assert ("CMD", '["run"]') in runtime and ("ENTRYPOINT", '["disputebot"]') in runtime


def test_the_image_build_context_has_what_the_dockerfile_copies() -> None:
    root = DEPLOY.parent
    ignored = (root / ".dockerignore").read_text().split()
    for op, arg in dockerfile_instructions():
        if op == "COPY" and not arg.startswith("--from"):
            for source in arg.split()[:-1]:
                assert (root / source).exists(), source
                assert source not in ignored, source


def test_the_guides_exist_and_name_every_operator_command() -> None:
    guide = (DEPLOY / "README.md").read_text()
    for command in (
        "disputebot check",
        "disputebot invite-url",
        "disputebot sync",
        "disputebot db backup",
        "disputebot db check",
        "disputebot db restore",
        "systemd-analyze verify",
        "Message Content",
    ):
        assert command in guide, command
    scaling = (DEPLOY / "SCALING.md").read_text()
    assert "guild_id >> 22" in scaling and "asyncpg" in scaling and "pg_dump" in scaling


def test_readme_permissions_match_the_code() -> None:
    from bot.discord_app.permissions import PERMISSION_REASONS, required_permissions

    guide = (DEPLOY / "README.md").read_text()
    assert str(required_permissions().value) in guide
    for name in PERMISSION_REASONS:
        assert f"`{name}`" in guide, name


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    """The real validator, where installed: the unit with its programs pointed at this
    environment's `disputebot`, since verify also checks that they exist."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    script = Path(sys.executable).with_name("disputebot")
    program = script if script.is_file() else Path(sys.executable)  # verify needs a file
    text = (DEPLOY / "disputebot.service").read_text()
    assert text.count("/opt/disputebot/venv/bin/disputebot") == 2
    unit = tmp_path / "disputebot.service"
    unit.write_text(text.replace("/opt/disputebot/venv/bin/disputebot", str(program)))
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")
