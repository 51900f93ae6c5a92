"""The contact rules at the moment an agent acts: the facts of the debt read from the ledger, the
verdict of bot.compliance.rules.regulation, a supervisor's one-off override, and every refusal
noted (bot.compliance.desk gives it a transaction of its own, since the refused change itself
writes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.compliance.rules.contact_limits import ContactHistory
from bot.compliance.rules.regulation import (
    DebtFacts,
    Verdict,
    check_contact,
    check_escalation,
    check_promise_request,
    counts_calls,
)
from bot.errors import UserError
from bot.language.model import ENGLISH, N_, _
from bot.language.render import speaking
from bot.ledger.records.accounts import find_account
from bot.roster.records import require_supervisor
from bot.vocabulary import RIGHT_PARTY_OUTCOMES, Channel
from storage.models import Account, ComplianceOverride, ComplianceRefusal, Contact


class ComplianceRefusedError(UserError):
    """The rules refuse this action now; nothing is written but the refusal itself."""

    def __init__(self, verdict: Verdict, account_pk: int, action: str, *, recorded: str = "") -> None:
        hint = (
            _("A supervisor can allow one exception with `/collect override`.") if verdict.overridable else ""
        )
        super().__init__(verdict.explanation, hint)
        self.rule = verdict.rule or "refused"
        self.account_pk = account_pk
        self.action = action
        # What the refusal record keeps: the rules' English, whoever was refused (coaching reads
        # every agent's refusals side by side).
        self.recorded = recorded or verdict.explanation


def debt_facts(
    session: Session, account: Account, now: datetime, zone: ZoneInfo, *, with_calls: bool = True
) -> DebtFacts:
    """The account's calls of the last 7 days and its last phone conversation, as the rules count
    them; `with_calls=False` leaves the calls out (and unread) when the rules will not count them."""
    since = now - timedelta(days=8)
    calls = (
        session.execute(
            select(Contact.at, Contact.outcome).where(
                Contact.account_pk == account.id, Contact.channel == Channel.CALL, Contact.at >= since
            )
        ).all()
        if with_calls
        else []
    )
    days = tuple(at.astimezone(zone).date() for at, _outcome in calls)
    talks = [at.astimezone(zone).date() for at, outcome in calls if outcome in RIGHT_PARTY_OUTCOMES]
    return DebtFacts(
        status=account.status,
        hold_reason=account.hold_reason,
        customer_timezone=account.customer_timezone,
        phone=account.phone,
        calls=ContactHistory(days, max(talks) if talks else None),
    )


def _allowed(
    session: Session, judge: Callable[[], Verdict], account: Account, action: str, now: datetime
) -> None:
    """`judge` asks the rules (pure, so asked again for the record's English wording)."""
    verdict = judge()
    if verdict.allowed:
        return
    if verdict.overridable and _use_override(session, account, verdict.rule or "", now):
        return
    with speaking(ENGLISH):
        recorded = judge().explanation
    raise ComplianceRefusedError(verdict, account.id, action, recorded=recorded)


def guard_contact(
    session: Session, account: Account, channel: str, outcome: str, notes: str | None, *, now: datetime,
    zone: ZoneInfo, profile: str,
) -> None:  # fmt: skip
    # "inbound: …" in the notes logs the customer's own call or message, which the rules never refuse.
    inbound = (notes or "").strip().lower().startswith("inbound")
    facts = debt_facts(session, account, now, zone, with_calls=counts_calls(channel))
    # In the team's zone: the rules count call days in the zone `at` carries, and word the next
    # allowed time in it when the customer's zone is unknown (the team's, named; never raw UTC).
    local = now.astimezone(zone)
    _allowed(
        session,
        lambda: check_contact(channel, outcome, local, facts, inbound=inbound, profile=profile),
        account,
        f"log {channel}",
        now,
    )


def guard_promise(session: Session, account: Account, *, now: datetime, zone: ZoneInfo, profile: str) -> None:
    facts = debt_facts(session, account, now, zone)
    _allowed(session, lambda: check_promise_request(facts, profile=profile), account, "promise", now)


def guard_escalation(
    session: Session, account: Account, kind: str, *, now: datetime, zone: ZoneInfo, profile: str
) -> None:
    facts = debt_facts(session, account, now, zone)
    _allowed(
        session, lambda: check_escalation(kind, facts, profile=profile), account, f"escalate {kind}", now
    )


def _use_override(session: Session, account: Account, rule: str, now: datetime) -> bool:
    override = session.scalars(
        select(ComplianceOverride)
        .where(
            ComplianceOverride.account_pk == account.id,
            ComplianceOverride.rule == rule,
            ComplianceOverride.used_at.is_(None),
        )
        .with_for_update()
    ).first()
    if override is None:
        return False
    override.used_at = now
    return True


def note_refusal(session: Session, refused: ComplianceRefusedError, *, actor: str, now: datetime) -> None:
    """Who tried what, when, under which rule: kept for coaching and counted in the digests."""
    session.add(
        ComplianceRefusal(
            at=now,
            actor=actor,
            account_pk=refused.account_pk,
            action=refused.action,
            rule=refused.rule,
            explanation=refused.recorded,
        )
    )
    audit.record(
        session, at=now, actor=actor, action="compliance.refused", entity="account",
        entity_key=str(refused.account_pk), after=audit.snapshot({"rule": refused.rule, "action": refused.action}),
    )  # fmt: skip


def allow_once(
    session: Session, *, actor: str, account_id: str, rule: str, reason: str, now: datetime, today: date
) -> str:
    """A supervisor allows one exception to an overridable rule, with a reason, audited."""
    if not reason.strip():
        raise UserError(
            _("Say why the exception is justified."),
            _("Type `/collect override <account-id> <rule> <reason…>`."),
        )
    require_supervisor(session, actor, N_("allow an exception to the contact rules"))
    account = find_account(session, account_id, actor=actor, today=today)
    session.add(
        ComplianceOverride(account_pk=account.id, rule=rule, reason=reason, granted_by=actor, granted_at=now)
    )
    audit.record(
        session, at=now, actor=actor, action="compliance.override", entity="account", entity_key=account.account_id,
        after=audit.snapshot({"rule": rule, "reason": reason}),
    )  # fmt: skip
    return account.account_id
