"""Coaching on demand: `/collect report @ana --trend` and `collect-bot review`. A supervisor sees
anyone's; an agent their own only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.blocks.kit import Reply
from bot.blocks.mrkdwn import escape
from bot.coaching.model import MonthReview, RampUp, Trend
from bot.coaching.records import agent_trend, first_of_month, last_of_month, month_report, ramp_up
from bot.coaching.render import review_pdf, review_workbook, trend_chart
from bot.coaching.rules import period_figures
from bot.errors import UserError
from bot.language.model import _
from bot.outbox.records import Upload, enqueue
from bot.roster.records import find_member, require_member, supervises
from bot.runtime import Runtime


@dataclass(frozen=True, slots=True)
class TrendAnswer:
    trend: Trend
    chart_queued: bool


def trend_for(runtime: Runtime, *, actor: str, user_id: str | None) -> TrendAnswer:
    """The 13 closed weeks before this one, read in one transaction; the chart, drawn outside it,
    is queued to the asker's DM (the outbox uploads it) in another."""
    with runtime.db.reading() as session:
        me = find_member(session, actor)
        if me is None:
            raise UserError(_("You are not on the team's roster."), _("Ask an admin to add you."))
        if user_id and user_id != actor and not supervises(me):
            raise UserError(
                _("Agents see their own trend only."), _("Type `/collect report --trend` for yours.")
            )
        agent = require_member(session, user_id or actor)
        now = runtime.now()
        last_week = runtime.today() - timedelta(days=7)
        trend = agent_trend(session, runtime.settings, agent, last_week, now)
    chart = trend_chart(trend)
    title = _("Trend: {name}, last {weeks} weeks against the team's median").format(
        name=trend.name, weeks=len(trend.weeks)
    )
    # The file's comment is mrkdwn: the roster's name is escaped there (its title is plain text).
    comment = _("Trend: {name}, last {weeks} weeks against the team's median").format(
        name=escape(trend.name), weeks=len(trend.weeks)
    )
    with runtime.db.transaction() as session:
        queued = enqueue(
            session,
            key=f"trend:{actor}:{trend.agent_id}:{now.isoformat()}",
            kind="coaching-trend",
            channel=actor,
            reply=Reply(text=comment),
            now=now,
            upload=Upload(f"trend-{trend.agent_id}-{runtime.today().isoformat()}.png", title, chart),
        )
    return TrendAnswer(trend, queued)


@dataclass(frozen=True, slots=True)
class ReviewFiles:
    review: MonthReview
    xlsx: bytes
    pdf: bytes


def monthly_review(runtime: Runtime, *, agent_id: str, month: date) -> ReviewFiles:
    """The month's figures against the team's median and the target, and the 13 weeks to the
    month's end (the command line: whoever runs it may read the database)."""
    with runtime.db.reading() as session:
        agent = require_member(session, agent_id)
        now = runtime.now()
        report = month_report(session, runtime.settings, first_of_month(month), now)
        trend = agent_trend(session, runtime.settings, agent, last_of_month(month), now)
        review = MonthReview(
            agent_id=agent.slack_user_id,
            name=agent.name,
            month=period_figures(report, agent.slack_user_id),
            trend=trend,
            zone=runtime.settings.timezone,
        )
    chart = trend_chart(trend)
    return ReviewFiles(review, review_workbook(review), review_pdf(review, chart, now))


def new_agents(runtime: Runtime) -> RampUp:
    with runtime.db.reading() as session:
        return ramp_up(session, runtime.settings, runtime.today(), runtime.now())
