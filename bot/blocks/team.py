"""What `/collect team` answers."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import clip, escape, mention
from bot.roster.model import Member


def team_list(members: list[Member]) -> Reply:
    active = [m for m in members if m.active]
    lines = [f"• {mention(m.slack_user_id)} {escape(m.name)} · {m.role}" for m in active]
    gone = len(members) - len(active)
    text = f"*The team* ({len(active)} people)\n" + clip("\n".join(lines), 2800)
    if gone:
        text += f"\n_{gone} former member{'s' if gone != 1 else ''} not shown._"
    return Reply(text=f"The team: {len(active)} people", blocks=[section(text)])


def member_changed(member: Member) -> Reply:
    if member.active:
        text = f":bust_in_silhouette: {mention(member.slack_user_id)} is on the team as *{member.role}*."
    else:
        text = f":wave: {mention(member.slack_user_id)} has left the team; their history stays."
    return Reply(text=text, blocks=[section(text)])
