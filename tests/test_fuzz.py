"""Hypothesis against the real endpoint: arbitrary text after every `/collect` subcommand, arbitrary
values in every form field, malformed requests. Never a 5xx, never a stack trace, and afterwards
the ledger still adds up."""

from __future__ import annotations

import copy
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.request import BoltRequest
from sqlalchemy import delete, func, select, update

from bot.ids import ActionId, BlockId, CallbackId
from storage.models import (
    Account,
    Agent,
    AuditEntry,
    Contact,
    Escalation,
    Payment,
    Promise,
)
from tests.conftest import RunningBot
from wiring.standin.requests import SlackHttpResponse

AGENT, OTHER_AGENT, SUPERVISOR, STRANGER = "U0AGENT1", "U0AGENT2", "U0SUPER1", "U0STRANGER"
USERS = [AGENT, SUPERVISOR, STRANGER]
SUBCOMMANDS = [
    "help", "account", "log", "pay", "promise", "mine", "away", "assign", "escalate", "escalations",
    "report", "target", "hold", "release", "override", "team",
]  # fmt: skip
OPENING_BALANCES = {
    "ACC-1042": Decimal("1250.00"),
    "ACC-1043": Decimal("80.00"),
    "ACC-2001": Decimal("4310.00"),
    "EU-77": Decimal("40.00"),
}
ROSTER = {AGENT: "agent", OTHER_AGENT: "agent", SUPERVISOR: "supervisor"}
FAILURE = "Something went wrong"  # the apology for an unexpected exception (handlers/answering.py)


def restore_roster(bot: RunningBot) -> None:
    """`team add/remove` typed by the fuzzer must not lock the next examples out."""
    with bot.runtime.db.transaction() as session:
        session.execute(delete(Agent).where(Agent.slack_user_id.not_in(list(ROSTER))))
        for user, role in ROSTER.items():
            session.execute(update(Agent).where(Agent.slack_user_id == user).values(active=True, role=role))


# ---------------------------------------------------------------------------------------------
# What the fuzzer types

WORDS = [
    "ACC-1042", "acc-1043", "EU-77", "ACC-2001", "NOPE-1", "ACC-104", "10", "1,250.00", "$5", "R$ 1.250,00",
    "€40", "-5", "0", "0.001", "12.345", "1e9", "NaN", "Infinity", "99999999999999999999999", "call",
    "email", "sms", "visit", "rpc", "vm", "no-answer", "dispute", "callback", "check", "ach", "pix",
    "ref:R1", "ref:", "ref:" + "R" * 150, "friday", "tomorrow", "today", "2026-11-30", "2026-02-30",
    "2026-11-01", "9999-12-31", "<@U0AGENT1|ana>", "<@U0AGENT2>", "<@UNOBODY>", "<@U0STRANGER|x>",
    "<!channel>", "<#C0GENERAL|general>", "agent", "supervisor", "manager", "admin", "add", "remove", "list",
    "day", "week", "month", "settlement", "payment-plan", "plan", "write-off", "hardship", "legal",
    "dispute-review", "until", "for", "x", "over", "6", "monthly", "fdcpa", "time-of-day", "7-in-7",
    "`", "*bold*", "&amp;", "\u200b", "\x00", "\ud7ff", "🙂", "x" * 3000,
]  # fmt: skip

words = st.one_of(st.sampled_from(WORDS), st.text(max_size=40))
tails = st.one_of(
    st.lists(words, max_size=8).map(" ".join),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
)
random_words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Zs", "Cc"]), min_size=1, max_size=20
)
subcommands = st.one_of(
    st.sampled_from(SUBCOMMANDS),
    st.sampled_from(SUBCOMMANDS).map(str.upper),
    random_words.filter(lambda word: word.lower() not in SUBCOMMANDS),
)


@dataclass
class Seen:
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # what produced the unexpected-failure apology

    def check(self, typed: str, response: SlackHttpResponse) -> None:
        self.statuses[response.status] += 1
        assert response.status < 500, (typed, response.status, response.body)
        assert response.status == 200, (typed, response.status, response.body)
        assert "Traceback" not in response.body and 'File "' not in response.body, typed
        if FAILURE in response.body:
            self.failures.append(typed)


def test_any_text_after_any_subcommand_never_breaks_the_bot(team: RunningBot) -> None:
    bot = team
    seen = Seen()

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        subcommand=subcommands,
        tail=tails,
        user=st.sampled_from(USERS),
        joiner=st.sampled_from([" ", "  ", "\n", "\t"]),
    )
    def typed_by_anyone(subcommand: str, tail: str, user: str, joiner: str) -> None:
        restore_roster(bot)
        typed = f"{subcommand}{joiner}{tail}" if tail else subcommand
        seen.check(typed, bot.send.slash_command(user, typed))

    typed_by_anyone()
    late = json.dumps(bot.slack.responses())  # answers that came after "Working on it"
    assert "Traceback" not in late and 'File "' not in late
    assert not seen.failures, f"unexpected failures for: {seen.failures[:5]!r}"
    ledger_adds_up(bot)


@pytest.mark.parametrize(
    "typed",
    ["account ACC-1042\x00", "log ACC-1042 call vm said hi\x00", "pay ACC-1042 5 ref:R\x001",
     "escalate ACC-1042 dispute-review says\x00 it was paid"],
)  # fmt: skip
def test_a_nul_character_is_refused_or_ignored_not_an_internal_failure(team: RunningBot, typed: str) -> None:
    response = team.send.slash_command(AGENT, typed)
    assert response.status == 200 and "Traceback" not in response.body
    assert FAILURE not in response.body, response.body


def ledger_adds_up(bot: RunningBot) -> None:
    """Every balance is its opening balance less what is recorded against it, and every audit row
    describes a change that is there (and every change has its audit row)."""
    with bot.runtime.db.reading() as session:
        accounts = {a.account_id: a for a in session.scalars(select(Account))}
        paid = dict(
            session.execute(
                select(Account.account_id, func.sum(Payment.amount))
                .join(Payment, Payment.account_pk == Account.id)
                .group_by(Account.account_id)
            ).all()
        )
        audits = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        payment_ids = set(session.scalars(select(Payment.id)))
        contact_ids = set(session.scalars(select(Contact.id)))
        promises = session.scalar(
            select(func.count()).select_from(Promise).where(Promise.plan_escalation_id.is_(None))
        )
    forgiven: dict[str, Decimal] = defaultdict(Decimal)
    for entry in audits:
        if entry.action == "payment.recorded" and entry.after and "settlement_forgiven" in entry.after:
            forgiven[entry.entity_key] += Decimal(entry.after["settlement_forgiven"])
    for account_id, opening in OPENING_BALANCES.items():
        account = accounts[account_id]
        reduced = (
            Decimal(paid.get(account_id) or 0) + (account.written_off_amount or 0) + forgiven[account_id]
        )
        assert account.balance == opening - reduced, (account_id, account.balance, opening, reduced)

    def audited(action: str, key: str) -> list[Any]:
        return [entry.after[key] for entry in audits if entry.action == action and entry.after]

    assert sorted(payment["id"] for payment in audited("payment.recorded", "payment")) == sorted(payment_ids)
    assert sorted(audited("contact.logged", "contact_id")) == sorted(contact_ids)
    assert len(audited("promise.recorded", "promise")) == promises
    # The last audited state of each account is its state now: no audit row for a change that
    # was rolled back, no balance or status change without its audit row.
    last_state: dict[str, dict[str, Any]] = {}
    for entry in audits:
        if entry.entity == "account" and entry.after and "balance" in entry.after:
            last_state[entry.entity_key] = entry.after
    for account_id, state in last_state.items():
        assert Decimal(state["balance"]) == accounts[account_id].balance, account_id
        assert state["status"] == accounts[account_id].status, account_id


# ---------------------------------------------------------------------------------------------
# 6. Arbitrary values in every form field

FORMS = {
    "pay": CallbackId.PAY_MODAL,
    "log": CallbackId.LOG_MODAL,
    "promise": CallbackId.PROMISE_MODAL,
    "escalate": CallbackId.ESCALATE_MODAL,
}
ACCOUNTS = ["ACC-1042", "ACC-1043", "EU-77", "ACC-2001", "NOPE-1"]
TEXTS = ["10", "1,250.00", "$5", "€40", "R$ 40", "0", "-1", "12.345", "6", "0006", "²", "٣", "1e3",
         "99999999999999999999", "call after 6pm", "CHK-77", " ", ""]  # fmt: skip

junk = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)  # fmt: skip
huge = st.text(min_size=2001, max_size=20_000)
texts = st.one_of(st.sampled_from(TEXTS), st.text(max_size=120), huge, junk)
dates = st.one_of(
    st.dates(min_value=date(2026, 11, 24), max_value=date(2027, 6, 1)).map(date.isoformat),
    st.dates().map(date.isoformat),
    st.text(max_size=20),
    junk,
)


def element_state(element: dict[str, Any], block_id: str) -> st.SearchStrategy[Any]:
    """What Slack would send for this element, with any content (and sometimes junk) in it."""
    kind = str(element.get("type"))
    if kind in ("external_select", "static_select"):
        offered = [str(o["value"]) for o in element.get("options", [])]
        values = st.sampled_from(ACCOUNTS if block_id == BlockId.ACCOUNT else [*offered, "bogus"])
        option = st.fixed_dictionaries(
            {"value": st.one_of(values, st.text(max_size=40), huge)},
            optional={"text": st.just({"type": "plain_text", "text": "x"})},
        )
        return st.fixed_dictionaries(
            {"type": st.just(kind), "selected_option": st.one_of(option, st.none(), junk)}
        )
    if kind == "datepicker":
        return st.fixed_dictionaries({"type": st.just(kind), "selected_date": dates})
    return st.fixed_dictionaries({"type": st.just(kind), "value": texts})


def form_values(view: dict[str, Any]) -> st.SearchStrategy[Any]:
    """state.values for this view: each input block right-shaped with any content, or missing, or junk."""
    shaped: dict[str, st.SearchStrategy[Any]] = {}
    mixed: dict[str, st.SearchStrategy[Any]] = {}
    for block in input_blocks(view).values():
        block_id, element = str(block["block_id"]), block["element"]
        action = str(element["action_id"])
        shaped[block_id] = st.fixed_dictionaries({action: element_state(element, block_id)})
        mixed[block_id] = st.one_of(
            shaped[block_id],
            st.fixed_dictionaries({action: junk}),
            st.dictionaries(st.text(max_size=10), junk, max_size=2),
            junk,
        )
    return st.one_of(
        st.fixed_dictionaries({}, optional=shaped),
        st.fixed_dictionaries(shaped),
        st.fixed_dictionaries({}, optional=mixed),
        junk,
    )


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(b["block_id"]): b for b in view["blocks"] if b.get("type") == "input"}


def as_slack_sends(view: dict[str, Any], values: Any) -> bool:
    """Whether Slack itself could have sent these values for this view: the right shapes, only the
    options offered, texts within the element's max_length, real dates, whole numbers ≥ min_value."""
    blocks = input_blocks(view)
    if not isinstance(values, dict) or not set(values) <= set(blocks):
        return False
    for block_id, actions in values.items():
        element = blocks[block_id]["element"]
        if not isinstance(actions, dict) or set(actions) != {element["action_id"]}:
            return False
        state = actions[element["action_id"]]
        if not isinstance(state, dict) or state.get("type") != element["type"]:
            return False
        if not _slack_could_send(element, block_id, state):
            return False
    return True


def _slack_could_send(element: dict[str, Any], block_id: str, state: dict[str, Any]) -> bool:
    kind = element["type"]
    if kind in ("external_select", "static_select"):
        option = state.get("selected_option")
        if option is None:
            return True
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            return False
        offered = [o["value"] for o in element.get("options", [])]
        return option["value"] in (ACCOUNTS if block_id == BlockId.ACCOUNT else offered)
    if kind == "datepicker":
        picked = state.get("selected_date")
        return picked is None or (isinstance(picked, str) and _is_iso_date(picked))
    value = state.get("value")
    if value is None:
        return True
    if not isinstance(value, str) or len(value) > int(element.get("max_length", 3000)):
        return False
    if kind == "number_input":
        return value.isascii() and value.isdigit() and int(value) >= int(element.get("min_value", 0))
    return True


def _is_iso_date(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _picked(action: str, value: str, kind: str = "static_select") -> dict[str, Any]:
    return {action: {"type": kind, "selected_option": {"value": value}}}


def _typed(action: str, value: str) -> dict[str, Any]:
    return {action: {"type": "plain_text_input", "value": value}}


HAND_FILLED: dict[str, dict[str, Any]] = {
    "pay": {
        BlockId.ACCOUNT: _picked(ActionId.ACCOUNT_PICKER, "ACC-1042", "external_select"),
        BlockId.AMOUNT: _typed(ActionId.AMOUNT_INPUT, "1.00"),
        BlockId.REFERENCE: _typed(ActionId.REFERENCE_INPUT, "HAND-1"),
    },
    "log": {
        BlockId.ACCOUNT: _picked(ActionId.ACCOUNT_PICKER, "ACC-1042", "external_select"),
        BlockId.CHANNEL: _picked(ActionId.CHANNEL_SELECT, "email"),
        BlockId.OUTCOME: _picked(ActionId.OUTCOME_SELECT, "no-answer"),
    },
    "promise": {
        BlockId.ACCOUNT: _picked(ActionId.ACCOUNT_PICKER, "ACC-1042", "external_select"),
        BlockId.AMOUNT: _typed(ActionId.AMOUNT_INPUT, "5"),
        BlockId.DATE: {ActionId.DATE_PICKER: {"type": "datepicker", "selected_date": "2026-12-01"}},
    },
    "escalate": {
        BlockId.ACCOUNT: _picked(ActionId.ACCOUNT_PICKER, "EU-77", "external_select"),
        BlockId.KIND: _picked(ActionId.ESCALATION_KIND_SELECT, "dispute-review"),
        BlockId.REASON: _typed(ActionId.ESCALATION_REASON_INPUT, "says it was paid"),
    },
}


@pytest.fixture
def forms(team: RunningBot) -> dict[str, dict[str, Any]]:
    """Each form as views.open received it, opened the way a person does: the bare command."""
    opened = {}
    for n, (name, callback) in enumerate(FORMS.items(), 1):
        assert team.send.slash_command(AGENT, name).status == 200
        view = team.slack.wait_for("views.open", count=n)[-1].response["view"]
        assert view["callback_id"] == callback
        opened[name] = view
    return opened


def test_any_value_in_any_form_field_is_refused_inline_or_recorded(
    team: RunningBot, forms: dict[str, dict[str, Any]]
) -> None:
    bot = team
    # Each form records what a person fills in properly (random values rarely are all right).
    for name, values in HAND_FILLED.items():
        view = copy.deepcopy(forms[name])
        view["id"] = f"V{secrets.token_hex(5).upper()}"
        response = bot.send.view_submission(AGENT, view, values)
        assert response.status == 200 and response.body == "", (name, response.body)
    outcomes: Counter[str] = Counter()
    failures: list[tuple[str, Any]] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data(), name=st.sampled_from(sorted(FORMS)), user=st.sampled_from([AGENT, SUPERVISOR]))
    def submitted(data: st.DataObject, name: str, user: str) -> None:
        view = copy.deepcopy(forms[name])
        view["id"] = f"V{secrets.token_hex(5).upper()}"  # a new form each time, as after reopening it
        values = data.draw(form_values(view), label="values")
        response = bot.send.view_submission(user, view, values)
        assert response.status == 200, (name, values, response.status, response.body)
        assert "Traceback" not in response.body and 'File "' not in response.body
        if response.body == "":
            outcomes[f"{name}: closed"] += 1
            return
        answer = response.json()
        assert answer["response_action"] == "errors", answer
        errors = answer["errors"]
        assert errors and set(errors) <= set(input_blocks(view)), (errors, set(input_blocks(view)))
        assert all(isinstance(text, str) and text for text in errors.values())
        outcomes[f"{name}: errors"] += 1
        # The apology for an unexpected exception is fair for what Slack never sends; for what it
        # does send, the person must be told what to change.
        slack_sends = as_slack_sends(view, values) and "\\u0000" not in json.dumps(values)
        if slack_sends and any(FAILURE in text for text in errors.values()):
            failures.append((name, values))

    submitted()
    assert not failures, f"apologies for input Slack sends: {failures[:3]!r}"
    assert outcomes
    ledger_adds_up(bot)


# ---------------------------------------------------------------------------------------------
# 7. Malformed requests


def rows(bot: RunningBot) -> tuple[int, ...]:
    with bot.runtime.db.reading() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Payment, Contact, Promise, AuditEntry, Escalation)
        )


FORM = "application/x-www-form-urlencoded"
UNREADABLE = "not a request Slack sends"  # wiring/web.py's 400 for signed bodies Bolt cannot read


def slash_body(text: str, user: str = AGENT) -> bytes:
    return urlencode(
        {"command": "/collect", "text": text, "user_id": user, "team_id": "T0TEAM", "channel_id": "C0GENERAL",
         "response_url": "http://127.0.0.1:9/nowhere", "trigger_id": "1.2.3"}
    ).encode()  # fmt: skip


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
SLACK_KEYS = [
    "type", "team", "team_id", "user", "user_id", "event", "event_id", "channel", "channel_id", "view",
    "actions", "container", "enterprise", "enterprise_id", "authorizations", "command", "text", "api_app_id",
    "trigger_id", "response_url", "message", "state", "is_enterprise_install", "callback_id", "challenge",
]  # fmt: skip
KINDS = ["event_callback", "block_actions", "view_submission", "block_suggestion", "url_verification",
         "view_closed", "shortcut", "message_action"]  # fmt: skip
slack_shaped = st.dictionaries(st.sampled_from(SLACK_KEYS), json_values, max_size=6) | st.builds(
    lambda kind, rest: {"type": kind, **rest},
    st.sampled_from(KINDS),
    st.dictionaries(st.sampled_from(SLACK_KEYS), json_values, max_size=5),
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.sampled_from([b"payload=", b"payload=%7B", b"payload=null", b"payload=%5B%5D", b"payload=1",
                     b'payload="x"', b"{", b"[]", b"null", b"{}", b'{"type":"event_callback"}',
                     b'{"type":"url_verification","challenge":"c"}', b"\xff\xfe\x00"]),
    slack_shaped.map(lambda d: json.dumps(d).encode()),
    slack_shaped.map(lambda d: urlencode({"payload": json.dumps(d)}).encode()),
    st.dictionaries(st.sampled_from(SLACK_KEYS), st.text(max_size=20), max_size=5).map(
        lambda d: urlencode(d).encode()
    ),
)  # fmt: skip
content_types = st.sampled_from(
    [FORM, "application/json", "text/plain", "application/xml", "multipart/form-data; boundary=x", "", "*/*"]
)


def bolt_cannot_parse(body: bytes, content_type: str) -> bool:
    """Whether Bolt's BoltRequest raises on this body: the bot checks the signature on the raw bytes
    first, so these get 401 unsigned and 400 signed."""
    try:
        BoltRequest(body=body.decode("utf-8"), headers={"content-type": content_type} if content_type else {})
    except Exception:
        return True
    return False


@pytest.fixture
def quiet_ledger(team: RunningBot) -> Iterator[RunningBot]:
    before = rows(team)
    yield team
    assert rows(team) == before, "a refused request wrote something"


def test_malformed_requests_are_refused_and_write_nothing(quiet_ledger: RunningBot) -> None:
    bot = quiet_ledger
    statuses: Counter[tuple[str, int]] = Counter()

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        body=bodies, content_type=content_types, signing=st.sampled_from(["none", "wrong", "stale", "valid"])
    )
    def malformed(body: bytes, content_type: str, signing: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        if signing == "valid":
            headers |= bot.send.sign(body)
        elif signing == "stale":
            headers |= bot.send.sign(body, int(time.time()) - 301)
        elif signing == "wrong":
            headers |= {**bot.send.sign(body), "X-Slack-Signature": "v0=" + "0" * 64}
        response = bot.send.raw(body, headers)
        assert "Traceback" not in response.body and 'File "' not in response.body
        if bolt_cannot_parse(body, content_type):
            statuses[("unparsable", response.status)] += 1
            assert response.status in (400, 401), response.status
            return
        statuses[(signing, response.status)] += 1
        assert response.status < 500, (body, content_type, signing, response.status, response.body)
        if signing != "valid":
            assert response.status == 401, (body, content_type, signing, response.status)
        elif not (response.status == 400 and response.body == UNREADABLE):
            # Bolt can also fail later, while dispatching (e.g. `actions: null`): wiring/web.py then
            # answers its 400 for signed but unreadable requests, which the check above cannot foresee.
            assert response.status in (200, 404), (body, content_type, response.status, response.body)

    malformed()
    assert statuses


MALFORMED_EXAMPLES = [
    pytest.param(b"payload=%7Bnot-json", FORM, id="invalid JSON in payload"),
    pytest.param(b"payload=%5B1%5D", FORM, id="payload a JSON list"),
    pytest.param(b'payload="x"', FORM, id="payload a JSON string"),
    pytest.param(b"[1, 2]", "application/json", id="JSON body a list"),
    pytest.param(b"{oops", "text/plain", id="a brace, not JSON"),
    pytest.param(b"\xff\xfe", FORM, id="not UTF-8"),
    pytest.param(b'{"type":"block_actions","":null,"actions":null}', FORM, id="JSON sent as a form"),
    # Bolt reads the first action while it builds a listener's arguments: an IndexError, not one of
    # the parsing errors, found by the fuzz test above on PostgreSQL.
    pytest.param(b'{"type":"block_actions","actions":[]}', "application/json", id="no actions, JSON"),
    pytest.param(
        urlencode({"payload": '{"type":"block_actions","actions":[]}'}).encode(), FORM, id="no actions, form"
    ),
]


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(("body", "content_type"), MALFORMED_EXAMPLES)
def test_an_unparsable_body_gets_a_4xx_not_a_500(
    quiet_ledger: RunningBot, body: bytes, content_type: str, signed: bool
) -> None:
    headers = {"Content-Type": content_type, **(quiet_ledger.send.sign(body) if signed else {})}
    response = quiet_ledger.send.raw(body, headers)
    # Signed bytes that are not UTF-8 cannot even be verified (slack-sdk decodes them): 401 too.
    assert response.status in ((400, 401) if signed else (401,)), response.status


def test_unsigned_forged_and_stale_requests_get_401(quiet_ledger: RunningBot) -> None:
    bot = quiet_ledger
    body = slash_body("pay ACC-1042 10 ref:FORGED")
    assert bot.send.raw(body, {"Content-Type": FORM}).status == 401
    forged = {"Content-Type": FORM, **bot.send.sign(body), "X-Slack-Signature": "v0=" + "f" * 64}
    assert bot.send.raw(body, forged).status == 401
    signed_for_another_body = {"Content-Type": FORM, **bot.send.sign(b"something else")}
    assert bot.send.raw(body, signed_for_another_body).status == 401
    for age in (301, 3600, -301):  # older than five minutes, or from the future
        stale = {"Content-Type": FORM, **bot.send.sign(body, int(time.time()) - age)}
        assert bot.send.raw(body, stale).status == 401, age
    no_timestamp = {"Content-Type": FORM, "X-Slack-Signature": bot.send.sign(body)["X-Slack-Signature"]}
    assert bot.send.raw(body, no_timestamp).status == 401


def test_a_timestamp_that_is_not_a_number_gets_401(quiet_ledger: RunningBot) -> None:
    bot = quiet_ledger
    body = slash_body("pay ACC-1042 10 ref:WHEN")
    headers = {"Content-Type": FORM, **bot.send.sign(body), "X-Slack-Request-Timestamp": "soon"}
    response = bot.send.raw(body, headers)
    assert response.status < 500 and "Traceback" not in response.body
    assert response.status == 401, (response.status, response.body)


def test_a_replayed_payment_is_answered_and_refused_as_a_replay(team: RunningBot) -> None:
    """Slack's signature has no nonce: within five minutes a replay verifies, by Slack's design.
    Slack never re-sends a slash command, so the same signature again is refused as a replay
    before the ledger sees it (the payment's reference would stop it there too)."""
    bot = team
    body = slash_body("pay ACC-1042 10 ref:REPLAY-1")
    headers = {"Content-Type": FORM, **bot.send.sign(body)}
    first, second = bot.send.raw(body, headers), bot.send.raw(body, headers)
    assert first.status == 200 and "Recorded $10.00" in first.body
    assert second.status == 200 and "already received" in second.body
    with bot.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 1
        balance = session.scalars(select(Account.balance).where(Account.account_id == "ACC-1042")).one()
    assert balance == Decimal("1240.00")


def test_a_replayed_event_is_handled_once(team: RunningBot) -> None:
    bot = team
    envelope = {
        "type": "event_callback", "team_id": "T0TEAM", "api_app_id": "A0COLLECT", "event_id": "Ev0REPLAY1",
        "event_time": int(time.time()), "event": {"type": "app_home_opened", "user": AGENT, "tab": "home"},
    }  # fmt: skip
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json", **bot.send.sign(body)}
    assert [bot.send.raw(body, headers).status for _ in range(2)] == [200, 200]
    bot.slack.wait_for("views.publish")
    assert len(bot.slack.calls("views.publish")) == 1


def test_a_body_just_over_the_apps_limit_gets_413(quiet_ledger: RunningBot) -> None:
    body = slash_body("log ACC-1042 call vm " + "x" * 1_000_001)  # under waitress's limit, over the app's
    headers = {"Content-Type": FORM, **quiet_ledger.send.sign(body)}
    assert quiet_ledger.send.raw(body, headers).status == 413


def test_a_2_mb_body_gets_413_before_it_is_sent(quiet_ledger: RunningBot) -> None:
    """The server answers from the headers alone, so a client that waits for the answer (as
    HTTP's early responses allow) reads 413 without sending the 2 MB."""
    body = slash_body("log ACC-1042 call vm " + "x" * (2 * 1024 * 1024))
    signature = quiet_ledger.send.sign(body)
    host, port = quiet_ledger.url.removeprefix("http://").split(":")
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: {FORM}\r\n"
        f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {signature['X-Slack-Request-Timestamp']}\r\n"
        f"X-Slack-Signature: {signature['X-Slack-Signature']}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head.encode())
        answer = connection.makefile("rb").readline().decode()
    assert answer.split()[1] == "413", answer


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/slack/events"), ("PUT", "/slack/events"), ("DELETE", "/slack/events"), ("PATCH", "/slack/events"),
     ("POST", "/slack/event"), ("POST", "/"), ("GET", "/healthz/x")],
)  # fmt: skip
def test_other_methods_and_paths_get_404(quiet_ledger: RunningBot, method: str, path: str) -> None:
    bot = quiet_ledger
    body = slash_body("pay ACC-1042 10")
    data = body if method != "GET" else None
    headers = {"Content-Type": FORM, **bot.send.sign(body)}
    request = urllib.request.Request(bot.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 404


def test_signed_requests_of_unknown_kinds_are_not_errors(quiet_ledger: RunningBot) -> None:
    bot = quiet_ledger
    stranger_click = urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": STRANGER}})})
    for body, content_type in [
        (b"<x/>", "application/xml"),
        (b"{}", "application/json"),
        (b'{"type":"something_new"}', "application/json"),
        (slash_body("pay ACC-1042 10", user=STRANGER), "text/plain"),
        (stranger_click.encode(), FORM),
    ]:
        response = bot.send.raw(body, {"Content-Type": content_type, **bot.send.sign(body)})
        assert response.status in (200, 404), (body, response.status, response.body)
        assert "Traceback" not in response.body


def test_url_verification_answers_the_challenge(team: RunningBot) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    response = team.send.raw(body, {"Content-Type": "application/json", **team.send.sign(body)})
    assert response.status == 200 and "c-123" in response.body
