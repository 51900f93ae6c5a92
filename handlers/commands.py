"""`/collect …`: parse the text, call the ledger, answer ephemerally (or open a modal)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient

from bot.alerts import desk as alerts
from bot.assignments import desk as assignments
from bot.blocks import ledger as render
from bot.blocks.assignments import account_moved, away_recorded
from bot.blocks.coaching import trend_reply
from bot.blocks.complaints import complaint_recorded, complaint_resolved, complaints_list
from bot.blocks.digest import report_reply
from bot.blocks.escalations import escalate_modal, escalated_reply, escalations_list
from bot.blocks.kit import Reply
from bot.blocks.modals import log_modal, pay_modal, promise_modal
from bot.blocks.strategy import strategy_decided
from bot.blocks.targets import target_set
from bot.blocks.team import member_changed, team_list
from bot.blocks.worklist import worklist_reply
from bot.coaching import desk as coaching
from bot.complaints import desk as complaints
from bot.compliance.desk import grant_override
from bot.errors import UserError
from bot.escalations import desk as escalations
from bot.interactions import CarriedKey, ModalOrigin
from bot.ledger import desk
from bot.outbox.job import deliver_now
from bot.parsing.command import (
    AccountCommand,
    AlertsCommand,
    AssignCommand,
    AwayCommand,
    Command,
    ComplaintCommand,
    ComplaintsCommand,
    EscalateCommand,
    EscalationsCommand,
    HelpCommand,
    HoldCommand,
    LogCommand,
    MineCommand,
    OpenModal,
    OverrideCommand,
    PayCommand,
    PromiseCommand,
    ReleaseCommand,
    ReportCommand,
    ResolveComplaintCommand,
    SendCommand,
    StrategyCommand,
    TargetCommand,
    TeamCommand,
    parse_command,
)
from bot.reports import desk as reports
from bot.roster import desk as team_desk
from bot.runtime import Runtime
from bot.strategy import desk as strategy
from handlers.answering import EPHEMERAL, Answerer, respond_safely
from handlers.forms import open_preview
from handlers.gate import command_claim, refuse_replayed_command

# Commands after which the person's App Home (today's progress) is refreshed, and with it the
# Homes of the supervisors watching the team's day (handlers.home_refresh). A refused contact
# counts too: the team's Home counts the refusals by the contact rules.
CHANGES_A_WORKLIST = (
    LogCommand, PayCommand, PromiseCommand, EscalateCommand, AwayCommand, AssignCommand, HoldCommand,
    ReleaseCommand, TargetCommand,
)  # fmt: skip

# The busiest commands claim their signature in the transaction of their change rather than in one
# of their own before it: one transaction a command instead of two.
CLAIMED_WITH_THE_CHANGE = (LogCommand, PayCommand)

_MODALS = {"log": log_modal, "pay": pay_modal, "promise": promise_modal, "escalate": escalate_modal}


def register(app: App, runtime: Runtime, answerer: Answerer) -> None:
    key = CarriedKey(runtime.settings.slack_signing_secret)

    @app.command("/collect")
    def collect(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, request: BoltRequest
    ) -> None:
        user = command["user_id"]
        try:
            parsed = parse_command(command.get("text", ""))
        except UserError as error:
            ack(response_type=EPHEMERAL, **render.parse_error_reply(error).as_kwargs())
            return
        if isinstance(parsed, OpenModal):
            ack()
            # The form's answer goes to the person's DM: nothing carried in it says where.
            origin = ModalOrigin().signed_with(key)
            modal = _MODALS[parsed.subcommand](origin)
            answerer.later(lambda: client.views_open(trigger_id=command["trigger_id"], view=modal))
            return
        if isinstance(parsed, SendCommand):
            ack()
            # The preview form: a wait at once on the trigger (it lasts 3 s), the document after.
            sending = parsed

            def preview() -> None:
                open_preview(
                    runtime,
                    key,
                    client,
                    trigger_id=command["trigger_id"],
                    user=user,
                    account_id=sending.account_id,
                    kind=sending.kind,
                    channel=sending.channel,
                )

            # A form that could not open at all (Slack refused the trigger) is told ephemerally.
            answerer.later(lambda: respond_safely(respond, preview))
            return
        # Whoever else's list the command changed (a payment on an agent's account): their Homes too.
        told: set[str] = set()

        def refresh_homes() -> None:
            for person in (user, *sorted(told - {user})):
                answerer.homes.request(person)

        refresh = refresh_homes if isinstance(parsed, CHANGES_A_WORKLIST) else None

        socket_mode = request.mode == "socket_mode"

        def work() -> Reply:
            if isinstance(parsed, CLAIMED_WITH_THE_CHANGE):
                claim = command_claim(request.headers, socket_mode=socket_mode)
                return execute(runtime, user, parsed, told, claim=claim)
            refuse_replayed_command(runtime, request.headers, socket_mode=socket_mode)
            return execute(runtime, user, parsed, told)

        if isinstance(parsed, CLAIMED_WITH_THE_CHANGE) and not socket_mode:
            # Most of a busy morning: one short transaction, answered on the request's thread
            # with its waits bounded where the database allows it (PostgreSQL); the socket's
            # thread is not held up by any of them.
            answerer.answer_here(ack, respond, work, then=refresh)
            return
        answerer.answer(ack, respond, work, then=refresh)


def execute(
    runtime: Runtime, user: str, command: Command, told: set[str] | None = None, claim: str | None = None
) -> Reply:
    """The command's answer; `told` gathers the other people whose lists it changed; `claim`: the
    key a CLAIMED_WITH_THE_CHANGE command claims in its transaction."""
    match command:
        case HelpCommand():
            return render.help_reply()
        case AccountCommand(account_id=account_id):
            return render.account_card(desk.show_account(runtime, account_id, actor=user))
        case LogCommand():
            outcome = desk.log(
                runtime,
                actor=user,
                account_id=command.account_id,
                channel=command.channel,
                outcome=command.outcome,
                notes=command.notes,
                claim=claim,
            )
            return render.contact_logged(outcome)
        case PayCommand():
            asked = desk.pay_or_ask(
                runtime, actor=user, account_id=command.account_id, amount_text=command.amount_text,
                method=command.method, reference=command.reference, claim=claim,
            )  # fmt: skip
            if told is not None and not isinstance(asked, desk.PaymentToConfirm):
                told.update(asked.told)
            return render.payment_answer(asked, CarriedKey(runtime.settings.slack_signing_secret))
        case PromiseCommand():
            promised = desk.promise(
                runtime,
                actor=user,
                account_id=command.account_id,
                amount_text=command.amount_text,
                date_text=command.date_text,
            )
            return render.promise_recorded(promised)
        case MineCommand():
            return worklist_reply(assignments.todays_worklist(runtime, user))
        case AwayCommand():
            absence = assignments.away(
                runtime,
                actor=user,
                agent_id=command.user_id,
                from_text=command.from_text,
                to_text=command.to_text,
            )
            return away_recorded(absence)
        case EscalateCommand():
            return escalate(runtime, user, command)
        case EscalationsCommand():
            open_ones = escalations.open_escalations(runtime, user)
            return escalations_list(open_ones, runtime.now(), whose=escalations.whose(runtime, user))
        case AlertsCommand():
            return alerts.alerts_list(runtime, actor=user, page=command.page)
        case ReportCommand(trend=True):
            answer = coaching.trend_for(runtime, actor=user, user_id=command.user_id)
            deliver_now(runtime)  # the chart's upload, on the outbox's exactly-once path
            return trend_reply(answer.trend, chart_queued=answer.chart_queued)
        case ReportCommand():
            report, whose = reports.report_for(
                runtime, actor=user, kind=command.kind, user_id=command.user_id
            )
            return report_reply(report, whose=whose)
        case TargetCommand():
            return target_set(
                reports.set_target(
                    runtime, actor=user, user_id=command.user_id, amount_text=command.amount_text
                )
            )
        case HoldCommand():
            held = desk.hold(
                runtime, actor=user, account_id=command.account_id, reason=command.reason, notes=command.notes
            )
            return render.hold_changed(held)
        case ReleaseCommand():
            released = desk.release(runtime, actor=user, account_id=command.account_id, reason=command.reason)
            return render.hold_changed(released)
        case OverrideCommand():
            granted = grant_override(
                runtime, actor=user, account_id=command.account_id, rule=command.rule, reason=command.reason
            )
            return render.override_granted(granted, command.rule)
        case ComplaintCommand():
            return complaint_recorded(
                complaints.record(
                    runtime, actor=user, account_id=command.account_id, category=command.category,
                    text=command.text, handler=command.handler,
                )
            )  # fmt: skip
        case ResolveComplaintCommand():
            return complaint_resolved(
                complaints.resolve(
                    runtime, actor=user, complaint_id=command.complaint_id, outcome=command.outcome
                )
            )
        case ComplaintsCommand():
            return complaints_list(complaints.open_ones(runtime, actor=user))
        case TeamCommand():
            return team(runtime, user, command)
        case StrategyCommand():
            decide = strategy.promote if command.action == "promote" else strategy.stop
            return strategy_decided(decide(runtime, actor=user, name=command.name))
        case SendCommand():
            raise AssertionError("`/collect send` opens its preview form instead")
        case AssignCommand():
            moved = assignments.assign(
                runtime, actor=user, account_id=command.account_id, agent_id=command.user_id
            )
            return account_moved(moved)
    raise AssertionError(f"unhandled command {command!r}")


def escalate(runtime: Runtime, user: str, command: EscalateCommand) -> Reply:
    card = escalations.escalate(runtime, actor=user, request=command)
    deliver_now(runtime)  # the supervisors' message first, so that the answer can link to it
    return escalated_reply(card, escalations.permalink(runtime, card.id))


def team(runtime: Runtime, user: str, command: TeamCommand) -> Reply:
    if command.action == "list":
        return team_list(team_desk.list_team(runtime, actor=user))
    assert command.user_id is not None
    if command.action == "add":
        assert command.role is not None
        name = _display_name(runtime, command.user_id)
        return member_changed(
            team_desk.add_member(
                runtime,
                actor=user,
                user_id=command.user_id,
                role=command.role,
                name=name,
                locale=command.locale,
            )
        )
    return member_changed(team_desk.remove_member(runtime, actor=user, user_id=command.user_id))


def _display_name(runtime: Runtime, user_id: str) -> str:
    """The person's name as Slack knows it; their id when Slack cannot say."""
    try:
        profile = runtime.slack.users_info(user=user_id)["user"]
        return str(profile.get("real_name") or profile.get("name") or user_id)
    except Exception:
        return user_id
