"""Events from Slack: opening the bot's App Home shows today's list, or the team's day."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.cockpit.desk import publish_home
from bot.runtime import Runtime
from handlers.answering import Answerer


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            user = event["user"]
            answerer.homes.opened(user)
            answerer.later(lambda: answerer.homes.watching(user, publish_home(runtime, user)))
