"""The assignments' entry points for Slack: each runs one transaction and returns plain results."""

from __future__ import annotations

from bot.assignments.model import Worklist
from bot.assignments.records.absences import AbsenceOutcome, mark_away
from bot.assignments.records.moves import MoveOutcome, assign_account
from bot.assignments.records.worklists import worklist_for
from bot.ledger.records.accounts import find_account
from bot.roster.records import find_member, supervises
from bot.runtime import Runtime
from bot.strategy.records import treatments_of_list


def todays_worklist(runtime: Runtime, agent_id: str) -> Worklist:
    with runtime.db.reading() as session:
        settings = runtime.settings
        return worklist_for(
            session, agent_id, runtime.today(), runtime.zone,
            weights=settings.score_weights, grace_days=settings.promise_grace_days,
            treatments=treatments_of_list(session, settings, runtime.today(), agent_id),
        )  # fmt: skip


def away(runtime: Runtime, *, actor: str, agent_id: str, from_text: str, to_text: str) -> AbsenceOutcome:
    with runtime.db.transaction() as session:
        return mark_away(
            session,
            actor=actor,
            agent_id=agent_id,
            from_text=from_text,
            to_text=to_text,
            now=runtime.now(),
            today=runtime.today(),
        )


def assign(runtime: Runtime, *, actor: str, account_id: str, agent_id: str) -> MoveOutcome:
    with runtime.db.transaction() as session:
        return assign_account(
            session,
            actor=actor,
            account_id=account_id,
            agent_id=agent_id,
            now=runtime.now(),
            today=runtime.today(),
        )


def account_label(runtime: Runtime, account_id: str, *, actor: str) -> tuple[str, str]:
    """The id and customer name a form's account picker starts with."""
    with runtime.db.reading() as session:
        account = find_account(session, account_id, actor=actor, today=runtime.today())
        return account.account_id, account.customer_name


def may_page(runtime: Runtime, user: str, agent_id: str) -> bool:
    """Whose worklist someone may page through: their own, or, for a supervisor, anyone's."""
    if user == agent_id:
        return True
    with runtime.db.reading() as session:
        return supervises(find_member(session, user))
