"""The app factory: a Bolt app wired to the runtime, and the WSGI application that serves it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.assignments.records.arrivals import payments_arrived
from bot.cockpit.desk import publish_home
from bot.runtime import Runtime
from handlers import (
    actions,
    alerts,
    commands,
    complaints,
    documents,
    escalations,
    events,
    gate,
    options,
    shortcuts,
    views,
    worklists,
)
from handlers.answering import WAIT_SHARE_OF_BUDGET, Answerer
from handlers.failures import unexpected_in_listener
from handlers.interpreter_turns import take_short_turns_throughout
from wiring.web import CollectBotWsgi

if TYPE_CHECKING:
    from handlers.api import BillingApi


def create_bolt_app(runtime: Runtime, answerer: Answerer) -> App:
    settings = runtime.settings
    # Every serving process, over HTTP or Socket Mode: on SQLite its writers take turns on one
    # connection (handlers.interpreter_turns).
    if runtime.db.is_sqlite:
        take_short_turns_throughout()
    app = App(
        # The name Bolt would take from its caller's file (its loggers' name), given: Bolt finds it by
        # inspect.stack(), which reads the source of every calling module into memory for good.
        name="app.py",
        client=runtime.slack,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Start-up must not depend on Slack being reachable; auth.test runs on the first request.
        token_verification_enabled=False,
        # Listeners run on the request's own thread and answer when they return: no hand-off to
        # Bolt's pool and no 10 ms polling for the acknowledgement. Whatever may be slow after the
        # acknowledgement (Web API calls, deliveries) goes to answerer.later, and a command's work
        # to the answerer's pool with its reply budget.
        process_before_response=True,
        # Checked once, before Bolt: CollectBotWsgi verifies Slack's signature on the raw bytes of
        # every HTTP request it dispatches (a 401 otherwise), and Socket Mode's envelopes carry
        # none. Bolt's check again cost a pay another HMAC of the body.
        request_verification_enabled=False,
    )
    gate.register(app, runtime)
    commands.register(app, runtime, answerer)
    actions.register(app, runtime, answerer)
    options.register(app, runtime)
    views.register(app, runtime, answerer)
    worklists.register(app, runtime, answerer)
    events.register(app, runtime, answerer)
    escalations.register(app, runtime, answerer)
    alerts.register(app, runtime, answerer)
    complaints.register(app, runtime, answerer)
    shortcuts.register(app, runtime, answerer)
    documents.register(app, runtime, answerer)
    # An exception escaping a listener or middleware fails the one way too: logged with an error
    # id, answered with the apology, never a stack trace.
    app.error(unexpected_in_listener)
    return app


def create_wsgi_app(runtime: Runtime) -> CollectBotWsgi:
    settings = runtime.settings
    # Pay and log answer on the request's thread, each wait of theirs bounded by a share of the budget.
    runtime.db.allow_bounded(settings.reply_budget_seconds * WAIT_SHARE_OF_BUDGET)
    answerer = Answerer(
        settings.reply_budget_seconds,
        refresh_home=lambda user: publish_home(runtime, user),
        bounded=runtime.db.bounded,
    )
    return CollectBotWsgi(
        create_bolt_app(runtime, answerer),
        runtime.db,
        answerer,
        runtime.settings.slack_signing_secret.get_secret_value(),
        create_billing_api(runtime, answerer),
    )


def create_billing_api(runtime: Runtime, answerer: Answerer) -> BillingApi | None:
    """The billing API (on with COLLECT_API_SECRET); a payment's Homes refresh through the answerer's
    paced refresher, like any other change. None when it is off: its modules (the billing link, the
    imports' checks) then stay out of the serving process's memory, and `/api/` is a 404 as before."""
    if not runtime.settings.api_secrets:
        return None
    from handlers.api import BillingApi

    return BillingApi(runtime, after_payments=payments_arrived, refresh_home=answerer.homes.request)
