"""Dunning in Slack: the supervisors' daily summary of what went out and what was held back."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import code
from bot.dunning.model import DunningSummary, HeldBack
from bot.language.model import N_, _, counted, number, speaker
from bot.vocabulary import channel_name

HELD_NAMES: dict[HeldBack, str] = {
    HeldBack.ON_HOLD: N_("on hold"),
    HeldBack.PROMISE: N_("an open promise"),
    HeldBack.RECENT_CONTACT: N_("contacted that way lately"),
    HeldBack.NO_EMAIL: N_("no email address"),
    HeldBack.NO_ADDRESS: N_("no postal address"),
    HeldBack.EMAIL_OFF: N_("email not set up"),
    HeldBack.VALIDATION_PERIOD: N_("in the validation period"),
    HeldBack.DAILY_LIMIT: N_("over the day's limit (next working day)"),
    HeldBack.REFUSED: N_("refused by the contact rules"),
}


def held_name(reason: HeldBack) -> str:
    return _(HELD_NAMES[reason])


def dunning_summary(summary: DunningSummary) -> Reply:
    """Counts per stage and channel, and per reason held back; accounts are not named (the
    supervisors find them in `collect-bot run dunning --dry-run`)."""
    day = speaker().day(summary.day)
    if not summary.total_sent and not summary.total_held:
        text = _(":envelope: *Dunning, {day}*: no reminder was due today.").format(day=day)
        return Reply(text=text, blocks=[section(text)])
    sent = counted("{count} document sent", "{count} documents sent", summary.total_sent)
    lines = [_(":envelope: *Dunning, {day}*: {sent}.").format(day=day, sent=sent)]
    for stage in summary.sent:
        lines.append(
            _("• {stage} by {channel}: {count}").format(
                stage=code(stage.stage), channel=channel_name(stage.channel), count=number(stage.count)
            )
        )
    if any(stage.channel == "letter" for stage in summary.sent):
        lines.append(_("Letters wait for the print room's batch (`collect-bot letters`)."))
    if summary.total_held:
        reasons = ", ".join(f"{held_name(reason)} {number(count)}" for reason, count in summary.held)
        held = counted("{count} held back", "{count} held back", summary.total_held)
        lines.append(_("{held}: {reasons}.").format(held=held, reasons=reasons))
    if summary.skipped:
        lines.append(
            counted(
                "{count} account could not be handled (told on its own).",
                "{count} accounts could not be handled (told on their own).",
                summary.skipped,
            )
        )
    summary_line = _("Dunning, {day}: {sent}").format(day=day, sent=sent)
    return Reply(text=summary_line, blocks=[section("\n".join(lines))])
