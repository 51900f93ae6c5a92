"""The one Web API client (bot.runtime.slack_client), over real HTTP to the Slack stand-in."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import RunningBot


class CountedText(str):
    """Text that counts how often its repr is asked for: what a debug line about a call builds."""

    asked = 0

    def __repr__(self) -> str:
        CountedText.asked += 1
        return super().__repr__()


def _publish(bot: RunningBot) -> None:
    CountedText.asked = 0
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": CountedText("hi")}}],
    }
    assert bot.runtime.slack.views_publish(user_id="U0AGENT1", view=view)["ok"]


def test_a_call_builds_no_debug_text_nobody_logs(bot: RunningBot) -> None:
    # slack_sdk wrote out each call's debug lines (the request's whole body, the response's) when
    # its logger's own level was unset, as it is by default, for the logging to drop them: 0.4 of
    # the 1.7 ms of CPU an App Home's views.publish took (issue 23).
    _publish(bot)
    assert CountedText.asked == 0


def test_debug_logging_set_before_the_client_is_made_still_shows_each_call(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.runtime import slack_client

    logger = logging.getLogger("slack_sdk.web.base_client")
    was = logger.level
    logger.setLevel(logging.NOTSET)
    try:
        with caplog.at_level(logging.DEBUG):
            bot.runtime.client = slack_client(bot.runtime.settings)
            _publish(bot)
        assert CountedText.asked > 0
        assert any("views.publish" in record.getMessage() for record in caplog.records)
    finally:
        logger.setLevel(was)
