"""Who may see and change what: agents their own accounts and the team's shared queue (accounts
nobody holds), supervisors and managers the whole portfolio, admins the roster too. Checked on the
server for every command and click; what a message shows is never the check."""

from __future__ import annotations

from bot.errors import UserError
from bot.vocabulary import Role

SEES_EVERYTHING = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
MANAGES_THE_ROSTER = frozenset({Role.MANAGER, Role.ADMIN})


def may_work(role: str | None, actor: str, assigned_to: str | None) -> bool:
    if role is None:
        return False  # not on the roster
    if role in SEES_EVERYTHING:
        return True
    return assigned_to in (actor, None)


def not_yours(account_id: str) -> UserError:
    # Says nothing about whose it is or what it holds: the debtor's details stay with its agent.
    return UserError(
        f"`{account_id}` is not one of your accounts.",
        "Ask your supervisor to assign it to you with `/collect assign`.",
        field="account",
    )


def not_on_roster() -> UserError:
    return UserError(
        "You are not on the collections team's roster yet.",
        "Ask an admin to add you (`/collect team add @you agent`). `/collect help` works for everyone.",
    )
