"""The sandbox's Slack: the real bot, served over HTTP with request signing, talking to the Slack
stand-in, with a person at the keyboard acting as any roster member. This keeps what Slack keeps
per person (ephemeral messages, the open modal, the Home tab) and turns the page's clicks into the
signed requests Slack would send."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from bot.alerts.job import SLOT_MINUTES
from bot.assignments.job.daily import JOB as WORKLISTS
from bot.billing_link.rules import key_label
from bot.calendar import add_days
from bot.clock import ShiftedClock
from bot.cockpit.desk import publish_home
from bot.currency import quantum
from bot.errors import UserError
from bot.ids import CallbackId
from bot.job_runs import JobReport, already_ran
from bot.language.rules import SUPPORTED, parse_locale
from bot.ledger.rules.accounts import account_key
from bot.outbox.job import PROCESS_NAME, deliver_due
from bot.roster.desk import choose_language
from bot.roster.records import find_member, supervises
from bot.runtime import Runtime
from bot.settings import Settings
from bot.vocabulary import PaymentMethod
from schedules.jobs import JOBS
from schedules.runner import run_job, tick
from storage.models import Account, Agent, Assignment, Payment
from wiring.sandbox.billing import BillingSystem, answer_words
from wiring.standin.requests import SlackHttpResponse, SlackRequestSender
from wiring.standin.web_api import RecordedResponse, SlackStandIn

JsonDict = dict[str, Any]
# Ephemeral messages come from the bot, and only their person sees them.
_EPHEMERAL = {"ephemeral": True, "bot": True, "user": None}
REFERENCE_PREFIX = "BANK-"
"""The Billing system box's references: BANK-1, BANK-2, … (the next one not yet received)."""
BOX_ACCOUNTS = 50
BOX_AMOUNT = Decimal(100)
"""The box offers this much, or the balance when it is less."""

log = logging.getLogger(__name__)

JOB_LABELS = {
    "train-score": "Train the propensity score",
    "learned-scores": "Score with the learned model",
    "daily-assignments": "Morning worklists",
    "escalation-reminders": "Escalation reminders",
    "supervisor-alerts": "Supervisor alerts",
    "performance-digest-day": "Daily digest",
    "performance-digest-week": "Weekly digest",
    "performance-digest-month": "Monthly digest",
    "housekeeping": "Housekeeping",
    "import-folder": "Import folder",
}
"""What the page's Scheduler box calls each job, in the order of a day: the names share prefixes a
narrow sidebar cuts."""


def job_label(name: str) -> str:
    return JOB_LABELS.get(name, name)


def _in_the_days_order(name: str) -> tuple[int, str]:
    order = list(JOB_LABELS)
    return (order.index(name) if name in order else len(order), name)


def scheduled_moments(settings: Settings, after: datetime, until: datetime) -> list[datetime]:
    """The moments in (after, until] at which the scheduler's minute ticks would have found something
    newly due, oldest first, ending with `until`: each day's midnight (a new day's periods), its
    worklist and digest times, and every alerts slot of its working hours."""
    zone = settings.zone
    times = {time(0, 0), settings.digest_time, settings.daily_digest_time, settings.workday_start}
    moments: set[datetime] = {until}
    day: date = after.astimezone(zone).date()
    while (start := datetime.combine(day, time(0, 0), zone)) <= until:
        slots = set(times)
        slot = datetime.combine(day, settings.workday_start, zone)
        slot = slot.replace(minute=slot.minute - slot.minute % SLOT_MINUTES)
        while slot.time() < settings.workday_end and slot.date() == day:
            slots.add(slot.time())
            slot += timedelta(minutes=SLOT_MINUTES)
        for at in (datetime.combine(start.date(), t, zone) for t in slots):
            if after < at <= until:
                moments.add(at.astimezone(UTC))
        day = add_days(day, 1)
    return sorted(moments)


@dataclass
class Ephemeral:
    """A message only one person sees: an acknowledgement or a response_url post."""

    user: str
    channel: str
    ts: str
    message: JsonDict | None
    at: datetime


def _posted_at(ts: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (ValueError, OverflowError, OSError):
        return None


# The app's shortcuts as manifest.yml declares them (tests/test_manifest.py holds them equal).
SHORTCUTS: list[JsonDict] = [
    {"type": "global", "callback_id": CallbackId.RECORD_PAYMENT_SHORTCUT, "name": "Record a payment"},
    {"type": "global", "callback_id": CallbackId.LOG_CONTACT_SHORTCUT, "name": "Log a contact"},
    {"type": "message", "callback_id": CallbackId.LOG_MESSAGE_SHORTCUT, "name": "Log as contact"},
    {"type": "message", "callback_id": CallbackId.ESCALATE_MESSAGE_SHORTCUT, "name": "Escalate"},
]


class Sandbox:
    def __init__(
        self,
        runtime: Runtime,
        standin: SlackStandIn,
        sender: SlackRequestSender,
        clock: ShiftedClock,
        jobs_ran: Callable[[list[JobReport]], None] = lambda _reports: None,
        billing: BillingSystem | None = None,
    ) -> None:
        self.runtime = runtime
        self.billing = billing
        self._jobs_ran = jobs_ran
        self.slack = standin
        self.send = sender
        self.clock = clock
        self._lock = threading.RLock()
        self._ephemeral_ts = itertools.count(1)
        self._slots: list[Ephemeral] = []
        self._url_slot: dict[str, int | None] = {}  # response_url -> its slot (None: a new one per post)
        self._url_owner: dict[str, tuple[str, str]] = {}  # response_url -> (user, channel)
        self._posts_done = 0
        self._triggers: dict[str, str] = {}  # trigger_id -> the person whose click it came from
        self._closed_views: set[str] = set()
        self._client = WebClient(base_url=standin.api_url, token=standin.token)
        self._dms: dict[str, str] = {}
        self._first_seen: dict[tuple[str, str], tuple[datetime, int]] = {}
        self._sequence = itertools.count()
        self._changes = itertools.count(1)
        self.version = 0
        # One run at a time, off the request; stop() waits for the one in progress.
        self._ticks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-tick")
        self._clock_target: datetime | None = None  # where the clock's last move is taking it
        self._stopping = threading.Event()
        standin.on_call(lambda _call: self._changed())
        standin.on_response(lambda _post: self._changed())

    def _changed(self) -> None:
        self.version = next(self._changes)

    # -- who is who ----------------------------------------------------------------------------

    def people(self) -> list[JsonDict]:
        with self.runtime.db.reading() as session:
            members = session.scalars(
                select(Agent).where(Agent.active.is_(True)).order_by(Agent.role, Agent.name)
            )
            found = [(a.slack_user_id, a.name, a.role) for a in members]
        # The language each person is spoken to in, as the bot chooses it (roster, Slack, team).
        return [
            {"id": user, "name": name, "role": role, "locale": self.runtime.locale_of(user)}
            for user, name, role in found
        ]

    def set_language(self, user: str, locale: str) -> None:
        """The person acted as picks the language the bot speaks to them (the page's menu); what
        the bot sends them from then on is in it, what it sent before stays as it was."""
        chosen = parse_locale(locale)
        if chosen is None:
            raise UserError(f"The bot does not speak {locale!r}.", f"Pick one of {', '.join(SUPPORTED)}.")
        choose_language(self.runtime, user=user, locale=chosen)
        # Their Home follows at once, as it would when they next open it.
        publish_home(self.runtime, user)
        self._changed()

    def register_people(self) -> None:
        """The stand-in answers users.info with the roster's names, each person in the team's zone
        (the zone the page shows times in, date tokens included)."""
        for person in self.people():
            self.slack.add_user(
                person["id"],
                name=person["name"].split()[0].lower(),
                real_name=person["name"],
                tz=self.runtime.settings.timezone,
            )

    def dm_channel(self, user: str) -> str:
        if user not in self._dms:
            self._dms[user] = str(self._client.conversations_open(users=user)["channel"]["id"])
        return self._dms[user]

    def dm_owner(self, channel: str) -> str | None:
        return next((user for user, dm in self._dms.items() if dm == channel), None)

    def conversations(self, user: str) -> list[JsonDict]:
        found = [{"id": self.dm_channel(user), "name": "collect-bot", "kind": "dm"}]
        channel = self.runtime.settings.supervisor_channel
        if channel and self._supervises(user):
            found.insert(0, {"id": channel, "name": self.slack.channel(channel)["name"], "kind": "channel"})
        return found

    def _supervises(self, user: str) -> bool:
        with self.runtime.db.reading() as session:
            return supervises(find_member(session, user))

    # -- what a person sees ----------------------------------------------------------------------

    def state(self, user: str) -> JsonDict:
        self._absorb_response_posts()
        conversations = self.conversations(user)
        now = self.runtime.now().astimezone(self.runtime.zone)
        return {
            "user": user,
            "version": self.version,
            "now": now.isoformat(),
            "now_label": now.strftime("%a %d %b %Y %H:%M") + f" ({self.runtime.settings.timezone})",
            "people": self.people(),
            "conversations": conversations,
            "messages": {c["id"]: self._messages(user, c["id"]) for c in conversations},
            "view": self._open_view(user),
            "home": self.slack.home_view(user),
            "jobs": [
                {"name": name, "label": job_label(name)} for name in sorted(JOBS, key=_in_the_days_order)
            ],
            "hint": self.hint(),
            "shortcuts": SHORTCUTS,
            "billing": self.billing_box(),
        }

    def hint(self) -> str | None:
        """One line on what to do next, while the morning's worklists are still to come."""
        settings = self.runtime.settings
        now = self.runtime.now().astimezone(self.runtime.zone)
        worklists = datetime.combine(now.date(), settings.digest_time, self.runtime.zone)
        if not settings.work_calendar.is_working_day(now.date()) or now >= worklists:
            return None
        with self.runtime.db.reading() as session:
            if already_ran(session, WORKLISTS, now.date().isoformat()):
                return None  # run by hand already
        wait = worklists - now
        button = "+5 min" if wait <= timedelta(minutes=5) else "+1 hour"
        return (
            f"It is {now:%H:%M}: the morning's worklists go out at {worklists:%H:%M}."
            f" Press {button} to see them arrive."
        )

    def _messages(self, user: str, channel: str) -> list[JsonDict]:
        """Oldest first, each at the sandbox time it was posted: a message's ts is that time, as on
        Slack (the stand-in stamps it by the sandbox's clock); an acknowledgement, which has no ts
        of Slack's, at the time it came."""
        shown = [
            self._message(m, *self._seen(channel, str(m.get("ts")))) for m in self.slack.messages(channel)
        ]
        with self._lock:
            mine = [s for s in self._slots if s.user == user and s.channel == channel and s.message]
        shown += [
            {
                **self._message(slot.message or {}, *self._seen(channel, slot.ts, slot.at)),
                "ts": slot.ts,
                **_EPHEMERAL,
            }
            for slot in mine
        ]
        posted = self.slack.ephemeral_messages(channel=channel, user=user)  # chat.postEphemeral
        shown += [{**self._message(m, *self._seen(channel, str(m.get("ts")))), **_EPHEMERAL} for m in posted]
        shown.sort(key=lambda m: (datetime.fromisoformat(m["at"]), m["_order"]))
        for message in shown:
            del message["_order"]
        return shown

    def _seen(self, channel: str, ts: str, at: datetime | None = None) -> tuple[datetime, int]:
        with self._lock:
            _, order = self._first_seen.setdefault((channel, ts), (self.runtime.now(), next(self._sequence)))
        return at or _posted_at(ts) or self._first_seen[(channel, ts)][0], order

    def _message(self, message: JsonDict, at: datetime, order: int) -> JsonDict:
        return {
            "_order": order,
            "at": at.isoformat(),
            "ts": message.get("ts", ""),
            "thread_ts": message.get("thread_ts"),
            "user": None if message.get("bot_id") else message.get("user"),
            "bot": bool(message.get("bot_id")),
            "text": message.get("text", ""),
            "blocks": message.get("blocks") or [],
            "ephemeral": False,
            "files": [self._file(f) for f in message.get("files") or []],
        }

    def _file(self, file: JsonDict) -> JsonDict:
        file_id = str(file.get("id", ""))
        return {
            "id": file_id,
            "title": file.get("title") or file.get("name") or file_id,
            "name": file.get("name") or file_id,
            "mimetype": file.get("mimetype") or "application/octet-stream",
            "filetype": file.get("filetype") or "binary",
            "pretty_type": file.get("pretty_type") or "Binary",
            "url": f"/files/{file_id}",
        }

    def _open_view(self, user: str) -> JsonDict | None:
        opened = [
            call.response.get("view", {}).get("id")
            for call in self.slack.calls("views.open")
            if call.ok and self._triggers.get(str(call.params.get("trigger_id"))) == user
        ]
        current = opened[-1] if opened else None
        if current is None or current in self._closed_views:
            return None
        return self.slack.view(current)

    # -- ephemeral messages ----------------------------------------------------------------------

    def _new_slot(self, user: str, channel: str, message: JsonDict | None) -> int:
        ts = f"{9_000_000_000 + next(self._ephemeral_ts)}.000000"
        self._seen(channel, ts)
        self._slots.append(Ephemeral(user, channel, ts, message, self.runtime.now()))
        self._changed()  # an answer in the acknowledgement makes no Slack call that would say so
        return len(self._slots) - 1

    def _track(self, answer: SlackHttpResponse, user: str, channel: str, slot: int | None = None) -> None:
        """The acknowledgement is the first ephemeral answer; later ones come through response_url."""
        with self._lock:
            body = answer.json() if answer.body.strip().startswith("{") else None
            if body and ("text" in body or "blocks" in body) and not body.get("response_action"):
                slot = self._new_slot(user, channel, body)
            if answer.response_url:
                self._url_owner[answer.response_url] = (user, channel)
                self._url_slot[answer.response_url] = slot
            if answer.trigger_id:
                self._triggers[answer.trigger_id] = user
        self._absorb_response_posts()

    def _absorb_response_posts(self) -> None:
        with self._lock:
            posts = self.slack.response_posts()
            waiting = []
            for post in posts[self._posts_done :]:
                if post.url not in self._url_owner:
                    waiting.append(post)  # its request has not come back yet: next time
                    continue
                self._apply(post)
            self._posts_done = len(posts) - len(waiting)

    def _apply(self, post: RecordedResponse) -> None:
        user, channel = self._url_owner[post.url]
        slot = self._url_slot.get(post.url)
        body = post.body
        if body.get("delete_original") and slot is not None:
            self._slots[slot].message = None
        elif body.get("replace_original") and slot is not None:
            self._slots[slot].message = body
        else:
            self._url_slot[post.url] = self._new_slot(user, channel, body)

    # -- what a person does ----------------------------------------------------------------------

    def command(self, user: str, channel: str, typed: str) -> None:
        command, _, text = typed.strip().partition(" ")
        if command != "/collect":
            raise UserError("In the sandbox, type a /collect command.", "For example `/collect help`.")
        answer = self.send.slash_command(user, text, channel_id=channel)
        self._track(answer, user, channel)

    def action(self, user: str, action: JsonDict, *, channel: str | None, message_ts: str | None,
               view_id: str | None) -> None:  # fmt: skip
        if view_id:
            view = self.slack.view(view_id) or {"id": view_id, "blocks": []}
            answer = self.send.block_actions(user, [action], view=view)
            self._track(answer, user, channel or self.dm_channel(user))
            return
        assert channel and message_ts
        slot = self._slot_at(user, channel, message_ts)
        message = self._slots[slot].message if slot is not None else self._find(channel, message_ts)
        container = {
            "type": "message",
            "channel_id": channel,
            "message_ts": message_ts,
            "is_ephemeral": slot is not None,
        }
        answer = self.send.block_actions(
            user,
            [action],
            channel_id=channel,
            message={**(message or {}), "ts": message_ts},
            container=container,
        )
        self._track(answer, user, channel, slot)

    def shortcut(
        self, user: str, callback_id: str, *, channel: str | None = None, message_ts: str | None = None
    ) -> None:
        """A shortcut from the composer's ⚡ (global), or from a message's ⋯ (that message's)."""
        kind = next((s["type"] for s in SHORTCUTS if s["callback_id"] == callback_id), None)
        if kind is None:
            raise UserError("The app has no such shortcut.")
        if kind == "global":
            self._track(self.send.shortcut(user, callback_id), user, channel or self.dm_channel(user))
            return
        message = self._find(channel, message_ts) if channel and message_ts else None
        if message is None:
            raise UserError("Pick a message for this shortcut; ephemeral ones have none.")
        assert channel is not None
        self._track(self.send.message_action(user, callback_id, message, channel_id=channel), user, channel)

    def _slot_at(self, user: str, channel: str, ts: str) -> int | None:
        with self._lock:
            for index, slot in enumerate(self._slots):
                if slot.user == user and slot.channel == channel and slot.ts == ts:
                    return index
        return None

    def _find(self, channel: str, ts: str) -> JsonDict | None:
        return next((m for m in self.slack.messages(channel) if m.get("ts") == ts), None)

    def submit(self, user: str, view_id: str, values: JsonDict) -> JsonDict:
        view = self.slack.view(view_id)
        if view is None:
            return {"error": "that form is gone"}
        answer = self.send.view_submission(user, view, values)
        body = answer.json() if answer.body.strip().startswith("{") else None
        if body and body.get("response_action") == "errors":
            return {"errors": body.get("errors", {})}
        if body and body.get("response_action") == "update":
            # Another view in its place (a document's preview, then what was sent): it stays open.
            self.slack.answer_submission(view_id, body)
            self._changed()
            return {"ok": True}
        self._closed_views.add(view_id)
        self._changed()
        return {"ok": True}

    def close(self, user: str, view_id: str) -> None:
        view = self.slack.view(view_id)
        if view is not None:
            self.send.view_closed(user, view)
        self._closed_views.add(view_id)
        self._changed()

    def options(self, user: str, view_id: str, block_id: str, action_id: str, value: str) -> JsonDict:
        answer = self.send.block_suggestion(user, action_id, block_id, value, view=self.slack.view(view_id))
        body = answer.json() if answer.body.strip().startswith("{") else None
        return {"options": (body or {}).get("options", [])}

    def reply(self, user: str, channel: str, thread_ts: str, text: str) -> None:
        """A reply typed in a thread. Slack sends the bot a message event only where it subscribed
        (message.channels, message.groups: the supervisors' channel); the bot's DM is its
        read-only Messages tab, where Slack takes no reply at all."""
        if channel.startswith("D") or channel in self._dms.values():
            raise UserError(
                "Slack takes no replies in the bot's direct messages (its Messages tab is read-only):"
                " use the message's buttons, or type a /collect command."
            )
        posted = self.slack.add_user_message(channel, user, text, thread_ts=thread_ts)
        private = bool(self.slack.channel(channel).get("is_private"))
        event = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": posted["ts"],
            "thread_ts": thread_ts,
            "event_ts": posted["ts"],
            "channel_type": "group" if private else "channel",
        }
        self.send.event(event)
        self._changed()

    def open_home(self, user: str, tab: str = "home") -> None:
        """Slack sends app_home_opened each time a person enters the app: its Home tab (with the
        view last published for them, if any) or its Messages tab (the DM)."""
        if tab not in ("home", "messages"):
            raise UserError("The app's tabs are home and messages.")
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user,
            "tab": tab,
            "channel": self.dm_channel(user),
        }
        published = self.slack.home_view(user) if tab == "home" else None
        if published is not None:
            event["view"] = published
        self.send.event(event)

    # -- the billing system ----------------------------------------------------------------------

    def billing_box(self) -> JsonDict | None:
        """What the Billing system box offers: the accounts on today's lists (the first one with a
        balance pre-filled, so its agent hears of the payment), an amount, the methods, and the
        next reference not yet received. Only the key's label is shown, never the secret."""
        if self.billing is None:
            return None
        today = self.runtime.now().astimezone(self.runtime.zone).date()
        with self.runtime.db.reading() as session:
            listed = session.execute(
                select(Account.account_id, Account.balance, Account.currency)
                .join(Assignment, Assignment.account_pk == Account.id)
                .where(Assignment.work_date == today, Account.balance > Decimal(0))
                .order_by(Assignment.rank, Assignment.agent, Account.account_id)
                .limit(BOX_ACCOUNTS)
            ).all()
            if not listed:  # before the morning's lists: any account that owes
                listed = session.execute(
                    select(Account.account_id, Account.balance, Account.currency)
                    .where(Account.balance > Decimal(0))
                    .order_by(Account.account_id)
                    .limit(BOX_ACCOUNTS)
                ).all()
            used = session.scalars(
                select(Payment.reference).where(Payment.reference.like(REFERENCE_PREFIX + "%"))
            ).all()
        numbers = [
            int(r[len(REFERENCE_PREFIX) :]) for r in used if r and r[len(REFERENCE_PREFIX) :].isdigit()
        ]
        first = listed[0] if listed else None
        amount = min(first.balance, BOX_AMOUNT).quantize(quantum(first.currency)) if first else None
        return {
            "accounts": [row.account_id for row in listed],
            "account": first.account_id if first else "",
            "amount": str(amount) if amount is not None else "",
            "methods": [str(method) for method in PaymentMethod],
            "reference": f"{REFERENCE_PREFIX}{max(numbers, default=0) + 1}",
            "key": key_label(self.billing.secret),
        }

    def send_payment(self, account: str, amount: str, method: str, reference: str) -> JsonDict:
        """The box's Send payment: signed and posted to the bot's API as a billing system would,
        then the outbox delivered, in turn with the clock (scheduled_tick), so the agent's edited
        morning message and DM show at once."""
        if self.billing is None:
            raise UserError("This sandbox's bot has no billing API.")
        account, amount, reference = account.strip(), amount.strip(), reference.strip()
        if not (account and amount and reference):
            raise UserError("Send a payment with an account, an amount and a reference (like BANK-1).")
        if method and method not in {str(m) for m in PaymentMethod}:
            raise UserError(f"Pick a method: {', '.join(str(m) for m in PaymentMethod)}.")
        try:
            return self._ticks.submit(self._send_payment, account, amount, method, reference).result()
        except RuntimeError:
            raise UserError("The sandbox is stopping.") from None

    def _send_payment(self, account: str, amount: str, method: str, reference: str) -> JsonDict:
        assert self.billing is not None
        now = self.runtime.now()
        with self.runtime.db.reading() as session:
            currency = session.scalar(
                select(Account.currency).where(Account.account_key == account_key(account))
            )
        payment = {
            "account_id": account,
            "amount": amount,
            "currency": currency or self.runtime.settings.target_currency,
            "received_at": now.isoformat(),
            "reference": reference,
        }
        if method:
            payment["method"] = method
        answer = self.billing.post_payment(payment, now)
        deliver_due(self.runtime)
        self._changed()
        body = answer.body if isinstance(answer.body, dict) else {}
        results = body.get("results") if answer.status == 200 else None
        message = answer_words(answer, account, reference)
        if (
            isinstance(results, list)
            and results
            and isinstance(results[0], dict)
            and results[0].get("result") == "applied"
        ):
            listed = self._listed_to(account, now)
            if listed:
                message += f" It is on {listed}'s list today: act as them to see what they were told."
        return {
            "ok": True,
            "status": answer.status,
            "results": results if isinstance(results, list) else [],
            "message": message,
        }

    def _listed_to(self, account: str, now: datetime) -> str | None:
        """The name of the agent whose list has the account today, if any."""
        today = now.astimezone(self.runtime.zone).date()
        with self.runtime.db.reading() as session:
            return session.scalar(
                select(Agent.name)
                .join(Assignment, Assignment.agent == Agent.slack_user_id)
                .join(Account, Account.id == Assignment.account_pk)
                .where(Assignment.work_date == today, Account.account_key == account_key(account))
            )

    # -- the scheduler and its clock -------------------------------------------------------------

    def move_clock(self, delta: timedelta) -> None:
        """A day can pass in a click: the clock steps through every moment something fell due in
        between (the evening's digest, each alerts slot, the next morning's worklists), and the
        scheduler runs at each, in order, as its minute ticks would have. Off the request; a second
        click goes on from where the first one is taking the clock."""
        with self._lock:
            base = max(self._clock_target or self.clock.now(), self.clock.now())
            self._clock_target = base + delta
            target = self._clock_target
        self._ticks.submit(self._catch_up, target)

    def settle(self) -> None:
        """Returns once every move of the clock so far has been run through."""
        self._ticks.submit(lambda: None).result()

    def _catch_up(self, target: datetime) -> None:
        for moment in scheduled_moments(self.runtime.settings, self.clock.now(), target):
            if self._stopping.is_set():
                return  # stopping mid-month: the moment in progress is the last
            ahead = moment - self.clock.now()
            if ahead > timedelta(0):
                self.clock.advance(ahead)
            self._tick()

    def stop(self) -> None:
        """Waits for the scheduler's run the clock started (the one in progress; the moments after
        it are dropped): one still running after the sandbox stopped would write into a database
        its owner may already be reusing."""
        self._stopping.set()
        self._ticks.shutdown(wait=True)

    def _tick(self) -> None:
        try:
            tick(self.runtime, by=f"sandbox@{PROCESS_NAME}", after_jobs=self._jobs_ran)
        except Exception:
            log.exception("the sandbox's scheduler run failed; the next move of the clock runs it again")
        self._changed()

    def scheduled_tick(self) -> None:
        """The scheduler's minute, taken in turn with the clock's moves and Run now: one at a time,
        so a message is never delivered by one of them after another has moved the clock on."""
        if self._stopping.is_set():
            return
        # Stopped between the check and the submit: the minute is dropped with the rest.
        with contextlib.suppress(RuntimeError):
            self._ticks.submit(self._tick)

    def run(self, job: str) -> str:
        """Run now, in turn with the clock (scheduled_tick)."""
        return self._ticks.submit(self._run_now, job).result()

    def _run_now(self, job: str) -> str:
        """A digest is an extra one, leaving the scheduled run of its period to come."""
        report = run_job(self.runtime, job, self.runtime.now(), by="sandbox (run now)", extra=True)
        deliver_due(self.runtime)
        if report.ran:
            self._jobs_ran([report])
        self._changed()
        return report.message
