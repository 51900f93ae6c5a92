"""The App Home: for a supervisor, a manager or an admin (bot.access.sees_the_team) the team's day;
for anyone else on the roster, their own list for today with its reasons as they are now; for
someone off the roster, the welcome. Read in one transaction, published after it."""

from __future__ import annotations

import logging

from bot.access import may_decide_above_limit, sees_the_team
from bot.assignments.records.worklists import has_worklists, worklist_for
from bot.blocks.cockpit import team_home
from bot.blocks.worklist import home_view
from bot.cockpit.records import team_day
from bot.language.render import speaking
from bot.roster.records import home_owner
from bot.runtime import Runtime
from bot.strategy.records import treatments_of_list

log = logging.getLogger(__name__)


def publish_home(runtime: Runtime, user: str) -> bool:
    """Builds and publishes `user`'s Home; True when it shows the team's day (they are then kept
    up to date after other people's changes, handlers.home_refresh). Someone not (or no longer) on
    the roster gets the welcome, whatever lines they had."""
    settings, today = runtime.settings, runtime.today()
    # In the Home's owner's language, whoever's change asked for the refresh.
    with speaking(runtime.locale_of(user)), runtime.db.reading() as session:
        owner = home_owner(session, user)
        team = owner is not None and sees_the_team(owner.role, owner.active)
        if owner is not None and team:
            day = team_day(
                session, settings, today=today, now=runtime.now(), viewer=user,
                manager=may_decide_above_limit(owner.role), closed_weeks=runtime.closed_weeks,
            )  # fmt: skip
            view = team_home(day)
        else:
            on_the_team = owner is not None and owner.active
            worklist = (
                worklist_for(
                    session, user, today, runtime.zone,
                    weights=settings.score_weights, grace_days=settings.promise_grace_days,
                    treatments=treatments_of_list(session, settings, today, user),
                    agent_name=owner.name if owner is not None else None,
                )
                if on_the_team and has_worklists(session, today)
                else None
            )  # fmt: skip
            view = home_view(worklist)
    try:
        runtime.slack.views_publish(user_id=user, view=view)
    except Exception:
        log.exception("could not publish the App Home of %s", user)
    return team
