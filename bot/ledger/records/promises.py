"""Recording a promise to pay; a newer promise replaces the open one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import audit
from bot.compliance.records import guard_promise
from bot.errors import UserError
from bot.language.model import _, speaker
from bot.ledger.records.accounts import find_account, open_promise
from bot.ledger.rules.balance import is_closed, status_after_promise
from bot.parsing.amounts import parse_amount
from bot.parsing.dates import DEFAULT_PROMISE_HORIZON_DAYS, parse_promise_date
from bot.vocabulary import AccountStatus, PromiseStatus, status_name
from storage.models import Account, Promise

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    account_id: str
    customer_name: str
    currency: str
    amount: Decimal
    due_date: date
    replaced: Decimal | None


def record_promise(
    session: Session,
    account_id: str,
    amount_text: str,
    date_text: str,
    *,
    actor: str,
    now: datetime,
    today: date,
    zone: ZoneInfo | None = None,
    profile: str = "us",
    horizon_days: int = DEFAULT_PROMISE_HORIZON_DAYS,
) -> PromiseOutcome:
    account = find_account(session, account_id, for_update=True, actor=actor, today=today)
    guard_promise(session, account, now=now, zone=zone or UTC_ZONE, profile=profile)
    amount = parse_amount(amount_text, account.currency)
    due_date = parse_promise_date(date_text, today, horizon_days)
    _check_promisable(account, amount)
    before = audit.account_state(account)
    replaced = _cancel_open_promise(session, account, now)
    session.add(
        Promise(
            account_pk=account.id,
            amount=amount,
            currency=account.currency,
            due_date=due_date,
            status=PromiseStatus.OPEN,
            paid_toward=Decimal(0),
            made_by=actor,
            made_at=now,
        )
    )
    account.status = status_after_promise(account.status)
    account.updated_at = now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="promise.recorded",
        entity="account",
        entity_key=account.account_id,
        before=before,
        after={
            **audit.account_state(account),
            "promise": audit.snapshot({"amount": amount, "due_date": due_date}),
        },
    )
    return PromiseOutcome(
        account_id=account.account_id,
        customer_name=account.customer_name,
        currency=account.currency,
        amount=amount,
        due_date=due_date,
        replaced=replaced.amount if replaced else None,
    )


def _check_promisable(account: Account, amount: Decimal) -> None:
    if account.status == AccountStatus.PLAN:
        raise UserError(
            _("`{account_id}` is on a payment plan: its instalments are its promises.").format(
                account_id=account.account_id
            ),
            _("Record the payments as they come; to change the plan, escalate with `/collect escalate`."),
        )
    if is_closed(account.status):
        raise UserError(
            _("`{account_id}` is {status}: there is nothing left to promise.").format(
                account_id=account.account_id, status=status_name(account.status)
            ),
            _("Check the account with `/collect account {account_id}`.").format(
                account_id=account.account_id
            ),
        )
    if amount > account.balance:
        reader = speaker()
        raise UserError(
            _("{amount} is more than the balance of {balance}.").format(
                amount=reader.money(amount, account.currency),
                balance=reader.money(account.balance, account.currency),
            ),
            _("Type a promise up to the balance."),
            field="amount",
        )


def _cancel_open_promise(session: Session, account: Account, now: datetime) -> Promise | None:
    promise = open_promise(session, account)
    if promise is not None:
        promise.status = PromiseStatus.CANCELLED
        promise.resolved_at = now
    return promise
