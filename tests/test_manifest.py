"""manifest.yml is what a user pastes into Slack: it must satisfy Slack's published schema and ask
for exactly what the bot uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Slack's published schema (MIT, see LICENSE.manifest-schema beside it), kept in the repository so
# that the test runs from any clone.
SCHEMA = Path(__file__).resolve().parent / "data" / "slack" / "manifest.schema.1.0.0.json"


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return loaded


def test_the_manifest_satisfies_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(manifest(), schema)


def test_the_manifest_declares_the_command_and_the_urls() -> None:
    found = manifest()
    command = found["features"]["slash_commands"][0]
    assert command["command"] == "/collect" and command["url"].endswith("/slack/events")
    assert command["should_escape"] is True  # mentions arrive as user ids
    assert found["settings"]["interactivity"]["is_enabled"] is True
    assert found["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert found["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert found["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.channels",
        "message.groups",
    ]
    assert found["features"]["app_home"]["home_tab_enabled"] is True


def test_the_manifest_asks_for_no_more_than_the_bot_uses() -> None:
    assert sorted(manifest()["oauth_config"]["scopes"]["bot"]) == [
        "channels:history",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "im:history",
        "im:write",
        "users:read",
    ]
