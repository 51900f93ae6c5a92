"""The ledger's tables: roster, portfolio, contacts, payments, promises and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import MoneyAmount, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """A model's table, for plain Core statements (bulk imports, the busiest ledger writes)."""
    table = model.__table__
    if not isinstance(table, Table):  # mapped classes here are always plain tables
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


class Agent(Base):
    """A roster member: agent, supervisor, manager or admin, keyed by their Slack user id."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    daily_capacity: Mapped[int | None] = mapped_column(Integer)
    languages: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    approval_limit: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    monthly_target: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    # `senior` agents may take high-value accounts, as supervisors and managers may.
    tier: Mapped[str | None] = mapped_column(String(16))
    # The language the bot speaks to them (`en`, `pt-BR`, `es`); none: Slack's, else the team's.
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Account(Base):
    """One debt of one customer, in one currency, identified by the billing system's id."""

    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_assigned_to", "assigned_to"),
        Index("ix_accounts_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64))
    # Lower-cased account_id: ids match regardless of case, and only one spelling may exist.
    account_key: Mapped[str] = mapped_column(String(64), unique=True)
    customer_name: Mapped[str] = mapped_column(String(300))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    customer_timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    # A postal address for letters (bot/correspondence), all optional: a letter needs line 1 and a
    # city or postal code.
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(100))
    # Regulation F's itemization (US validation notice, §1006.34(c)(2)): the day the debt is itemized
    # from and what was owed then, and the interest and fees added since, in the account's currency.
    # Optional: the billing system provides them; payments since are the ledger's.
    itemization_date: Mapped[date | None]
    itemization_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    interest_since: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    fees_since: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    # The last day of the validation period, set when a validation notice is sent (bot.correspondence
    # .rules.validation_period_end); None until one is.
    validation_ends: Mapped[date | None]
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal] = mapped_column(MoneyAmount())
    original_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    due_date: Mapped[date]
    last_payment_date: Mapped[date | None]
    last_payment_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    assigned_to: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    # The billing system's propensity-to-pay score, 0-100, when it provides one.
    risk_score: Mapped[int | None] = mapped_column(Integer)
    # The kind of credit (card, personal-loan, auto…), a code the billing system sends, checked by
    # bot.vocabulary.product_problem; strategy segments may be by product. None: not sent.
    product: Mapped[str | None] = mapped_column(String(40))
    # Kept up to date with every contact so that the morning run reads one row per account
    # instead of aggregating the whole contact history.
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_conversation_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_on: Mapped[date | None]
    # Set by approved escalations: a hold's end (hardship), the agreed settlement, what was written off.
    hold_until: Mapped[date | None]
    settlement_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    settlement_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    written_off_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Contact(Base):
    """A contact attempt (call, email, sms, letter, visit) and its outcome."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_account_at", "account_pk", "at"), Index("ix_contacts_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    callback_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(16), default="slack")
    # A fingerprint of an imported row or a confirmed click, so that repeating it adds nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# NFKC and case folding can lengthen a reference (`ß` folds to `ss`); four times the 100 characters a
# reference may have is more than any real one needs, and short enough for a PostgreSQL index entry.
REFERENCE_KEY_LENGTH = 400


class Payment(Base):
    """Money received on an account, typed by an agent or imported from the payment feed."""

    __tablename__ = "payments"
    __table_args__ = (
        # One payment per reference on an account, however the reference was written.
        UniqueConstraint("account_pk", "reference_key", name="uq_payments_account_reference_key"),
        Index("ix_payments_account_received", "account_pk", "received_at"),
        # A period's payments, read by the reports and summed by the portfolio figures (0028).
        Index("ix_payments_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount())
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str | None] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(100))
    # bot.ledger.rules.references.reference_key(reference): what duplicates are found by. NULL without a
    # reference, and on the later of two payments recorded before 0012 whose references are one.
    reference_key: Mapped[str | None] = mapped_column(String(REFERENCE_KEY_LENGTH))
    payer: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="slack")
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Promise(Base):
    """A promise to pay an amount by a date; kept when payments reach it by date + grace."""

    __tablename__ = "promises"
    __table_args__ = (Index("ix_promises_account_status", "account_pk", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount())
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="open")
    paid_toward: Mapped[Decimal] = mapped_column(MoneyAmount())
    made_by: Mapped[str] = mapped_column(String(32))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An instalment of an approved payment plan: the plan's escalation and its number (1, 2, …).
    plan_escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    instalment: Mapped[int | None]


class Absence(Base):
    """A roster member away for a range of days: their accounts are shared out meanwhile."""

    __tablename__ = "absences"
    __table_args__ = (Index("ix_absences_agent", "agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Assignment(Base):
    """One line of one agent's worklist for one working day."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("work_date", "account_pk", name="uq_assignments_day_account"),
        Index("ix_assignments_day_agent", "work_date", "agent"),
        # Deleting an account (a retention purge) finds its worklist lines through this.
        Index("ix_assignments_account", "account_pk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_date: Mapped[date]
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    agent: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int]
    score: Mapped[float]
    reasons: Mapped[list[str]] = mapped_column(JSON)
    callable_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the customer may first be called, when that was later than the morning's planning
    (their hours, in their zone); None when they could be called at once, or the rules are off."""


class JobRun(Base):
    """A scheduled job's run for one period: the unique row is the claim that makes it run once."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ran_by: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxMessage(Base):
    """A message the bot must deliver, written with the change that causes it and sent from here."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes a message unique (`worklist:2026-11-23:U123`): the same cause never queues it twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when an attempt ended without knowing whether Slack posted it (a timeout, a dropped answer,
    # a claim whose process died): the time of that claim, from which the conversation's history is
    # searched for the message before it is posted again.
    unsure_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Escalation(Base):
    """An agent's request for a supervisor's decision on an account, decided in its Slack thread."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status", "status"), Index("ix_escalations_account", "account_pk"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # Per kind: the instalment (payment plan), the settled amount, the amount written off.
    amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    currency: Mapped[str] = mapped_column(String(3))
    instalments: Mapped[int | None]
    until: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recommended_by: Mapped[str | None] = mapped_column(String(32))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    # The account when the request was made, so that a decision can tell what changed since
    # (all None for requests recorded before migration 0009: then only the account as it is now counts).
    requested_balance: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    requested_status: Mapped[str | None] = mapped_column(String(16))
    requested_assignee: Mapped[str | None] = mapped_column(String(32))
    requested_hold_reason: Mapped[str | None] = mapped_column(String(200))
    # What the approval applied, computed from the account at the decision: the amount written
    # off, a settlement's forgiveness, a plan's total. And why an approval sent it back instead.
    applied_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount())
    returned_because: Mapped[str | None] = mapped_column(Text)
    # The latest question a supervisor asked the agent (Ask for info): the agent sees it in their
    # DM and their list while the escalation waits for the answer.
    question: Mapped[str | None] = mapped_column(Text)
    asked_by: Mapped[str | None] = mapped_column(String(32))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The channel message it lives in: its outbox key until posted, then its ts.
    channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32), index=True)


class AccountNote(Base):
    """Something written about an account outside a contact: replies in an escalation's thread."""

    __tablename__ = "account_notes"
    __table_args__ = (Index("ix_account_notes_account", "account_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Slack's ts of the reply: the same event delivered twice is kept once.
    slack_ts: Mapped[str | None] = mapped_column(String(32), unique=True)


class OutboxFile(Base):
    """The bytes of a file the outbox uploads (a digest's chart or spreadsheet)."""

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Alert(Base):
    """A condition on an account that a supervisor must hear about, raised once until it clears or
    its snooze ends."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_account_condition", "account_pk", "condition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    condition: Mapped[str] = mapped_column(String(32))
    why: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(32))
    # The outbox key of the channel message whose line shows this alert: Take over, Reassign and
    # Snooze edit that message in place.
    message_key: Mapped[str | None] = mapped_column(String(64))


class Complaint(Base):
    """A customer's complaint about the collection: who handles it, by when it must be answered,
    and how it ended."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_account", "account_pk"),
        Index("ix_complaints_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The account's holder when recorded: the digests count complaints by agent.
    agent: Mapped[str | None] = mapped_column(String(32))
    # None: the supervisors as a group.
    handler: Mapped[str | None] = mapped_column(String(32))
    opened_on: Mapped[date]
    due_on: Mapped[date]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    # When the supervisors were told it is overdue: told once.
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Document(Base):
    """A document written to a customer, kept exactly as it went out (every part, and the hash the
    audit carries) so the account's export can reproduce it byte for byte years later."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_account", "account_pk", "created_at"),
        Index("ix_documents_status_channel", "status", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    # Where it went: the email address, or the postal address lines joined by newlines.
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # queued (a letter waiting for its print batch), sent, or cancelled.
    status: Mapped[str] = mapped_column(String(16))
    # slack, dunning or cli; `stage` names the dunning stage that sent it.
    source: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A letter's print batch: the team day `collect-bot letters --date` wrote it for.
    batch: Mapped[date | None]
    contact_pk: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class PropensityModel(Base):
    """One weekly training of the learned propensity to pay (bot/propensity): the standardised
    logistic regression as plain numbers (JSON, never pickled, so it is safe to load and a reviewer
    can read it), its training window, its backtest against the rule score, and whether it won
    (`adopted`: it then stands in for the `propensity` input of the priority score)."""

    __tablename__ = "propensity_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_start: Mapped[date]
    window_end: Mapped[date]
    # The backtest's first test day: snapshots from here on were kept out of its training.
    test_start: Mapped[date]
    examples: Mapped[int] = mapped_column(Integer)
    adopted: Mapped[bool]
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    features: Mapped[list[str]] = mapped_column(JSON)
    coefficients: Mapped[list[float]] = mapped_column(JSON)
    intercept: Mapped[float]
    means: Mapped[list[float]] = mapped_column(JSON)
    scales: Mapped[list[float]] = mapped_column(JSON)


class PropensityScore(Base):
    """An open account's learned propensity for one team day, worked out at the day's first tick
    (bot.propensity.job, learned-scores): every feature window ends at the team's midnight, so the
    morning finds the same scores it would compute, and reads one row per account instead of a year
    of events. Replaced whole each day."""

    __tablename__ = "propensity_scores"

    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date]
    version: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    features: Mapped[list[float]] = mapped_column(JSON)


class RunningFigures(Base):
    """An account's running figures for the learned propensity, as of the team midnight of
    `RunningFiguresNight.day`: what the features sum over the last 30 and 90 days and over all time,
    kept up to date each night from the events that entered and left the windows since the night
    before (bot.propensity.figures), so that the midnight job reads one row per account instead of a
    year of events. No row: nothing counted yet (every figure zero)."""

    __tablename__ = "running_figures"

    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    paid_30: Mapped[Decimal] = mapped_column(MoneyAmount())
    """In the account's own currency only, as the features add it."""
    payments_90: Mapped[int]
    last_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tried_90: Mapped[int]
    answered_90: Mapped[int]
    calls_90: Mapped[int]
    calls_answered_90: Mapped[int]
    texts_90: Mapped[int]
    texts_answered_90: Mapped[int]
    emails_90: Mapped[int]
    emails_answered_90: Mapped[int]
    last_talk_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promises_kept: Mapped[int]
    promises_broken: Mapped[int]


class RunningFiguresNight(Base):
    """Each night the running figures were brought to: the team day whose midnight ends their
    windows, and the last event of each table they count (by record id: an event recorded later,
    whatever its date, is new to the next night). `recounted`: summed in full that night (the first
    night, and once a week as the check of the running sums)."""

    __tablename__ = "running_figures_nights"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    payments_upto: Mapped[int]
    contacts_upto: Mapped[int]
    promises_upto: Mapped[int]
    recounted: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ComplianceRefusal(Base):
    """An action the contact rules refused: who tried what, when, on which account, under which rule.
    Counted per agent in the digests as attempted breaches, so that a supervisor can coach."""

    __tablename__ = "compliance_refusals"
    __table_args__ = (Index("ix_compliance_refusals_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(32))
    account_pk: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[str] = mapped_column(Text)


class ComplianceOverride(Base):
    """A supervisor's one exception to an overridable rule, for one account, used once."""

    __tablename__ = "compliance_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReceivedEvent(Base):
    """An Events API delivery seen once: Slack re-sends an event it thinks was lost (X-Slack-Retry-Num),
    and its event id says it is the same one."""

    __tablename__ = "received_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReceivedRequest(Base):
    """A request that must be applied once, claimed by its key: a slash command by its signature
    (`slash:` + digest; Slack never re-sends one, so the same signed bytes again are a replay) and a
    form by its view and account (`form:` + digest; a form submitted again records nothing new); a
    Socket Mode envelope by its id (`envelope:` + digest; Slack delivers one again when its
    acknowledgement was late).
    Worth keeping for a day: Slack accepts a signature for 5 minutes, and an open form lives hours."""

    __tablename__ = "received_requests"

    request_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ApiRequest(Base):
    """A signed billing-API request that changed something, by the digest of what its signature
    covers ("{timestamp}.{body}"): the same signed request again is answered with `response` (what
    the first one was answered) and applies nothing. A signature is accepted for 5 minutes either
    side of its timestamp, so housekeeping prunes these after a few of those windows."""

    __tablename__ = "api_requests"

    request_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    path: Mapped[str] = mapped_column(String(64))
    # Who signed it: the label of the key that verified (never the key).
    key_label: Mapped[str] = mapped_column(String(32))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)


class SkippedRow(Base):
    """A row a scheduled job could not handle and left out, while it served everyone else: one row
    per job, row and problem, so that the supervisors are told of it once, however often it recurs."""

    __tablename__ = "skipped_rows"
    __table_args__ = (
        UniqueConstraint("job", "row_key", "problem_key", name="uq_skipped_rows_job_row_problem"),
        Index("ix_skipped_rows_last_seen_at", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    # What was skipped, in words a supervisor can look up: "account ACC-1042", "outbox message 77".
    row_key: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str] = mapped_column(Text)
    # A digest of the problem: the same fault met again is the same row, a new one is told anew.
    problem_key: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times: Mapped[int] = mapped_column(default=1)


class AuditEntry(Base):
    """Who changed what, when, with the values before and after. Written in the change's transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FolderSighting(Base):
    """A file seen in the watched import folder (or in its processing/ folder), with its size and
    modification time then: a file is taken only once a later run sees them unchanged, so one still
    being written is never read half-way; any process's run counts."""

    __tablename__ = "folder_sightings"

    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FolderImport(Base):
    """A file of the watched import folder, by name and content: written in the transaction of its
    import (or of its refusal), so the same file is never imported twice, whichever process or
    crash came between."""

    __tablename__ = "folder_imports"
    __table_args__ = (UniqueConstraint("name", "sha256", name="uq_folder_imports_name_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class StrategyAssignment(Base):
    """Which side of a segment's champion/challenger test an account was drawn for: drawn once, at
    random, when the account is first seen in a segment running a test, and kept, so the results
    compare the same accounts month after month. Only segments running a test draw."""

    __tablename__ = "strategy_assignments"
    __table_args__ = (
        UniqueConstraint("account_pk", "segment", name="uq_strategy_assignments_account_segment"),
        Index("ix_strategy_assignments_segment", "segment", "arm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_pk: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    segment: Mapped[str] = mapped_column(String(40))
    arm: Mapped[str] = mapped_column(String(16))
    # The treatment the arm had when drawn (the champion's or the challenger's name).
    treatment: Mapped[str] = mapped_column(String(40))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StrategyDecision(Base):
    """A supervisor's decision on a segment's challenger (promote, stop), applied over the strategy
    file when it is loaded: the file is the team's configuration, the decision is recorded here."""

    __tablename__ = "strategy_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(40))
    challenger: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
