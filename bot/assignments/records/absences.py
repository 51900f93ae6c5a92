"""Marking someone away: their accounts are shared out for those days and come back after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import audit
from bot.calendar import add_days
from bot.errors import UserError
from bot.language.model import N_, _, speaker
from bot.parsing.dates import parse_date
from bot.roster.records import require_member, require_supervisor
from storage.models import Absence

LONGEST_ABSENCE = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class AbsenceOutcome:
    agent_id: str
    agent_name: str
    starts_on: date
    ends_on: date


def absence_dates(from_text: str, to_text: str, today: date) -> tuple[date, date]:
    """From and to, both included; the range must end today or later, at most a year ahead, and
    last at most a year (so it starts at most a year back)."""
    starts_on, ends_on = parse_date(from_text, today), parse_date(to_text, today)
    latest = add_days(today, LONGEST_ABSENCE.days)
    if ends_on > latest:
        raise UserError(
            _(
                "The absence would end on {ends_on}, more than {days} days ahead; the latest is {latest}."
            ).format(
                ends_on=ends_on.isoformat(),
                days=speaker().number(LONGEST_ABSENCE.days),
                latest=latest.isoformat(),
            ),
            _("Type a last day up to `{latest}`; a longer absence is recorded again then.").format(
                latest=latest.isoformat()
            ),
            field="date",
        )
    if ends_on < starts_on:
        raise UserError(
            _("The absence ends ({ends_on}) before it starts ({starts_on}).").format(
                ends_on=ends_on.isoformat(), starts_on=starts_on.isoformat()
            ),
            _("Type the first day away, then the last, like `2026-12-24 2026-12-31`."),
            field="date",
        )
    if ends_on < today:
        raise UserError(_("That absence is over already."), _("Type dates from today on."), field="date")
    if ends_on - starts_on > LONGEST_ABSENCE:
        raise UserError(_("An absence can last at most a year."), _("Type a shorter range."), field="date")
    return starts_on, ends_on


def mark_away(
    session: Session, *, actor: str, agent_id: str, from_text: str, to_text: str, now: datetime, today: date
) -> AbsenceOutcome:
    if agent_id != actor:
        require_supervisor(session, actor, N_("mark someone else away"))
    agent = require_member(session, agent_id)
    starts_on, ends_on = absence_dates(from_text, to_text, today)
    session.add(
        Absence(agent=agent_id, starts_on=starts_on, ends_on=ends_on, recorded_by=actor, created_at=now)
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="absence.recorded",
        entity="agent",
        entity_key=agent_id,
        after=audit.snapshot({"starts_on": starts_on, "ends_on": ends_on}),
    )
    return AbsenceOutcome(agent_id=agent_id, agent_name=agent.name, starts_on=starts_on, ends_on=ends_on)
