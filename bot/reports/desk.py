"""Reports on demand and targets: `/collect report`, `/collect target` and `collect-bot report`."""

from __future__ import annotations

from bot.errors import UserError
from bot.language.model import _
from bot.reports.model import PerformanceReport, PeriodKind, TargetOutcome
from bot.reports.records.numbers import build_report
from bot.reports.records.targets import set_monthly_target
from bot.roster.records import find_member, require_member, supervises
from bot.runtime import Runtime


def report_for(
    runtime: Runtime, *, actor: str, kind: PeriodKind, user_id: str | None
) -> tuple[PerformanceReport, str | None]:
    """The current period's numbers. An agent sees their own; a supervisor anyone's or the team's.
    Returns the report and whose line to show (None: the team)."""
    with runtime.db.reading() as session:
        me = find_member(session, actor)
        if me is None:
            raise UserError(_("You are not on the team's roster."), _("Ask an admin to add you."))
        whose = user_id if supervises(me) else actor
        if user_id and user_id != actor and not supervises(me):
            raise UserError(_("Agents see their own numbers only."), _("Type `/collect report` for yours."))
        if whose:
            require_member(session, whose)
        return build_report(session, kind, runtime.today(), runtime.settings, runtime.now()), whose


def set_target(runtime: Runtime, *, actor: str, user_id: str, amount_text: str) -> TargetOutcome:
    with runtime.db.transaction() as session:
        return set_monthly_target(
            session, actor=actor, user_id=user_id, amount_text=amount_text,
            currency=runtime.settings.target_currency, now=runtime.now(),
        )  # fmt: skip
