"""Answering within Slack's 3 s: the work's result goes in the acknowledgement when it is ready
within the budget, and through response_url when it is not (a form's submission has none: its
late answer goes to the person's DM). Whatever the work raises goes through the one error hook
(handlers.failures): the person sees a UserError's message or the apology with an error id, never
a stack trace."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from bot.blocks.answers import working_reply
from bot.blocks.kit import Reply
from bot.errors import UserError

# The error hook's JSON form, re-exported for the billing API: a handler reaches the hook through here.
from handlers.failures import api_failure as api_failure
from handlers.failures import told
from handlers.home_refresh import HomeRefresher
from storage.database import OutOfTimeError

log = logging.getLogger(__name__)

# Work answered on the request's thread (Answerer.answer_here) may spend this share of the reply
# budget on each wait (a pooled connection, a lock, a statement): a pay or a log is a connection
# and at most five statements, so even all of them waiting just under their bound end within the
# budget, and the ack within Slack's 3 s.
WAIT_SHARE_OF_BUDGET = 1 / 8
# Below this, a bound would be shorter than a busy database's ordinary waits: such work goes to
# the pool with the budget as before (a budget this short is a test's or a benchmark's).
SHORTEST_WAIT_SECONDS = 0.05

Work = Callable[[], Reply]
Result = TypeVar("Result")

# Answers about accounts are seen only by the person who asked.
EPHEMERAL = "ephemeral"


def safely(work: Callable[[], Result]) -> Result | Reply:
    try:
        return work()
    except Exception as error:
        return told(error).reply


class Answerer:
    def __init__(
        self,
        budget_seconds: float,
        workers: int = 16,
        refresh_home: Callable[[str], bool | None] | None = None,
        bounded: Callable[[], AbstractContextManager[bool]] = lambda: nullcontext(False),
    ) -> None:
        """`bounded`: the database's bounded transactions (storage.database.Database.bounded), set
        up with wait_seconds; without them everything is answered through the pool."""
        self.budget_seconds = budget_seconds
        self._bounded = bounded
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect-work")
        self.homes = HomeRefresher(refresh_home or (lambda _user: None))

    @property
    def wait_seconds(self) -> float:
        """The bound of each wait of work answered on the request's thread (answer_here)."""
        return self.budget_seconds * WAIT_SHARE_OF_BUDGET

    def answer_here(
        self,
        ack: Callable[..., Any],
        respond: Callable[..., Any],
        work: Work,
        then: Callable[[], None] | None = None,
    ) -> None:
        """As `answer`, but on the request's own thread while the budget is not at risk: the work's
        transactions are bounded (Database.bounded, set up by allow_bounded), so it is done or
        rolled back whole well within the budget. One that ran out of time is done again as
        `answer` does it, with what is left of the budget: the answer then follows through
        response_url if it still cannot be given in time. This spares the hand-off to the pool
        and back (bench_load on PostgreSQL: 2.35 against 2.57 ms of the server's CPU a pay). Where
        the database sets up no bounded transactions it is `answer`."""
        started = time.monotonic()
        with self._bounded() as bounded:
            if not bounded or self.wait_seconds < SHORTEST_WAIT_SECONDS:
                reply = None
            else:
                try:
                    reply = work()
                except OutOfTimeError:
                    log.info("answered through the pool: a wait ran past its share of the reply budget")
                    reply = None
                except Exception as error:
                    reply = told(error).reply
        if reply is None:
            left = self.budget_seconds - (time.monotonic() - started)
            self.answer(ack, respond, work, then, budget_seconds=max(0.0, left))
            return
        ack(response_type=EPHEMERAL, **reply.as_kwargs())
        if then is not None:
            then()

    def answer(
        self,
        ack: Callable[..., Any],
        respond: Callable[..., Any],
        work: Work,
        then: Callable[[], None] | None = None,
        *,
        budget_seconds: float | None = None,
    ) -> None:
        """`then` runs once the work is over, also when it outlasts the budget (a Home refreshed
        before the work commits would show the state before it). `budget_seconds`: what is left of
        the budget when part of it is spent already."""
        # The work runs in the request's context: the reader's language (bot.language) goes with it.
        future = self._executor.submit(contextvars.copy_context().run, safely, work)
        if then is not None:
            future.add_done_callback(lambda _done: then())
        try:
            reply = future.result(timeout=self.budget_seconds if budget_seconds is None else budget_seconds)
        except FutureTimeout:
            ack(response_type=EPHEMERAL, **working_reply().as_kwargs())
            future.add_done_callback(lambda done: _respond_later(respond, done))
            return
        ack(response_type=EPHEMERAL, **reply.as_kwargs())

    def answer_form(
        self,
        ack: Callable[..., Any],
        work: Callable[[], Result],
        *,
        inline: Callable[[UserError], dict[str, str]],
        done: Callable[[Result], None],
        late: Callable[[Reply], None],
    ) -> None:
        """A form's submission. Within the budget: the form closes on success (then `done` runs
        after the acknowledgement) or shows the problem inline (`inline`: block id -> message).
        Past the budget the form is closed at once and, once the work is over, `done` runs or the
        problem goes to `late` (the person's DM): Slack would drop an answer after 3 s."""
        future = self._executor.submit(contextvars.copy_context().run, work)
        try:
            result = future.result(timeout=self.budget_seconds)
        except FutureTimeout:
            ack()
            future.add_done_callback(lambda finished: self._finish_late(finished, done, late))
            return
        except Exception as error:
            ack(response_action="errors", errors=inline(told(error, "form submission failed").problem))
            return
        ack()
        self.later(lambda: done(result))

    def answer_with_view(
        self,
        ack: Callable[..., Any],
        work: Callable[[], dict[str, Any]],
        *,
        waiting: dict[str, Any],
        refused: Callable[[UserError], dict[str, Any]],
        replace: Callable[[dict[str, Any]], object],
        inline: Callable[[UserError], dict[str, str] | None] = lambda _error: None,
    ) -> None:
        """A form's submission whose answer is another view in its place (a preview after the
        choice of a document, what was sent after its Send). Within the budget: that view in the
        acknowledgement, or the problem on a field (`inline`) or as a view of its own (`refused`).
        `inline` gives the field errors for a problem about a field, None for one shown as a view.
        Past the budget: `waiting` at once, and `replace` (views.update) puts the outcome in its place."""
        future = self._executor.submit(contextvars.copy_context().run, work)
        try:
            view = future.result(timeout=self.budget_seconds)
        except FutureTimeout:
            ack(response_action="update", view=waiting)
            future.add_done_callback(lambda finished: self._replace_late(finished, refused, replace))
            return
        except Exception as error:
            problem = told(error, "form submission failed").problem
            errors = inline(problem)
            if errors:
                ack(response_action="errors", errors=errors)
            else:
                ack(response_action="update", view=refused(problem))
            return
        ack(response_action="update", view=view)

    def _replace_late(
        self,
        finished: Future[dict[str, Any]],
        refused: Callable[[UserError], dict[str, Any]],
        replace: Callable[[dict[str, Any]], object],
    ) -> None:
        try:
            try:
                view = finished.result()
            except Exception as error:
                view = refused(told(error, "late form submission failed").problem)
            replace(view)
        except Exception:
            log.exception("could not put a form's late answer in its place")

    def _finish_late(
        self, finished: Future[Result], done: Callable[[Result], None], late: Callable[[Reply], None]
    ) -> None:
        try:
            try:
                result = finished.result()
            except Exception as error:
                late(told(error, "late form submission failed").reply_after_form)
                return
            done(result)
        except Exception:
            log.exception("could not deliver a form's late answer")

    def later(self, work: Callable[[], object]) -> None:
        """Work after the acknowledgement (a Web API call, a delivery): off the request thread, so
        the answer to Slack never waits for it. Nobody waits on it: a failure is only logged."""

        def guarded() -> None:
            try:
                work()
            except UserError:
                log.exception("background work refused")  # nobody to show it to
            except Exception as error:
                told(error, "background work failed")

        self._executor.submit(contextvars.copy_context().run, guarded)

    def shutdown(self) -> None:
        self.homes.stop()
        self._executor.shutdown(wait=True)


def _respond_later(respond: Callable[..., Any], done: Future[Reply]) -> None:
    try:
        respond(response_type=EPHEMERAL, replace_original=True, **done.result().as_kwargs())
    except Exception:
        log.exception("could not deliver a late answer through response_url")


def answer_click(tell: Callable[[Reply], None], work: Callable[[], Reply | None]) -> None:
    """For clicks, acknowledged already: the work's answer, or what went wrong, goes to `tell`.
    Work that answers by itself (a form opened, a page posted) returns None."""
    reply = safely(work)
    if reply is None:
        return
    try:
        tell(reply)
    except Exception:
        log.exception("could not answer a click")


def respond_safely(
    respond: Callable[..., Any],
    work: Callable[[], Reply | None],
    *,
    replace_original: bool = False,
    in_a_view: Callable[[Reply], None] | None = None,
) -> None:
    """For clicks on a message: the answer goes through response_url. A click in a view (the App
    Home) comes with none: its answer goes to `in_a_view` (the person's DM), when given."""
    if in_a_view is not None and getattr(respond, "response_url", "") is None:
        answer_click(in_a_view, work)
        return
    answer_click(
        lambda reply: respond(
            response_type=EPHEMERAL, replace_original=replace_original, **reply.as_kwargs()
        ),
        work,
    )


def teller(body: dict[str, Any], respond: Callable[..., Any], client: Any) -> Callable[[Reply], None]:
    """Clicks on a message answer through response_url; clicks in App Home have none, so a DM."""

    def tell(reply: Reply) -> None:
        if body.get("response_url"):
            respond(response_type=EPHEMERAL, **reply.as_kwargs())
        else:
            client.chat_postMessage(channel=body["user"]["id"], **reply.as_kwargs())

    return tell
