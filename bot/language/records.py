"""The language Slack reports for each person (users.info with `include_locale`), remembered: asked
at most once per person per `lasts`, never on every request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

# People change Slack's language rarely, and users.info is a Web API call (Tier 4) on the way of a
# request: an hour keeps a busy morning to one call per person.
SLACK_LOCALE_MEMORY = timedelta(hours=1)


class SlackLocales:
    """`ask(user)` is users.info's `locale` for them (None when Slack gives none); an error (no
    `users:read` scope, Slack away) counts as none, remembered too, so a failing Slack is not asked
    again on every request. Each runtime has its own, timed by its clock."""

    def __init__(
        self,
        ask: Callable[[str], str | None],
        now: Callable[[], datetime],
        *,
        lasts: timedelta = SLACK_LOCALE_MEMORY,
    ) -> None:
        self._ask = ask
        self._now = now
        self._lasts = lasts
        self._remembered: dict[str, tuple[datetime, str | None]] = {}
        self._lock = threading.Lock()

    def locale(self, slack_user_id: str) -> str | None:
        now = self._now()
        with self._lock:
            seen = self._remembered.get(slack_user_id)
        if seen is not None and timedelta(0) <= now - seen[0] < self._lasts:
            return seen[1]
        try:
            locale = self._ask(slack_user_id)
        except Exception as error:
            log.warning("users.info gave no locale for %s: %s", slack_user_id, error)
            locale = None
        with self._lock:
            self._remembered[slack_user_id] = (now, locale)
        return locale
