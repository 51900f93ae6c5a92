"""The buttons on an alert: Take over, Reassign (pick someone), Snooze; and the next page of
`/collect alerts`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.alerts import desk
from bot.blocks.alerts import alert_handled
from bot.blocks.kit import Reply
from bot.ids import ActionId
from bot.interactions import clicked_record_id, record_id
from bot.language.model import N_, _
from bot.outbox.job import deliver_now
from bot.runtime import Runtime
from handlers.answering import Answerer, respond_safely
from handlers.forms import tell_person


def _alert_id(action: dict[str, Any]) -> int:
    """The alert a button names. Only a number is taken from it: who may act on which alert is
    decided on the server (alerts.desk), so a made-up id can do nothing a supervisor may not."""
    return clicked_record_id(action, "alert", button=N_("alert button"))


def _page(action: dict[str, Any]) -> int:
    return record_id(
        str(action.get("value", "")), button=N_("page button"), hint=_("Type `/collect alerts` for the list.")
    )


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    def on(work: Callable[[str, dict[str, Any]], str]) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            ack()
            user = body["user"]["id"]

            def answer() -> Reply:
                return alert_handled(work(user, action))

            def answer_then_edit() -> None:
                # Clicked on a supervisor's App Home: no response_url, the answer goes to their DM.
                respond_safely(respond, answer, in_a_view=lambda reply: tell_person(runtime, user, reply))
                deliver_now(runtime)  # the channel message's edit, queued with the action
                answerer.homes.request(user)  # the alert leaves the supervisors' Homes

            answerer.later(answer_then_edit)

        return listener

    app.action(ActionId.ALERT_TAKE_OVER)(
        on(lambda user, action: desk.hand_to(runtime, actor=user, alert_id=_alert_id(action), agent_id=user))
    )
    app.action(ActionId.ALERT_REASSIGN)(
        on(
            lambda user, action: desk.hand_to(
                runtime, actor=user, alert_id=_alert_id(action), agent_id=str(action.get("selected_user", ""))
            )
        )
    )
    app.action(ActionId.ALERT_SNOOZE)(
        on(lambda user, action: desk.snooze(runtime, actor=user, alert_id=_alert_id(action)))
    )

    @app.action(ActionId.ALERTS_PAGE)
    def next_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        answerer.later(
            lambda: respond_safely(
                respond,
                lambda: desk.alerts_list(runtime, actor=user, page=_page(action)),
                replace_original=True,
            )
        )
