"""Settings from the environment (and a `.env` file), validated once at start-up."""

from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.assignments.rules.scoring import ScoreWeights
from bot.calendar import WorkCalendar
from bot.correspondence.rules import payment_link_problem
from bot.dunning.model import DunningSchedule
from bot.dunning.rules import ScheduleError, read_schedule
from bot.language.rules import SUPPORTED, parse_locale
from bot.mail import SmtpServer, address_list, check_address, parse_smtp_url
from bot.parsing.dates import DEFAULT_PROMISE_HORIZON_DAYS
from bot.strategy.model import Strategy
from bot.strategy.rules import ResolvedTreatment, StrategyError, read_strategy, resolve_treatments

SLACK_API_DEFAULT = "https://slack.com/api/"
MIN_API_SECRET_LENGTH = 32
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Secrets (the database URL may hold a password): a repr, a log line or a dump shows them as
    # '**********'; each is unwrapped only where it is handed to the database, Slack's client, Bolt
    # or the signature check.
    database_url: SecretStr = Field(
        default=SecretStr("sqlite:///collect.db"), validation_alias="DATABASE_URL"
    )
    slack_bot_token: SecretStr = Field(default=SecretStr(""), validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr = Field(default=SecretStr(""), validation_alias="SLACK_SIGNING_SECRET")
    # An app-level token (xapp-…, scope connections:write): with it `serve` connects to Slack over
    # Socket Mode instead of waiting for Slack's HTTP requests.
    slack_app_token: SecretStr = Field(default=SecretStr(""), validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_API_DEFAULT, validation_alias="SLACK_API_URL")
    timezone: str = Field(default="UTC", validation_alias="COLLECT_TIMEZONE")
    # What the bot says in channels, and to a person neither the roster nor Slack gives a language.
    language: str = Field(default="en", validation_alias="COLLECT_LANGUAGE")
    supervisor_channel: str = Field(default="", validation_alias="COLLECT_SUPERVISOR_CHANNEL")
    # The Slack workspace the bot serves; by default the one its token belongs to (auth.test).
    team_id: str = Field(default="", validation_alias="COLLECT_TEAM_ID")
    # Web API calls are retried this many times on 429 (honouring Retry-After) and on 5xx.
    slack_max_retries: int = Field(default=3, ge=0, le=10, validation_alias="COLLECT_SLACK_MAX_RETRIES")
    # Seconds before the first retry of a 5xx or connection error, doubling each time (429s wait
    # for Slack's Retry-After instead).
    slack_retry_backoff: float = Field(
        default=0.5, ge=0, le=30, validation_alias="COLLECT_SLACK_RETRY_BACKOFF"
    )
    slack_timeout_seconds: int = Field(default=10, ge=1, le=60, validation_alias="COLLECT_SLACK_TIMEOUT")
    # Days after a promise's due date during which a payment still keeps it (DOMAIN.md).
    promise_grace_days: int = Field(default=1, ge=0, le=30, validation_alias="COLLECT_PROMISE_GRACE_DAYS")
    # How far ahead a promise, or a payment plan's last instalment, may fall (days from today).
    promise_horizon_days: int = Field(
        default=DEFAULT_PROMISE_HORIZON_DAYS, ge=1, le=3660, validation_alias="COLLECT_PROMISE_HORIZON_DAYS"
    )
    # Calendar days from the team's today to answer a complaint (the common regulatory reading).
    complaint_days: int = Field(default=15, ge=1, le=365, validation_alias="COLLECT_COMPLAINT_DAYS")
    default_daily_capacity: int = Field(default=25, ge=0, le=1000, validation_alias="COLLECT_DAILY_CAPACITY")
    default_approval_limit: Decimal = Field(
        default=Decimal("1000"), ge=0, validation_alias="COLLECT_DEFAULT_APPROVAL_LIMIT"
    )
    # The bot answers a slash command in the same HTTP response when the work finishes within
    # this budget, and through response_url otherwise, so Slack's 3 s deadline always holds.
    reply_budget_seconds: float = Field(default=2.0, gt=0, lt=3, validation_alias="COLLECT_REPLY_BUDGET")

    # The working week: worklists go out at digest_time on these days, except public holidays.
    digest_time: time = Field(default=time(8, 0), validation_alias="COLLECT_DIGEST_TIME")
    workdays: str = Field(default="mon,tue,wed,thu,fri", validation_alias="COLLECT_WORKDAYS")
    holiday_country: str = Field(default="", validation_alias="COLLECT_HOLIDAY_COUNTRY")
    holiday_subdivision: str = Field(default="", validation_alias="COLLECT_HOLIDAY_SUBDIVISION")
    # Balances at or above this (in the account's currency) go only to senior agents and supervisors;
    # per-currency overrides as JSON, e.g. {"BRL": 50000}.
    high_value_threshold: Decimal = Field(
        default=Decimal("10000"), gt=0, validation_alias="COLLECT_HIGH_VALUE"
    )
    high_value_by_currency: dict[str, Decimal] = Field(
        default_factory=dict, validation_alias="COLLECT_HIGH_VALUE_BY_CURRENCY"
    )
    score_weights: ScoreWeights = Field(
        default_factory=ScoreWeights, validation_alias="COLLECT_SCORE_WEIGHTS"
    )
    # Working hours on working days: escalation reminders count only this time.
    workday_start: time = Field(default=time(9, 0), validation_alias="COLLECT_WORKDAY_START")
    workday_end: time = Field(default=time(17, 0), validation_alias="COLLECT_WORKDAY_END")
    escalation_reminder_hours: float = Field(
        default=4.0, gt=0, le=72, validation_alias="COLLECT_ESCALATION_REMINDER_HOURS"
    )
    # The daily performance digest goes out at the end of the working day (the closed days since
    # the last one, and today so far for the supervisors); the weekly and monthly ones, for the week
    # or month before, at digest_time on the first working day of the week or month.
    daily_digest_time: time = Field(default=time(17, 30), validation_alias="COLLECT_DAILY_DIGEST_TIME")
    management_channel: str = Field(default="", validation_alias="COLLECT_MANAGEMENT_CHANNEL")
    # An alerts run lists at most this many accounts (the most pressing); the rest are counted, and
    # all are in `/collect alerts`.
    alerts_per_run: int = Field(default=10, ge=1, le=20, validation_alias="COLLECT_ALERTS_PER_RUN")
    # Stalled accounts: no attempt for N working days, no conversation for M days, no payment for K days.
    stalled_attempt_days: int = Field(default=5, ge=1, le=60, validation_alias="COLLECT_STALLED_ATTEMPT_DAYS")
    stalled_conversation_days: int = Field(
        default=14, ge=1, le=365, validation_alias="COLLECT_STALLED_CONVERSATION_DAYS"
    )
    stalled_payment_days: int = Field(
        default=30, ge=1, le=365, validation_alias="COLLECT_STALLED_PAYMENT_DAYS"
    )
    # Targets (roster monthly_target) are in this currency; collected amounts are compared in it only.
    target_currency: str = Field(
        default="USD", min_length=3, max_length=3, validation_alias="COLLECT_TARGET_CURRENCY"
    )
    # The contact rules in force: "us" (FDCPA and Regulation F) or "off" for a first-party creditor
    # the rules do not bind.
    compliance_profile: str = Field(
        default="us", pattern="^(us|off)$", validation_alias="COLLECT_COMPLIANCE_PROFILE"
    )
    # Deliveries that keep failing are retried with backoff this many times, then marked failed.
    outbox_max_attempts: int = Field(default=8, ge=1, le=50, validation_alias="COLLECT_OUTBOX_MAX_ATTEMPTS")
    # Where `collect-bot` writes the traceback of a fault of its own; the terminal gets one line and
    # the error's id. Relative paths are from the working directory, like the default SQLite file.
    error_log: str = Field(
        default="collect-bot-errors.log", min_length=1, validation_alias="COLLECT_ERROR_LOG"
    )
    # Delivered outbox messages (and their files) are pruned this many days after they were sent;
    # skipped rows once not met again for as long (schedules/housekeeping.py).
    outbox_retention_days: int = Field(
        default=30, ge=1, le=3650, validation_alias="COLLECT_OUTBOX_RETENTION_DAYS"
    )

    # A folder watched for CSV files to import (bot/imports/job.py); empty: no folder is watched.
    import_dir: str = Field(default="", validation_alias="COLLECT_IMPORT_DIR")
    # The billing API (handlers/api.py): off while empty. Several secrets, comma-separated, are all
    # accepted, so one can be rotated without downtime; each is at least 32 characters.
    api_secret: SecretStr = Field(default=SecretStr(""), validation_alias="COLLECT_API_SECRET")
    # Bodies larger than this are refused (413) before they are read. waitress refuses more than
    # 1 MiB anyway, whatever this says.
    api_max_body_bytes: int = Field(
        default=1_000_000, ge=1024, le=1_048_576, validation_alias="COLLECT_API_MAX_BODY_BYTES"
    )
    # Payments or accounts in one request: more is refused (413); one request is one transaction.
    api_max_items: int = Field(default=1000, ge=1, le=10_000, validation_alias="COLLECT_API_MAX_ITEMS")

    # Customer documents (bot/correspondence). The creditor every document names, its postal address
    # (lines apart with `;` or new lines), how to pay, where to dispute (else the creditor's address),
    # and a payment link: an http(s) URL where `{account_id}` stands for the account's id.
    templates_dir: str = Field(default="", validation_alias="COLLECT_TEMPLATES_DIR")
    creditor_name: str = Field(default="", max_length=200, validation_alias="COLLECT_CREDITOR_NAME")
    creditor_address: str = Field(default="", max_length=500, validation_alias="COLLECT_CREDITOR_ADDRESS")
    payment_instructions: str = Field(
        default="", max_length=1000, validation_alias="COLLECT_PAYMENT_INSTRUCTIONS"
    )
    payment_link: str = Field(default="", max_length=500, validation_alias="COLLECT_PAYMENT_LINK")
    dispute_contact: str = Field(default="", max_length=500, validation_alias="COLLECT_DISPUTE_CONTACT")

    @field_validator("payment_link")
    @classmethod
    def _payment_link(cls, value: str) -> str:
        problem = payment_link_problem(value.strip())
        if problem:
            raise ValueError(problem)
        return value.strip()

    @property
    def creditor_address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in re.split(r"[;\n]", self.creditor_address) if line.strip())

    # Email (bot/mail.py, sent through the outbox): off while COLLECT_SMTP_URL is empty. smtp://host:25
    # plain (a relay on the same host or network), smtp+starttls://user:pass@host:587 (STARTTLS
    # required), smtps://user:pass@host:465 (implicit TLS); user and password percent-encoded.
    smtp_url: SecretStr = Field(default=SecretStr(""), validation_alias="COLLECT_SMTP_URL")
    # A CA bundle to verify the server's certificate with, instead of the system's (a private relay).
    smtp_ca_file: str = Field(default="", validation_alias="COLLECT_SMTP_CA_FILE")
    # The sender of every email; required when COLLECT_SMTP_URL is set.
    mail_from: str = Field(default="", validation_alias="COLLECT_MAIL_FROM")
    # The team's archive: every email also goes there, in the envelope only (comma-separated).
    mail_bcc: str = Field(default="", validation_alias="COLLECT_MAIL_BCC")

    # The dunning schedule (bot/dunning): a YAML file of stages; empty, the one shipped in the package.
    # Read and checked at start: a wrong field stops start-up with its line.
    dunning_file: str = Field(default="", validation_alias="COLLECT_DUNNING_FILE")

    @field_validator("dunning_file")
    @classmethod
    def _readable_schedule(cls, value: str) -> str:
        try:
            read_schedule(value.strip())
        except ScheduleError as error:
            raise ValueError(str(error)) from None
        return value.strip()

    # At most this many dunning documents a day (0: no limit): the most past due first, the rest on
    # the next days. A first run over a whole portfolio would otherwise print every letter and send
    # every email at once.
    dunning_per_day: int = Field(default=200, ge=0, le=100_000, validation_alias="COLLECT_DUNNING_PER_DAY")

    _dunning_schedule: DunningSchedule = PrivateAttr(default_factory=DunningSchedule)

    # The strategy (bot/strategy): segments, treatments and challengers, a YAML file; empty, the one
    # shipped in the package (one segment, treated as these settings say). Read and checked at start.
    strategy_file: str = Field(default="", validation_alias="COLLECT_STRATEGY_FILE")

    _strategy: Strategy = PrivateAttr(default_factory=Strategy)
    _treatments: dict[str, ResolvedTreatment] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        # Read with the settings, at start: a file changed later changes nothing until a restart.
        self._dunning_schedule = read_schedule(self.dunning_file)
        try:
            strategy, folder = read_strategy(self.strategy_file.strip())
            treatments = resolve_treatments(strategy, folder, self.score_weights, self._dunning_schedule)
        except StrategyError as error:
            raise SettingsError(f"COLLECT_STRATEGY_FILE is invalid: {error}") from None
        self._strategy, self._treatments = strategy, treatments

    @property
    def strategy(self) -> Strategy:
        return self._strategy

    @property
    def treatments(self) -> dict[str, ResolvedTreatment]:
        """Every treatment of the strategy, resolved against these settings (bot.strategy.rules)."""
        return self._treatments

    @property
    def dunning_schedule(self) -> DunningSchedule:
        return self._dunning_schedule

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        # slack-sdk joins method names with urljoin, which drops the last path part without it.
        return value if value.endswith("/") else value + "/"

    @field_validator("api_secret")
    @classmethod
    def _long_api_secrets(cls, value: SecretStr) -> SecretStr:
        secrets = [part.strip() for part in value.get_secret_value().split(",") if part.strip()]
        if any(len(secret) < MIN_API_SECRET_LENGTH for secret in secrets):
            # Short secrets can be guessed from the signatures they make; the value is not repeated.
            raise ValueError(
                f"each secret must be at least {MIN_API_SECRET_LENGTH} characters (openssl rand -hex 32)"
            )
        return value

    @property
    def api_secrets(self) -> tuple[str, ...]:
        """The billing API's secrets, newest or oldest in any order; empty: the API is off."""
        return tuple(part.strip() for part in self.api_secret.get_secret_value().split(",") if part.strip())

    @field_validator("smtp_url")
    @classmethod
    def _known_smtp_url(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value().strip():
            parse_smtp_url(value.get_secret_value())  # its message never repeats the password
        return value

    @field_validator("smtp_ca_file")
    @classmethod
    def _readable_ca_file(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"{value!r} is not a file (a PEM bundle of the CAs to trust)")
        return value

    @field_validator("mail_from")
    @classmethod
    def _sender_when_smtp(cls, value: str, info: ValidationInfo) -> str:
        smtp_url = info.data.get("smtp_url")
        if not value.strip():
            if isinstance(smtp_url, SecretStr) and smtp_url.get_secret_value().strip():
                raise ValueError(
                    "must be set when COLLECT_SMTP_URL is (the sender, as collections@example.com)"
                )
            return ""
        return check_address(value)

    @field_validator("mail_bcc")
    @classmethod
    def _bcc_addresses(cls, value: str) -> str:
        address_list(value)
        return value

    @property
    def smtp_server(self) -> SmtpServer | None:
        """Where email goes; None while COLLECT_SMTP_URL is empty (email is off)."""
        url = self.smtp_url.get_secret_value().strip()
        return parse_smtp_url(url) if url else None

    @field_validator("slack_app_token")
    @classmethod
    def _app_level_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if token and not token.startswith("xapp-"):
            # A bot token here is the likely slip; the value itself is not repeated in the message.
            raise ValueError(
                "must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)"
            )
        return value

    @property
    def socket_mode(self) -> bool:
        """Whether `serve` connects over Socket Mode (SLACK_APP_TOKEN is set) unless told --http."""
        return bool(self.slack_app_token.get_secret_value())

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("language")
    @classmethod
    def _spoken_language(cls, value: str) -> str:
        locale = parse_locale(value)
        if locale is None:
            raise ValueError(f"{value!r} is not a language the bot speaks: use {', '.join(SUPPORTED)}")
        return locale

    @field_validator("workdays")
    @classmethod
    def _known_weekdays(cls, value: str) -> str:
        days = [day.strip().lower()[:3] for day in re.split(r"[,;\s]+", value) if day.strip()]
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(
                f"list weekdays like mon,tue,wed,thu,fri (not {', '.join(unknown) or 'nothing'})"
            )
        return ",".join(day for day in WEEKDAYS if day in days)

    @field_validator("workday_end")
    @classmethod
    def _day_ends_after_it_starts(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("workday_start")
        if start is not None and value <= start:
            raise ValueError("must be later than COLLECT_WORKDAY_START")
        return value

    @property
    def working_day_hours(self) -> float:
        start, end = self.workday_start, self.workday_end
        return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value:
            import holidays

            if value.upper() not in holidays.list_supported_countries():
                raise ValueError(
                    f"{value!r} is not a country the holidays package knows (use ISO codes like US, BR)"
                )
        return value.upper()

    def high_value_for(self, currency: str) -> Decimal:
        return self.high_value_by_currency.get(currency, self.high_value_threshold)

    @property
    def workday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.workdays.split(","))

    @property
    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar(self.workday_numbers, self.holiday_country, self.holiday_subdivision)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def in_working_hours(self, at: datetime) -> bool:
        """Working hours of a working day (not a holiday), in the team's zone: what tells people
        (alerts, escalation reminders) waits for them, and comes at the next working start."""
        local = at.astimezone(self.zone)
        working = self.work_calendar.is_working_day(local.date())
        return working and self.workday_start <= local.time() < self.workday_end

    def require_slack(self) -> None:
        """Serving needs the Slack credentials; the CLI's other commands do not."""
        for env_name, value in (
            ("SLACK_BOT_TOKEN", self.slack_bot_token),
            ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
        ):
            if not value.get_secret_value():
                raise SettingsError(f"{env_name} is not set: the bot cannot talk to Slack without it")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        env_name = _env_name(field)
        raise SettingsError(f"{env_name} is invalid: {first['msg']}") from None


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    return alias if isinstance(alias, str) else field.upper()
