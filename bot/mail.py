"""Email through SMTP with the standard library: the email the outbox sends (plain data), the server
it goes to (COLLECT_SMTP_URL), and one delivery, whose failure says whether trying again is right.

Each failure is one of three kinds, which bot.outbox.job turns into what happens next:
- TemporaryMailError: the server answered 4xx, or could not be reached, or dropped the connection
  before the end of the message went out; it did not take the email, so it is tried again later;
- PermanentMailError: the server answered 5xx, or would not speak TLS where the URL asks for it
  (STARTTLS not offered, a certificate that does not verify); the email is given up on at once;
- UnsureMailError: the whole message went out but the server's answer to it never came back (the
  connection dropped, or timed out): the server may have taken it, so it is not sent again.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    import smtplib

# scheme -> (default port, how the connection is secured)
SCHEMES = {"smtp": (25, "plain"), "smtp+starttls": (587, "starttls"), "smtps": (465, "tls")}
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Email:
    """One email to one customer: the text part always, the HTML part when there is one."""

    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain, starttls or tls
    user: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """The server a COLLECT_SMTP_URL names; ValueError saying what to write instead (never the
    password). User and password are percent-decoded: `p%40ss` is `p@ss`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise ValueError(
            "must start with smtp:// (plain), smtp+starttls:// (STARTTLS required) or smtps:// (implicit TLS)"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number, as in smtp+starttls://user:pass@host:587") from None
    if not parts.hostname:
        raise ValueError("names no host, as in smtp://relay.example.com:25")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be only scheme://[user:password@]host[:port], with no path or query")
    if (parts.username is None) != (parts.password is None):
        raise ValueError("needs both a user and a password (user:password@host), or neither")
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not (user.isascii() and password.isascii()):
        # smtplib sends AUTH in ASCII: found here, at start, rather than on the first email.
        raise ValueError("user and password must be ASCII (percent-encode the special characters)")
    default_port, security = SCHEMES[parts.scheme]
    return SmtpServer(
        host=parts.hostname, port=port or default_port, security=security, user=user, password=password
    )


def check_address(value: str) -> str:
    """A bare address (`collections@example.com`) or a named one (`Acme Collections <c@example.com>`);
    ValueError otherwise, and for anything that could smuggle a header in."""
    if "\r" in value or "\n" in value:
        raise ValueError("must be one line")
    if len(getaddresses([value])) != 1:
        raise ValueError(f"{value!r} is more than one address (quote a name with a comma in it)")
    address = parseaddr(value)[1]
    # ASCII only: smtplib speaks no SMTPUTF8, so an internationalized address could not be sent.
    if not address.isascii() or not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address):
        raise ValueError(f"{value!r} is not an email address (write it as name@example.com, in ASCII)")
    return value.strip()


def address_list(value: str) -> tuple[str, ...]:
    """Comma-separated addresses (COLLECT_MAIL_BCC), each checked."""
    return tuple(check_address(part) for part in value.split(",") if part.strip())


def message_id(outbox_id: int, key: str, sender: str) -> str:
    """The same for every try of one outbox message, so an archive or a relay that dedupes by
    Message-ID keeps one copy; the key's hash keeps ids apart across databases that reuse ids."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "collect-bot.invalid"
    return f"<collect-bot.{outbox_id}.{digest}@{domain}>"


def compose(email: Email, *, sender: str, message_id: str, date: datetime) -> EmailMessage:
    """The message as it goes out. The Bcc is never a header: it is only in the envelope."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    # Quoted-printable: 7-bit lines of at most 76 characters whatever the text (a one-line HTML
    # body would pass SMTP's 998 limit), so no server needs 8BITMIME.
    message.set_content(email.text, cte="quoted-printable")
    if email.html is not None:
        message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


class MailError(Exception):
    pass


class TemporaryMailError(MailError):
    pass


class PermanentMailError(MailError):
    pass


class UnsureMailError(MailError):
    pass


def send(
    server: SmtpServer,
    message: EmailMessage,
    *,
    sender: str,
    recipients: tuple[str, ...],
    ca_file: str = "",
    timeout: float = TIMEOUT_SECONDS,
) -> None:
    """Deliver one message to `recipients` (the envelope: To and any Bcc) or raise a MailError."""
    import smtplib  # with the first email: a bot that sends none does without it

    context = ssl.create_default_context(cafile=ca_file or None)
    try:
        client = _connect(server, context, timeout)
    except smtplib.SMTPResponseException as error:
        raise _answered(error.smtp_code, error.smtp_error) from error
    except ssl.SSLError as error:
        raise PermanentMailError(f"TLS with {server.host}:{server.port} failed: {error}") from error
    except OSError as error:  # refused, unreachable, timed out
        raise TemporaryMailError(f"{server.host}:{server.port} could not be reached: {error}") from error
    try:
        try:
            _secure_and_log_in(client, server, context)
            _envelope(client, parseaddr(sender)[1], recipients)
            _data(client, message.as_bytes(policy=SMTP))
        except smtplib.SMTPResponseException as error:
            raise _answered(error.smtp_code, error.smtp_error) from error
        except ssl.SSLError as error:
            raise PermanentMailError(f"TLS with {server.host}:{server.port} failed: {error}") from error
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentMailError(str(error)) from error
        except OSError as error:  # smtplib's own errors included; the message did not all go out
            raise TemporaryMailError(f"{type(error).__name__}: {error}") from error
        with suppress(OSError):  # the message is taken already: a rude goodbye changes nothing
            client.quit()
    finally:
        client.close()


def _connect(server: SmtpServer, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    import smtplib

    if server.security == "tls":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    return smtplib.SMTP(server.host, server.port, timeout=timeout)


def _secure_and_log_in(client: smtplib.SMTP, server: SmtpServer, context: ssl.SSLContext) -> None:
    client.ehlo()
    if server.security == "starttls":
        if not client.has_extn("starttls"):
            # Sending in clear what the URL says must be encrypted is refused, whatever the reason
            # the offer is missing (a misconfigured relay, or someone stripping it on the way).
            raise PermanentMailError(
                f"{server.host}:{server.port} does not offer STARTTLS: not sent in clear"
            )
        client.starttls(context=context)
        client.ehlo()
    if server.user:
        client.login(server.user, server.password)


def _envelope(client: smtplib.SMTP, sender: str, recipients: tuple[str, ...]) -> None:
    code, reply = client.mail(sender)
    if code != 250:
        raise _answered(code, reply)
    for recipient in recipients:
        code, reply = client.rcpt(parseaddr(recipient)[1])
        if code not in (250, 251):
            raise _answered(code, reply)


def _data(client: smtplib.SMTP, content: bytes) -> None:
    """smtplib's `data`, split where it matters: until the final dot is out the server cannot have
    taken the message; once it is, a lost answer leaves it unknown (UnsureMailError)."""
    code, reply = client.docmd("DATA")
    if code != 354:
        raise _answered(code, reply)
    stuffed = re.sub(rb"(?m)^\.", b"..", content)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    client.send(stuffed + b".\r\n")
    try:
        code, reply = client.getreply()
    except OSError as error:
        raise UnsureMailError(
            f"no answer after the message was sent: {type(error).__name__}: {error}"
        ) from error
    if code != 250:
        raise _answered(code, reply)


def _answered(code: int, reply: bytes | str) -> MailError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    described = f"SMTP {code} {text}"[:300]
    return TemporaryMailError(described) if 400 <= code < 500 else PermanentMailError(described)
