"""The report counts attempts and worked worklist lines in the database (kpi.ContactTally, one
grouped pass over the contacts, one index probe per worklist line). On a generated portfolio, with
attempts around the team's midnights and across the end of daylight saving time, its figures must
be the ones the report gave when it read every attempt and worked them out here: the reference
below is that former path, the KPI formulas over the facts."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.kpis import rules as kpi
from bot.reports.model import PerformanceReport, PeriodKind
from bot.reports.records.numbers import build_report
from bot.vocabulary import Outcome
from storage.database import Database
from storage.models import Account, Assignment, Contact
from tests.conftest import bot_settings
from tests.portfolio import add_account, add_agent

NY = ZoneInfo("America/New_York")
AGENTS = ("U0TALLY01", "U0TALLY02", "U0TALLY03", "U0TALLYSUP")
CHANNELS = ("call", "email", "sms", "visit")
OUTCOMES = tuple(str(outcome) for outcome in Outcome)
# Saturday 31 October to Monday 30 November 2026: November whole, DST ending on 1 November.
FIRST, LAST = date(2026, 10, 31), date(2026, 11, 30)


def generate(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    for n, agent in enumerate(AGENTS):
        add_agent(db, agent, f"Agent {n}", role="supervisor" if agent.endswith("SUP") else "agent")
    for n in range(30):
        add_account(db, f"ACC-{n}", "100.00", assigned_to=AGENTS[n % 3])
    with db.transaction() as session:
        pks = list(session.scalars(select(Account.id).order_by(Account.id)))
        days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
        for day in days:
            midnight = datetime(day.year, day.month, day.day, tzinfo=NY)
            for _ in range(rng.randrange(5, 25)):
                # Half of them within half an hour of a midnight, where the team's day and UTC's part.
                offset = rng.choice((rng.uniform(-1_800, 1_800), rng.uniform(0, 86_400)))
                at = (midnight + timedelta(seconds=offset)).astimezone(UTC)
                session.add(
                    Contact(
                        account_pk=rng.choice(pks), at=at, channel=rng.choice(CHANNELS),
                        outcome=rng.choice(OUTCOMES), agent=rng.choice(AGENTS), created_at=at,
                    )
                )  # fmt: skip
            if day.weekday() < 5:
                for rank, pk in enumerate(rng.sample(pks, 12), 1):
                    session.add(
                        Assignment(
                            work_date=day,
                            account_pk=pk,
                            agent=AGENTS[rank % 3],
                            rank=rank,
                            score=1.0,
                            reasons=[],
                        )
                    )


def reference(db: Database, report: PerformanceReport) -> dict[str, object]:
    """The figures as the report worked them out before: every attempt of the period read, the
    KPI formulas over the facts, each worklist line looked up in its day's set of attempted accounts."""
    with db.reading() as session:
        rows = session.execute(
            select(Contact.account_pk, Contact.agent, Contact.at, Contact.channel, Contact.outcome)
        )
        contacts = [kpi.ContactFact(*row) for row in rows if report.start <= row.at < report.end]
        lines = list(session.execute(select(Assignment.work_date, Assignment.agent, Assignment.account_pk)))
    period = kpi.Period(report.start, report.end)
    attempted: dict[date, set[int]] = defaultdict(set)
    for contact in contacts:
        attempted[contact.at.astimezone(NY).date()].add(contact.account_pk)
    days = set(kpi.local_days(kpi.period_for(report.kind, report.start.astimezone(NY).date(), NY), NY))
    worked: Counter[str] = Counter()
    assigned: Counter[str] = Counter()
    for work_date, agent, account_pk in lines:
        if work_date in days:
            assigned[agent] += 1
            worked[agent] += account_pk in attempted[work_date]
    return {
        "attempts": kpi.attempts(contacts, period),
        "by_channel": tuple(kpi.attempts_by_channel(contacts, period).items()),
        "rpc": kpi.right_party_contacts(contacts, period),
        "rpc_rate": kpi.rpc_rate(contacts, period),
        "disputes": sum(1 for c in contacts if c.outcome == Outcome.DISPUTE),
        "lines": (sum(worked.values()), sum(assigned.values())),
        "agents": {
            agent: (
                kpi.attempts_by_agent(contacts, period).get(agent, 0),
                kpi.right_party_contacts_by_agent(contacts, period).get(agent, 0),
                kpi.rpc_rate_by_agent(contacts, period).get(agent),
                worked.get(agent, 0),
                assigned.get(agent, 0),
            )
            for agent in AGENTS
            # The supervisor is listed only with attempts of their own.
            if not agent.endswith("SUP") or kpi.attempts_by_agent(contacts, period).get(agent)
        },
    }


def shown(report: PerformanceReport) -> dict[str, object]:
    activity = report.team.activity
    return {
        "attempts": activity.attempts,
        "by_channel": activity.attempts_by_channel,
        "rpc": activity.right_party_contacts,
        "rpc_rate": activity.rpc_rate,
        "disputes": report.team.disputes_opened,
        "lines": (activity.lines_worked, activity.lines_assigned),
        "agents": {
            a.agent_id: (
                a.attempts,
                a.right_party_contacts,
                a.rpc_rate,
                a.accounts_worked,
                a.accounts_assigned,
            )
            for a in report.agents
        },
    }


@pytest.mark.parametrize(
    ("kind", "day", "now"),
    [
        ("month", date(2026, 11, 2), datetime(2026, 12, 1, 9, tzinfo=NY)),  # closed, across DST
        ("week", date(2026, 11, 2), datetime(2026, 11, 9, 9, tzinfo=NY)),  # the week DST ended in
        ("week", date(2026, 11, 25), datetime(2026, 11, 25, 13, 20, tzinfo=NY)),  # so far
        ("day", date(2026, 11, 1), datetime(2026, 11, 2, 9, tzinfo=NY)),  # the 25-hour day
        ("day", date(2026, 11, 18), datetime(2026, 11, 18, 0, 10, tzinfo=NY)),  # ten minutes in
    ],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_counted_figures_are_the_ones_worked_out_from_every_attempt(
    db: Database, database_url: str, kind: PeriodKind, day: date, now: datetime, seed: int
) -> None:
    generate(db, seed)
    with db.reading() as session:
        report = build_report(session, kind, day, bot_settings(database_url), now.astimezone(UTC))
    expected = reference(db, report)
    assert expected["attempts"] or kind == "day"  # a generated week or month is not empty
    assert shown(report) == expected
