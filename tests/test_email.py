"""Email through the outbox, against a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, once;
a server that fails and recovers; one that refuses; STARTTLS required and implicit TLS, verified
against the test's own CA (COLLECT_SMTP_CA_FILE). Time moves on the ManualClock, never by sleeping."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.mail import Attachment, Email, compose, parse_smtp_url
from bot.outbox.job import CLAIM_LEASE, backoff, deliver_due
from bot.outbox.records import enqueue_email
from bot.runtime import Runtime
from bot.settings import SettingsError, load_settings
from schedules.housekeeping import JOB as HOUSEKEEPING
from schedules.runner import run_job
from storage.database import Database
from storage.models import OutboxFile, OutboxMessage
from tests.conftest import make_runtime
from wiring.standin.web_api import SlackStandIn

SUPERVISORS = "C0SUPERVISORS"
SENDER = "Acme Collections <collections@acme.example>"
ARCHIVE = "archive@acme.example"
USER, PASSWORD = "collect@acme.example", "p@ss word:/%"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n.\n..\r\n%%EOF\n"


@dataclass
class Recorder:
    """The server's DATA handler: keeps what it accepted; `replies` answer the next DATAs instead
    (a 4xx or 5xx line), `drop_after_taking` takes one and hangs up before answering."""

    received: list[Envelope] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    drop_after_taking: bool = False
    slow: tuple[ManualClock, timedelta] | None = None  # each message takes this long on the clock

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.replies:
            return self.replies.pop(0)
        self.received.append(envelope)
        if self.slow is not None:
            self.slow[0].advance(self.slow[1])
        if self.drop_after_taking:
            server.transport.abort()
        return "250 2.0.0 queued"

    def messages(self) -> list[EmailMessage]:
        parsed = [
            message_from_bytes(bytes(e.original_content or b""), policy=policy.default) for e in self.received
        ]
        return [m for m in parsed if isinstance(m, EmailMessage)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, which is also the CA the bot is told to trust."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[Recorder, int]]:
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    """A plain SMTP server, as a relay on the same network would be."""
    with smtp_server() as running:
        yield running


def mailing(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, url: str, **more: str
) -> Runtime:
    return make_runtime(
        db, database_url, standin, clock, COLLECT_SMTP_URL=url, COLLECT_MAIL_FROM=SENDER, **more
    )


@pytest.fixture
def plain(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, smtp: tuple[Recorder, int]
) -> Runtime:
    return mailing(
        db, database_url, standin, clock, f"smtp://127.0.0.1:{smtp[1]}", COLLECT_MAIL_BCC=ARCHIVE,
        COLLECT_OUTBOX_MAX_ATTEMPTS="4",
    )  # fmt: skip


STATEMENT = Email(
    to="Maria Souza <maria@customer.example>",
    subject="Extrato da conta ACC-1042 — ação necessária",
    text="Olá Maria,\n.\nSeu saldo é R$ 1.234,56.\n",
    html="<p>Olá Maria,</p><p>Seu saldo é <b>R$ 1.234,56</b>.</p>" + "<p>Pague até 15/12.</p>" * 80,
    attachments=(Attachment("extrato-ACC-1042.pdf", "application/pdf", PDF),),
)


def queue(runtime: Runtime, key: str = "statement:ACC-1042:1", email: Email = STATEMENT) -> int:
    with runtime.db.transaction() as session:
        assert enqueue_email(session, key=key, email=email, now=runtime.now())
        assert not enqueue_email(session, key=key, email=email, now=runtime.now())  # once per key
        return int(session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).one())


def row(runtime: Runtime, message_id: int) -> OutboxMessage:
    with runtime.db.reading() as session:
        return session.get_one(OutboxMessage, message_id)


def test_an_email_is_delivered_once_with_everything_intact(
    plain: Runtime, smtp: tuple[Recorder, int], clock: ManualClock
) -> None:
    recorder = smtp[0]
    message_id = queue(plain)
    with plain.db.reading() as session:
        assert session.scalar(select(OutboxFile.filename)) == "extrato-ACC-1042.pdf"

    assert deliver_due(plain).sent == 1
    clock.advance(timedelta(hours=2))
    assert deliver_due(plain).sent == 0  # sent is sent

    [envelope] = recorder.received
    assert envelope.mail_from == "collections@acme.example"
    assert envelope.rcpt_tos == ["maria@customer.example", ARCHIVE]  # the archive: envelope only
    [arrived] = recorder.messages()
    assert arrived["From"] == SENDER
    assert arrived["To"] == STATEMENT.to
    assert arrived["Subject"] == STATEMENT.subject
    raw = bytes(envelope.original_content or b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78 and raw.isascii()
    assert "Bcc" not in arrived and ARCHIVE.encode() not in bytes(envelope.original_content or b"")
    sent = row(plain, message_id)
    assert arrived["Message-ID"].startswith(f"<collect-bot.{message_id}.")
    assert arrived["Message-ID"].endswith("@acme.example>")
    assert (sent.state, sent.attempts, sent.slack_ts) == ("sent", 1, None)
    text = arrived.get_body(("plain",))
    html = arrived.get_body(("html",))
    assert text is not None and html is not None
    # Text travels in MIME's canonical form, lines ending in CRLF.
    assert text.get_content().replace("\r\n", "\n") == STATEMENT.text
    assert html.get_content().strip() == STATEMENT.html
    [attachment] = list(arrived.iter_attachments())
    assert attachment.get_filename() == "extrato-ACC-1042.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF


@pytest.mark.parametrize(
    "bad",
    [
        replace(STATEMENT, subject="Statement\nBcc: everyone@example.com"),
        replace(STATEMENT, to="maria@customer.example\r\nBcc: everyone@example.com"),
        replace(STATEMENT, to="maria@customer.example, pedro@customer.example"),
        replace(STATEMENT, to="joão@customer.example"),
    ],
)
def test_an_email_that_would_smuggle_a_header_or_a_recipient_is_not_queued(
    plain: Runtime, bad: Email
) -> None:
    with pytest.raises(ValueError), plain.db.transaction() as session:
        enqueue_email(session, key="statement:bad", email=bad, now=plain.now())
    with plain.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_delivered_emails_attachments_are_pruned_with_it(
    plain: Runtime, smtp: tuple[Recorder, int], clock: ManualClock
) -> None:
    queue(plain)
    assert deliver_due(plain).sent == 1
    smtp[0].replies = ["550 5.1.1 no such mailbox"]
    failing = queue(plain, "statement:ACC-1043:1", replace(STATEMENT, to="nobody@customer.example"))
    assert deliver_due(plain).failed == 1
    clock.advance(timedelta(days=31))
    run_job(plain, HOUSEKEEPING, clock.now(), by="test")
    with plain.db.reading() as session:
        assert list(session.scalars(select(OutboxMessage.id))) == [failing]
        assert session.scalar(select(func.count()).select_from(OutboxFile)) == 1  # the failed one's, kept


def test_a_slow_server_does_not_outlive_the_batchs_claim(
    plain: Runtime, smtp: tuple[Recorder, int], clock: ManualClock, standin: SlackStandIn
) -> None:
    """Each email takes two minutes: the third would be sent on a claim more than half run out, so
    it is let go and claimed afresh in the same delivery; each is sent once, none raised."""
    smtp[0].slow = (clock, timedelta(minutes=2))
    ids = [queue(plain, f"statement:ACC-{n}:1") for n in range(3)]
    assert deliver_due(plain).sent == 3
    assert len(smtp[0].received) == 3
    assert [row(plain, message_id).attempts for message_id in ids] == [1, 1, 1]
    assert [row(plain, message_id).unsure_since for message_id in ids] == [None, None, None]
    assert standin.messages(SUPERVISORS) == []
    first, second, third = (row(plain, message_id).claimed_at for message_id in ids)
    assert first is not None and first == second
    assert third == first + timedelta(minutes=4)  # claimed afresh


def test_a_server_that_fails_then_recovers_gets_the_email_once(
    plain: Runtime, smtp: tuple[Recorder, int], clock: ManualClock, standin: SlackStandIn
) -> None:
    recorder = smtp[0]
    recorder.replies = ["451 4.3.0 try again later", "421 4.7.0 busy"]
    message_id = queue(plain)

    assert deliver_due(plain).retrying == 1
    waiting = row(plain, message_id)
    assert waiting.state == "pending" and waiting.unsure_since is None
    assert str(waiting.last_error).startswith("TemporaryMailError: SMTP 451")
    assert deliver_due(plain).retrying == 0  # not before its backoff
    clock.advance(backoff(1))
    assert deliver_due(plain).retrying == 1
    clock.advance(backoff(2))
    assert deliver_due(plain).sent == 1
    clock.advance(timedelta(hours=1))
    assert deliver_due(plain).sent == 0
    assert len(recorder.received) == 1
    assert row(plain, message_id).attempts == 3
    assert standin.messages(SUPERVISORS) == []


def test_an_unreachable_server_is_retried_then_given_up_and_raised(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock
) -> None:
    runtime = mailing(
        db, database_url, standin, clock, f"smtp://127.0.0.1:{free_port()}", COLLECT_OUTBOX_MAX_ATTEMPTS="2"
    )
    message_id = queue(runtime)
    assert deliver_due(runtime).retrying == 1
    assert "could not be reached" in str(row(runtime, message_id).last_error)
    clock.advance(backoff(1))
    assert deliver_due(runtime).failed == 1
    [notice] = standin.messages(SUPERVISORS)
    assert (
        "An email to Maria Souza &lt;maria@customer.example&gt; could not be delivered after 2 tries"
        in (notice["text"])
    )
    assert "may have reached the mail server" not in notice["text"]


def test_a_permanent_refusal_fails_at_once_and_the_supervisors_are_told(
    plain: Runtime, smtp: tuple[Recorder, int], standin: SlackStandIn, clock: ManualClock
) -> None:
    smtp[0].replies = ["550 5.1.1 mailbox unavailable"]
    message_id = queue(plain)
    report = deliver_due(plain)
    assert (report.retrying, report.failed) == (0, 1)  # what it sent is the supervisors' notice
    failed = row(plain, message_id)
    assert failed.state == "failed" and failed.attempts == 1
    assert smtp[0].received == []
    clock.advance(timedelta(hours=2))
    assert deliver_due(plain).sent == 0  # failed is never tried again on its own
    [notice] = standin.messages(SUPERVISORS)
    assert "could not be delivered after 1 tries" in notice["text"] and "SMTP 550" in notice["text"]
    assert f"message {message_id}" in notice["text"]


def test_an_email_whose_answer_was_lost_is_not_sent_again(
    plain: Runtime, smtp: tuple[Recorder, int], standin: SlackStandIn, clock: ManualClock
) -> None:
    """The server took the message and hung up before answering: it may be delivered, so it is not
    sent again; the supervisors are told to look in the archive."""
    smtp[0].drop_after_taking = True
    message_id = queue(plain)
    assert deliver_due(plain).failed == 1
    clock.advance(timedelta(hours=2))
    deliver_due(plain)
    assert len(smtp[0].received) == 1
    gone = row(plain, message_id)
    assert gone.state == "failed" and gone.unsure_since is not None
    assert str(gone.last_error).startswith("UnsureMailError")
    [notice] = standin.messages(SUPERVISORS)
    assert "may have reached the mail server" in notice["text"]


@pytest.mark.settings(COLLECT_LANGUAGE="es")
def test_a_claim_whose_process_died_is_not_sent_again_and_is_raised(
    plain: Runtime, smtp: tuple[Recorder, int], standin: SlackStandIn, clock: ManualClock
) -> None:
    """A process claimed the email and died: perhaps after the server's 250, before `sent` was
    committed. Nothing says which, so the safe side is not to send it a second time."""
    message_id = queue(plain)
    with plain.db.transaction() as session:
        session.execute(
            update(OutboxMessage).values(state="sending", claimed_at=clock.now(), claimed_by="gone:1")
        )
    clock.advance(timedelta(minutes=1))
    assert deliver_due(plain).failed == 0  # the claim holds until its lease runs out
    clock.advance(CLAIM_LEASE)
    assert deliver_due(plain).failed == 1
    assert smtp[0].received == []
    assert row(plain, message_id).state == "failed"
    assert [m["text"] for m in standin.messages(SUPERVISORS)] != []


def test_starttls_is_required_and_the_login_is_percent_decoded(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    certificate: tuple[Path, Path],
) -> None:
    url_login = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"
    with smtp_server(
        tls_context=server_context(certificate), require_starttls=True, authenticator=check_login
    ) as (recorder, port):
        runtime = mailing(
            db, database_url, standin, clock, f"smtp+starttls://{url_login}@127.0.0.1:{port}",
            COLLECT_SMTP_CA_FILE=str(certificate[0]),
        )  # fmt: skip
        queue(runtime)
        assert deliver_due(runtime).sent == 1
        assert len(recorder.messages()) == 1


def test_starttls_not_offered_is_refused_and_nothing_goes_in_clear(
    db: Database, database_url: str, standin: SlackStandIn, clock: ManualClock, smtp: tuple[Recorder, int]
) -> None:
    runtime = mailing(db, database_url, standin, clock, f"smtp+starttls://127.0.0.1:{smtp[1]}")
    message_id = queue(runtime)
    assert deliver_due(runtime).failed == 1
    assert smtp[0].received == []
    assert "does not offer STARTTLS" in str(row(runtime, message_id).last_error)
    [notice] = standin.messages(SUPERVISORS)
    assert "STARTTLS" in notice["text"]


def test_a_certificate_the_bot_does_not_trust_is_refused(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    certificate: tuple[Path, Path],
) -> None:
    with smtp_server(tls_context=server_context(certificate)) as (recorder, port):
        runtime = mailing(db, database_url, standin, clock, f"smtp+starttls://127.0.0.1:{port}")
        message_id = queue(runtime)
        assert deliver_due(runtime).failed == 1
        assert recorder.received == []
        assert "CERTIFICATE_VERIFY_FAILED" in str(row(runtime, message_id).last_error)


def test_implicit_tls(
    db: Database,
    database_url: str,
    standin: SlackStandIn,
    clock: ManualClock,
    certificate: tuple[Path, Path],
) -> None:
    with smtp_server(ssl_context=server_context(certificate)) as (recorder, port):
        runtime = mailing(
            db,
            database_url,
            standin,
            clock,
            f"smtps://127.0.0.1:{port}",
            COLLECT_SMTP_CA_FILE=str(certificate[0]),
        )
        queue(runtime)
        assert deliver_due(runtime).sent == 1
        assert recorder.messages()[0]["Subject"] == STATEMENT.subject


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"COLLECT_SMTP_URL": "http://relay:25", "COLLECT_MAIL_FROM": "a@b.example"},
            "COLLECT_SMTP_URL is invalid",
        ),
        (
            {"COLLECT_SMTP_URL": "smtp://relay.example:25"},
            "COLLECT_MAIL_FROM is invalid: Value error, must be set",
        ),
        ({"COLLECT_SMTP_URL": "smtp://u@relay:25", "COLLECT_MAIL_FROM": "a@b.example"}, "both a user"),
        ({"COLLECT_SMTP_URL": "smtp://u:hunter2x@relay/x", "COLLECT_MAIL_FROM": "a@b.example"}, "no path"),
        ({"COLLECT_SMTP_URL": "smtp://relay:x", "COLLECT_MAIL_FROM": "a@b.example"}, "port must be a number"),
        ({"COLLECT_MAIL_FROM": "not an address"}, "COLLECT_MAIL_FROM is invalid"),
        ({"COLLECT_MAIL_FROM": "joão@acme.example"}, "in ASCII"),
        (
            {"COLLECT_SMTP_URL": "smtps://u:s%C3%A9nha@relay", "COLLECT_MAIL_FROM": "a@b.example"},
            "must be ASCII",
        ),
        ({"COLLECT_MAIL_BCC": "archive@a.example, nope"}, "COLLECT_MAIL_BCC is invalid"),
        ({"COLLECT_SMTP_CA_FILE": "/nowhere/ca.pem"}, "COLLECT_SMTP_CA_FILE is invalid"),
    ],
)
def test_mail_settings_are_checked_at_start(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=says) as raised:
        load_settings(_env_file=None, **env)
    assert "hunter2x" not in str(raised.value)


def test_the_smtp_url_is_a_secret_and_its_password_is_never_repeated() -> None:
    settings = load_settings(
        _env_file=None,
        COLLECT_SMTP_URL="smtps://u:hunter2x@relay.example",
        COLLECT_MAIL_FROM="c@acme.example",
    )
    assert "hunter2x" not in repr(settings)
    server = settings.smtp_server
    assert server is not None and (server.port, server.security) == (465, "tls")
    assert "hunter2x" not in repr(server)
    with pytest.raises(SettingsError) as raised:
        load_settings(
            _env_file=None,
            COLLECT_SMTP_URL="smtps://u:hunter2x@relay.example/x",
            COLLECT_MAIL_FROM="c@a.example",
        )
    assert "hunter2x" not in str(raised.value)


ASCII_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=127), min_size=1, max_size=20)


@given(user=ASCII_TEXT, password=ASCII_TEXT)
def test_user_and_password_are_whatever_was_percent_encoded(user: str, password: str) -> None:
    url = f"smtp+starttls://{quote(user, safe='')}:{quote(password, safe='')}@relay.example"
    server = parse_smtp_url(url)
    assert (server.user, server.password, server.port, server.security) == (user, password, 587, "starttls")


TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t"), max_size=300)


@given(text=TEXT, html=TEXT, content=st.binary(max_size=2000))
def test_whatever_is_written_arrives_as_written_in_short_ascii_lines(
    text: str, html: str, content: bytes
) -> None:
    email = Email(
        to="m@customer.example", subject="s", text=text, html=html,
        attachments=(Attachment("a.pdf", "application/pdf", content),),
    )  # fmt: skip
    raw = compose(email, sender=SENDER, message_id="<1@acme.example>", date=datetime(2026, 12, 7, tzinfo=UTC))
    wire = raw.as_bytes(policy=policy.SMTP)
    assert wire.isascii() and max(len(line) for line in wire.split(b"\r\n")) <= 78
    back = message_from_bytes(wire, policy=policy.default)
    assert isinstance(back, EmailMessage)
    plain, rich = back.get_body(("plain",)), back.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == text.rstrip("\n")
    assert rich.get_content().replace("\r\n", "\n").rstrip("\n") == html.rstrip("\n")
    [attachment] = list(back.iter_attachments())
    assert attachment.get_content() == content
