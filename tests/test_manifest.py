"""manifest.yml (HTTP mode) and manifest-socket.yml (Socket Mode) are what a user pastes into Slack:
each must satisfy Slack's published schema and ask for exactly what the bot uses, and the two must
be the same app but for the request URLs and socket_mode_enabled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Slack's published schema (MIT, see LICENSE.manifest-schema beside it), kept in the repository so
# that the test runs from any clone.
SCHEMA = Path(__file__).resolve().parent / "data" / "slack" / "manifest.schema.1.0.0.json"


MANIFESTS = ("manifest.yml", "manifest-socket.yml")
URL_KEYS = frozenset({"url", "request_url", "message_menu_options_url"})


def manifest(name: str = "manifest.yml") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", MANIFESTS)
def test_the_manifest_satisfies_slacks_schema(name: str) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(manifest(name), schema)


def test_the_socket_mode_manifest_enables_it_and_has_no_urls() -> None:
    found = manifest("manifest-socket.yml")
    assert found["settings"]["socket_mode_enabled"] is True
    assert manifest()["settings"]["socket_mode_enabled"] is False
    assert not _urls(found), _urls(found)
    assert found["settings"]["interactivity"]["is_enabled"] is True


def test_both_manifests_describe_the_same_app() -> None:
    """A command, event, scope or shortcut added to one and not the other would be missing in one mode."""
    http, socket = manifest(), manifest("manifest-socket.yml")
    for settings in (http["settings"], socket["settings"]):
        settings.pop("socket_mode_enabled")
    assert _without_urls(http) == _without_urls(socket)


def _urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k in URL_KEYS] + [u for v in value.values() for u in _urls(v)]
    if isinstance(value, list):
        return [u for item in value for u in _urls(item)]
    return []


def _without_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_urls(v) for k, v in value.items() if k not in URL_KEYS}
    if isinstance(value, list):
        return [_without_urls(item) for item in value]
    return value


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


def test_the_manifest_declares_the_shortcuts_the_bot_listens_to() -> None:
    from bot.ids import CallbackId

    declared = {(s["type"], s["callback_id"], s["name"]) for s in manifest()["features"]["shortcuts"]}
    assert declared == {
        ("global", CallbackId.RECORD_PAYMENT_SHORTCUT, "Record a payment"),
        ("global", CallbackId.LOG_CONTACT_SHORTCUT, "Log a contact"),
        ("message", CallbackId.LOG_MESSAGE_SHORTCUT, "Log as contact"),
        ("message", CallbackId.ESCALATE_MESSAGE_SHORTCUT, "Escalate"),
    }


def test_the_sandbox_offers_the_shortcuts_the_manifest_declares() -> None:
    from wiring.sandbox.world import SHORTCUTS

    declared = [
        {k: s[k] for k in ("type", "callback_id", "name")} for s in manifest()["features"]["shortcuts"]
    ]
    assert declared == SHORTCUTS


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
