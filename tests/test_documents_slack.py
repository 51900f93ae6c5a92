"""Sending a customer document from Slack (issue 21): `/collect send`, the account card's button and
a worklist line's menu open a preview of the document; its Send sends it. Through the real endpoint
with signed requests and the Slack stand-in (whose triggers last 3 seconds, as Slack's do), in
English and Portuguese, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.access import may_send_documents, may_work
from bot.clock import ManualClock
from bot.correspondence import desk as correspondence
from bot.correspondence.model import DocumentKind, SendChannel
from bot.correspondence.render import sample_facts
from bot.correspondence.rules import default_channel, recipient
from bot.errors import UserError
from bot.ids import ActionId, BlockId, CallbackId
from bot.interactions import CarriedKey, DocumentChoice, DocumentToSend
from bot.ledger.records.accounts import find_account
from bot.outbox.job import deliver_due
from bot.vocabulary import Role
from storage.database import Database
from storage.models import AuditEntry, ComplianceRefusal, Contact, Document, OutboxMessage
from tests.conftest import SIGNING_SECRET, RunningBot, serving
from tests.portfolio import add_account, add_agent
from tests.test_email import Recorder, free_port
from wiring.standin.web_api import SlackStandIn

ANA, JOAO, SAM, BRUNA, LUCIA = "U0AGENT1", "U0AGENT2", "U0SUPER1", "U0BRUNA", "U0LUCIA"

SENDER = "Acme Collections <collections@acme.example>"
pytestmark = pytest.mark.settings(
    COLLECT_CREDITOR_NAME="Acme Collections",
    COLLECT_CREDITOR_ADDRESS="1 Main St;Springfield IL 62701",
    COLLECT_PAYMENT_INSTRUCTIONS="Pay by transfer quoting your account id",
)
ADDRESS: dict[str, Any] = {
    "address_line1": "12 Elm St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62704",
}


@dataclass
class Arrivals(Recorder):
    """The SMTP server's handler, telling the test when an email has arrived (the bot delivers it
    after answering the form, on its own thread)."""

    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        answer = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        return answer


@pytest.fixture
def smtp() -> Iterator[tuple[Arrivals, int]]:
    recorder, port = Arrivals(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def bot(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    settings_asked: dict[str, str],
    smtp: tuple[Arrivals, int],
) -> Iterator[RunningBot]:
    """The bot with email through a real SMTP server on 127.0.0.1 (tests/test_email.py's)."""
    mail = {"COLLECT_SMTP_URL": f"smtp://127.0.0.1:{smtp[1]}", "COLLECT_MAIL_FROM": SENDER}
    with serving(db, database_url, standin, clock, **(mail | settings_asked)) as running:
        yield running


@pytest.fixture
def desk(team: RunningBot) -> RunningBot:
    db = team.runtime.db
    add_account(db, "ACC-MAIL", "1250.00", customer_name="Maria <!here> *Silva*", email="maria@example.com")
    add_account(db, "ACC-POST", "300.00", customer_name="Paul Post", **ADDRESS)
    add_account(db, "ACC-NONE", "90.00", customer_name="Nora Nowhere")
    add_account(db, "ACC-SHARED", "90.00", customer_name="Queue Customer", assigned_to=None, **ADDRESS)
    add_agent(db, BRUNA, "Bruna Souza", locale="pt-BR")
    add_account(
        db, "BR-1", "4310.00", currency="BRL", customer_name="Pedro Álvares", assigned_to=BRUNA,
        language="pt", address_line1="Rua das Flores 12", city="São Paulo", region="SP",
        postal_code="01000-000", country="Brasil",
    )  # fmt: skip
    add_agent(db, LUCIA, "Lucía Fernández", locale="es")
    add_account(
        db, "ES-1", "640.00", currency="EUR", customer_name="Carmen Ruiz", assigned_to=LUCIA,
        language="es", email="carmen@example.es",
    )  # fmt: skip
    return team


def rows(bot: RunningBot, model: type[object]) -> int:
    with bot.runtime.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def typed_preview(bot: RunningBot, user: str, typed: str) -> dict[str, Any]:
    """`/collect <typed>`: acknowledged at once with nothing, a waiting form opened on the trigger,
    then the preview (or the refusal) in its place; the view as views.update left it."""
    opened, updated = len(bot.slack.calls("views.open")), len(bot.slack.calls("views.update"))
    response = bot.send.slash_command(user, typed)
    assert response.status == 200 and response.body == ""
    [waiting] = [call.params["view"] for call in bot.slack.wait_for("views.open", count=opened + 1)[opened:]]
    assert "Maria" not in shown(waiting) and "Pedro" not in shown(waiting)
    view: dict[str, Any] = bot.slack.wait_for("views.update", count=updated + 1)[-1].response["view"]
    return view


def chosen(action_id: str, value: str) -> dict[str, Any]:
    return {action_id: {"type": "static_select", "selected_option": {"value": value}}}


def choice(kind: str, channel: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {BlockId.KIND: chosen(ActionId.DOCUMENT_KIND_SELECT, kind)}
    if channel:
        values[BlockId.CHANNEL] = chosen(ActionId.DOCUMENT_CHANNEL_SELECT, channel)
    return values


def card_choice_form(bot: RunningBot, user: str, account_id: str) -> dict[str, Any]:
    """The account card's "Send a document": the form that picks the document."""
    card = bot.send.slash_command(user, f"account {account_id}").json()
    message = {"ts": "1.1", "blocks": card["blocks"], "channel": "C0GENERAL"}
    opened = len(bot.slack.calls("views.open"))
    click = bot.send.block_actions(user, [{"action_id": ActionId.SEND_DOCUMENT}], message=message)
    assert click.status == 200
    view: dict[str, Any] = bot.slack.wait_for("views.open", count=opened + 1)[-1].response["view"]
    return view


# --- The preview -----------------------------------------------------------------------------------


def test_send_opens_a_preview_of_the_statement_by_email_with_send(desk: RunningBot) -> None:
    view = typed_preview(desk, ANA, "send ACC-MAIL statement")
    assert view["callback_id"] == CallbackId.DOCUMENT_PREVIEW_MODAL
    assert view["submit"]["text"] == "Send"
    text = shown(view)
    assert "By email to* maria@example.com" in text
    assert "$1,250.00" in text and "Acme Collections" in text and "ACC-MAIL" in text
    # The customer's name is escaped where it is mrkdwn: it pings nobody and formats nothing.
    assert "<!here>" not in view["blocks"][0]["text"]["text"]
    assert "&lt;!here&gt;" in view["blocks"][0]["text"]["text"]
    # What Send will send is signed, and says who it was shown to.
    carried = DocumentToSend.decode(view["private_metadata"], CarriedKey(SIGNING_SECRET))
    assert carried == DocumentToSend(account_id="ACC-MAIL", kind="statement", channel="email", opened_by=ANA)
    assert rows(desk, AuditEntry) == 0 and rows(desk, Contact) == 0


def test_without_an_email_the_document_goes_by_letter_to_the_postal_address(desk: RunningBot) -> None:
    view = typed_preview(desk, ANA, "send ACC-POST reminder")
    text = shown(view)
    assert "By letter to" in text and "12 Elm St" in text and "Springfield IL 62704" in text
    assert "next print batch" in text
    assert DocumentToSend.decode(view["private_metadata"], CarriedKey(SIGNING_SECRET)).channel == "letter"


def test_the_preview_speaks_the_senders_language_and_the_document_the_customers(desk: RunningBot) -> None:
    view = typed_preview(desk, BRUNA, "enviar BR-1 extrato carta")
    assert view["title"]["text"] == "Enviar um documento" and view["submit"]["text"] == "Enviar"
    text = shown(view)
    assert "Por carta para" in text and "Rua das Flores 12" in text and "São Paulo SP 01000-000" in text
    assert "R$ 4.310,00" in text.replace("\xa0", " ")
    assert "`pt-BR`" in text


def test_in_spanish_too(desk: RunningBot) -> None:
    view = typed_preview(desk, LUCIA, "enviar ES-1 recordatorio")
    assert view["title"]["text"] == "Enviar un documento" and view["submit"]["text"] == "Enviar"
    assert "Por correo electrónico a* carmen@example.es" in shown(view) and "`es`" in shown(view)
    answer = desk.send.view_submission(LUCIA, view, {}).json()
    assert "va en camino por correo electrónico a carmen@example.es" in shown(answer["view"])


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("send ACC-NONE statement", "No postal address on this account"),
        ("send ACC-POST statement email", "No email address on this account"),
        ("send ACC-MAIL promise-confirmation", "no open promise to confirm"),
        ("send ACC-2001 statement", "is not an account you can work"),
        ("send ACC-SHARED statement", "sent by the agent who holds it or a supervisor"),
    ],
)
def test_a_document_that_cannot_go_is_refused_in_the_form_and_nothing_written(
    desk: RunningBot, typed: str, said: str
) -> None:
    view = typed_preview(desk, ANA, typed)
    text = shown(view)
    assert said in text and "Nothing was sent" in text
    assert "submit" not in view and not view["private_metadata"]
    # Never a word about a customer the agent may not write to.
    assert "Pedro" not in text and "Queue Customer" not in text
    assert rows(desk, AuditEntry) == 0 and rows(desk, Contact) == 0


def test_a_supervisor_previews_any_account(desk: RunningBot) -> None:
    view = typed_preview(desk, SAM, "send BR-1 statement")
    assert "Pedro" in shown(view) and view["submit"]["text"] == "Send"


@pytest.mark.settings(COLLECT_CREDITOR_NAME="")
def test_no_creditor_set_no_document(desk: RunningBot) -> None:
    assert "COLLECT_CREDITOR_NAME" in shown(typed_preview(desk, SAM, "send ACC-MAIL statement"))


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("send ACC-MAIL", "needs an account id and the kind of document"),
        ("send ACC-MAIL invoice", "is not a kind of document"),
        ("send ACC-MAIL statement call", "is not a way to send a document"),
        ("enviar ACC-MAIL extrato fax", "is not a way to send a document"),
    ],
)
def test_a_mistyped_send_is_answered_with_what_to_type(desk: RunningBot, typed: str, said: str) -> None:
    answer = desk.send.slash_command(ANA, typed)
    assert answer.json()["response_type"] == "ephemeral" and said in answer.body
    assert desk.slack.calls("views.open") == []


# --- From the account card and the worklist ----------------------------------------------------------


def test_the_account_card_picks_the_document_then_shows_its_preview(desk: RunningBot) -> None:
    form = card_choice_form(desk, ANA, "ACC-MAIL")
    assert form["callback_id"] == CallbackId.DOCUMENT_CHOICE_MODAL and "Maria" in shown(form)
    answer = desk.send.view_submission(ANA, form, choice("statement", "email")).json()
    assert answer["response_action"] == "update"
    assert answer["view"]["callback_id"] == CallbackId.DOCUMENT_PREVIEW_MODAL
    assert "maria@example.com" in shown(answer["view"])


def test_the_choice_form_shows_a_channel_that_cannot_go_on_its_field(desk: RunningBot) -> None:
    form = card_choice_form(desk, ANA, "ACC-POST")
    answer = desk.send.view_submission(ANA, form, choice("statement", "email")).json()
    assert answer["response_action"] == "errors"
    assert "No email address" in answer["errors"][BlockId.CHANNEL]


def test_the_card_button_of_another_agents_account_opens_nothing(desk: RunningBot) -> None:
    card = desk.send.slash_command(SAM, "account ACC-2001").json()
    message = {"ts": "1.1", "blocks": card["blocks"], "channel": "C0GENERAL"}
    click = desk.send.block_actions(ANA, [{"action_id": ActionId.SEND_DOCUMENT}], message=message)
    told = json.dumps(desk.slack.wait_for_response(url=click.response_url)[-1], ensure_ascii=False)
    assert "is not an account you can work" in told and "Pedro" not in told
    assert desk.slack.calls("views.open") == []


def test_a_tampered_or_someone_elses_choice_form_is_refused(desk: RunningBot) -> None:
    form = card_choice_form(desk, ANA, "ACC-MAIL")
    key = CarriedKey(SIGNING_SECRET)
    forged = DocumentChoice(account_id="ACC-2001", opened_by=ANA).encode(CarriedKey("another secret"))
    for user, metadata in ((ANA, forged), (JOAO, form["private_metadata"])):
        answer = desk.send.view_submission(user, form | {"private_metadata": metadata}, choice("statement"))
        body = answer.json()
        assert body["response_action"] == "update"
        assert "out of date or not one of mine" in shown(body["view"]) and "Pedro" not in shown(body["view"])
    assert DocumentChoice.decode(form["private_metadata"], key).account_id == "ACC-MAIL"


def test_the_worklist_lines_menu_opens_the_document_form(morning: RunningBot) -> None:
    morning.run_morning()
    call = next(c for c in morning.slack.calls("chat.postMessage") if c.params.get("channel") == ANA and c.ok)
    message = morning.slack.messages(call.response["channel"])[0]
    # ACC-1 is Ana's own (the others on her list are the shared queue's: not hers to write to).
    menu = next(
        block["accessory"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.WORKLIST_LINE_MENU
        and json.loads(block["accessory"]["options"][0]["value"])["account_id"] == "ACC-1"
    )
    send = next(o for o in menu["options"] if json.loads(o["value"])["form"] == "send")
    clicked = {"action_id": ActionId.WORKLIST_LINE_MENU, "type": "overflow", "selected_option": send}
    assert morning.send.block_actions(ANA, [clicked], message=message).status == 200
    form = morning.slack.wait_for("views.open")[0].params["view"]
    assert form["callback_id"] == CallbackId.DOCUMENT_CHOICE_MODAL
    assert "ACC-1" in shown(form)


# --- Send ------------------------------------------------------------------------------------------


def documents(bot: RunningBot) -> list[Document]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def audited(bot: RunningBot, action: str) -> list[AuditEntry]:
    with bot.runtime.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_send_emails_the_document_once_and_says_to_whom(desk: RunningBot, smtp: tuple[Arrivals, int]) -> None:
    preview = typed_preview(desk, ANA, "send ACC-MAIL statement")
    answer = desk.send.view_submission(ANA, preview, {}).json()
    assert answer["response_action"] == "update"
    said = shown(answer["view"])
    assert "on its way by email to maria@example.com" in said and "&lt;!here&gt;" in said
    [document] = documents(desk)
    assert (document.kind, document.channel, document.status, document.actor) == (
        "statement",
        "email",
        "sent",
        ANA,
    )
    [entry] = audited(desk, "document.sent")
    assert entry.actor == ANA and document.sha256 in json.dumps(entry.after)
    recorder = smtp[0]
    assert recorder.arrived.wait(10), "the email was not delivered"
    [delivered] = recorder.messages()
    assert delivered["To"] == "maria@example.com" and delivered["Subject"] == document.subject
    assert [part.get_filename() for part in delivered.iter_attachments()] == ["statement-ACC-MAIL.pdf"]
    # The same form again (a retry, a double click): nothing more is sent.
    again = desk.send.view_submission(ANA, preview, {}).json()
    assert "already submitted" in shown(again["view"])
    assert len(documents(desk)) == 1 and rows(desk, OutboxMessage) == 1 and rows(desk, Contact) == 1
    deliver_due(desk.runtime)
    assert len(recorder.received) == 1


def test_a_letter_is_queued_for_the_next_print_batch_said_in_the_senders_language(desk: RunningBot) -> None:
    preview = typed_preview(desk, BRUNA, "enviar BR-1 extrato carta")
    answer = desk.send.view_submission(BRUNA, preview, {}).json()
    said = shown(answer["view"])
    assert "na fila como carta: sai com o próximo lote de impressão" in said
    assert "Rua das Flores 12" in said and "Pedro Álvares" in said
    [document] = documents(desk)
    assert (document.channel, document.status, document.language) == ("letter", "queued", "pt-BR")
    assert rows(desk, OutboxMessage) == 0 and rows(desk, Contact) == 0
    assert len(audited(desk, "document.queued")) == 1


def test_send_checks_the_sender_again_an_account_moved_away_is_refused(desk: RunningBot) -> None:
    preview = typed_preview(desk, ANA, "send ACC-MAIL statement")
    assert "moved" in desk.collect(SAM, f"assign ACC-MAIL <@{JOAO}|joao>").lower()
    answer = desk.send.view_submission(ANA, preview, {}).json()
    said = shown(answer["view"])
    assert "is not an account you can work" in said and "Nothing was sent" in said
    assert documents(desk) == [] and rows(desk, OutboxMessage) == 0


def test_a_tampered_or_someone_elses_preview_sends_nothing(desk: RunningBot) -> None:
    preview = typed_preview(desk, ANA, "send ACC-MAIL statement")
    signed = preview["private_metadata"]
    body, _dot, mac = signed.rpartition(".")
    elsewhere = body.replace("ACC-MAIL", "ACC-2001") + "." + mac
    letter = body.replace('"email"', '"letter"') + "." + mac
    forged = DocumentToSend(account_id="ACC-2001", kind="statement", channel="email", opened_by=ANA).encode(
        CarriedKey("another secret")
    )
    for user, metadata in ((ANA, elsewhere), (ANA, letter), (ANA, forged), (ANA, ""), (JOAO, signed)):
        answer = desk.send.view_submission(user, preview | {"private_metadata": metadata}, {}).json()
        assert "out of date or not one of mine" in shown(answer["view"]), metadata
    assert documents(desk) == [] and rows(desk, OutboxMessage) == 0 and rows(desk, AuditEntry) == 0


def test_a_reminder_under_a_dispute_hold_is_refused_in_the_preview_and_at_send(desk: RunningBot) -> None:
    preview = typed_preview(desk, ANA, "send ACC-MAIL reminder")
    assert preview["submit"]["text"] == "Send"
    desk.collect(ANA, "hold ACC-MAIL dispute says it was paid")
    # Send after the hold came: refused, noted for coaching, nothing sent.
    answer = desk.send.view_submission(ANA, preview, {}).json()
    said = shown(answer["view"])
    assert "dispute" in said.lower() and "Nothing was sent" in said
    assert documents(desk) == [] and rows(desk, OutboxMessage) == 0
    assert rows(desk, ComplianceRefusal) == 1
    # And a new preview says so before anyone presses Send, noting nothing.
    refused = typed_preview(desk, ANA, "send ACC-MAIL reminder")
    assert "dispute" in shown(refused).lower() and "submit" not in refused
    assert rows(desk, ComplianceRefusal) == 1


@pytest.mark.settings(COLLECT_REPLY_BUDGET="0.2")
def test_a_send_that_outlasts_the_reply_budget_shows_a_wait_then_what_was_sent(desk: RunningBot) -> None:
    preview = typed_preview(desk, ANA, "send ACC-POST statement")
    updated = len(desk.slack.calls("views.update"))
    with desk.runtime.db.transaction() as session:
        find_account(session, "ACC-POST", for_update=True)  # the send waits for this transaction
        answer = desk.send.view_submission(ANA, preview, {}).json()
        assert answer["response_action"] == "update" and "Sending the document" in shown(answer["view"])
    replaced = desk.slack.wait_for("views.update", count=updated + 1)[-1]
    assert replaced.params["view_id"] == preview["id"]
    assert "queued as a letter" in shown(replaced.params["view"])
    assert [d.status for d in documents(desk)] == ["queued"]


@given(
    role=st.sampled_from([*Role, "retired", None]),
    actor=st.sampled_from(["U1", "U2"]),
    assigned_to=st.sampled_from(["U1", "U2", None]),
    listed_for=st.sampled_from(["U1", "U2", None]),
)
def test_whoever_may_send_a_document_may_work_the_account(
    role: str | None, actor: str, assigned_to: str | None, listed_for: str | None
) -> None:
    """Sending is never wider than working: the shared queue and a day's loan are for calling, not
    for writing in the creditor's name."""
    if may_send_documents(role, actor, assigned_to=assigned_to):
        assert may_work(role, actor, assigned_to=assigned_to, listed_for=listed_for)
    if role == Role.AGENT:
        assert may_send_documents(role, actor, assigned_to=assigned_to) == (actor == assigned_to)


@given(email=st.one_of(st.none(), st.just(""), st.emails()))
def test_the_default_channel_is_email_exactly_when_there_is_an_address(email: str | None) -> None:
    facts = replace(sample_facts(DocumentKind.STATEMENT, "en"), email=email)
    going = default_channel(facts)
    assert going == (SendChannel.EMAIL if email else SendChannel.LETTER)
    assert recipient(going, facts)[0] == (email if email else facts.customer_name)


def test_the_desk_itself_sends_for_the_holder_or_a_supervisor_only(desk: RunningBot) -> None:
    """Not only the forms: bot.correspondence.desk.send refuses an agent working the shared queue's
    account, in the transaction that would send it."""
    with pytest.raises(UserError, match="sent by the agent who holds it or a supervisor"):
        correspondence.send(
            desk.runtime, account_id="ACC-SHARED", kind=DocumentKind.STATEMENT, channel=SendChannel.LETTER,
            actor=ANA,
        )  # fmt: skip
    assert documents(desk) == []
    sent = correspondence.send(
        desk.runtime, account_id="ACC-SHARED", kind=DocumentKind.STATEMENT, channel=SendChannel.LETTER,
        actor=SAM,
    )  # fmt: skip
    assert sent.status == "queued" and [d.actor for d in documents(desk)] == [SAM]
