"""What every part of a running bot shares: settings, the database, the clock, the Slack client and
the gate's memory of the roster."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.error import URLError
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.clock import Clock, SystemClock, team_today
from bot.coaching.model import ClosedWeeks
from bot.language.records import SlackLocales
from bot.language.render import Audience
from bot.language.rules import choose_locale
from bot.roster.records import RosterMemory
from bot.settings import Settings
from storage.database import Database


class PostSafeConnectionRetry(ConnectionErrorRetryHandler):
    """Retries a call whose connection failed, except a chat.postMessage whose request had gone out
    (urllib wraps the failures before that in URLError): Slack may have posted it, and a repeat
    would post it twice. The outbox looks in the conversation's history before posting it again."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.endswith("/chat.postMessage") and not isinstance(error, URLError):
            return False
        return bool(super()._can_retry(state=state, request=request, response=response, error=error))


def slack_client(settings: Settings) -> WebClient:
    """The one Web API client: every call goes to SLACK_API_URL and is retried on 429 and 5xx."""
    retries = settings.slack_max_retries
    backoff = BackoffRetryIntervalCalculator(backoff_factor=settings.slack_retry_backoff)
    handlers: list[RetryHandler] = [
        PostSafeConnectionRetry(max_retry_count=retries, interval_calculator=backoff),
        RateLimitErrorRetryHandler(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
    ]
    return WebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
        retry_handlers=handlers,
        logger=_web_api_logger(),
    )


def _web_api_logger() -> logging.Logger:
    """slack_sdk's own logger, its level set to the one in effect when it was unset: slack_sdk writes
    out each call's debug lines (the request's whole body, the response's) whenever its logger's own
    level is unset, the default, and the logging drops them: 0.4 of the 1.7 ms of CPU an App Home's
    views.publish took (issue 23). Bolt's clients of each request share it. Debug logging set before
    the client is made still shows every call."""
    logger = logging.getLogger("slack_sdk.web.base_client")
    if logger.level == logging.NOTSET:
        logger.setLevel(logger.getEffectiveLevel())
    return logger


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    client: WebClient | None = None
    roster_memory: RosterMemory = field(init=False)
    slack_locales: SlackLocales = field(init=False)
    closed_weeks: ClosedWeeks = field(init=False, default_factory=ClosedWeeks)
    """The Home's ramp-up reports of weeks already over, for the day (bot.coaching)."""

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = slack_client(self.settings)
        # Runs out on this runtime's clock (read at each check: tests swap it), and is this
        # runtime's alone: nothing about the roster is shared across runtimes in one process.
        self.roster_memory = RosterMemory(self.db, self.now)
        self.slack_locales = SlackLocales(self._slack_locale, self.now)

    @property
    def slack(self) -> WebClient:
        assert self.client is not None
        return self.client

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return team_today(self.clock.now(), self.settings.zone)

    def locale_of(self, slack_user_id: str) -> str:
        """The language the bot speaks to this person (bot.language.rules.choose_locale). Slack is
        asked only when the roster has no word for them, and then once an hour at most."""
        roster = self.roster_memory.locale(slack_user_id)
        slack = None if roster else self.slack_locales.locale(slack_user_id)
        return choose_locale(roster, slack, self.settings.language)

    def audience(self) -> Audience:
        """Whom a request or a job may write to besides its reader, and in which language."""
        return Audience(self.locale_of, self.settings.language)

    @property
    def channel_locale(self) -> str:
        """What goes to a channel is in the team's language."""
        return self.settings.language

    def _slack_locale(self, slack_user_id: str) -> str | None:
        locale = self.slack.users_info(user=slack_user_id, include_locale=True)["user"].get("locale")
        return str(locale) if locale else None
