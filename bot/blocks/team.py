"""What `/collect team` answers."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import clip, escape, mention
from bot.language.model import N_, _, counted
from bot.roster.model import Member

# The roles as they are shown; typed, they stay the English words (`/collect team add @x agent`).
_ROLES = {
    "agent": N_("agent"),
    "supervisor": N_("supervisor"),
    "manager": N_("manager"),
    "admin": N_("admin"),
}


def team_list(members: list[Member]) -> Reply:
    active = [m for m in members if m.active]
    lines = [
        f"• {mention(m.slack_user_id)} {escape(m.name)} · {_(_ROLES.get(m.role, m.role))}" for m in active
    ]
    gone = len(members) - len(active)
    people = counted("{count} person", "{count} people", len(active))
    text = _("*The team* ({people})").format(people=people) + "\n" + clip("\n".join(lines), 2800)
    if gone:
        text += (
            "\n_"
            + counted("{count} former member not shown.", "{count} former members not shown.", gone)
            + "_"
        )
    return Reply(text=_("The team: {people}").format(people=people), blocks=[section(text)])


def member_changed(member: Member) -> Reply:
    if member.active:
        text = _(":bust_in_silhouette: {person} is on the team as *{role}*.").format(
            person=mention(member.slack_user_id), role=_(_ROLES.get(member.role, member.role))
        )
    else:
        text = _(":wave: {person} has left the team; their history stays.").format(
            person=mention(member.slack_user_id)
        )
    return Reply(text=text, blocks=[section(text)])
