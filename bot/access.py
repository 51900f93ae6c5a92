"""Who may see and change what: agents their own accounts, the accounts on their worklist today and
the team's shared queue (accounts nobody holds); supervisors and managers the whole portfolio,
admins the roster too. Only active members of the roster may anything, and only people who may
work accounts are given any. Checked on the server for every command and click; what a message
shows is never the check."""

from __future__ import annotations

from bot.errors import NotFoundError, UserError
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH
from bot.vocabulary import Role

SEES_EVERYTHING = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
MANAGES_THE_ROSTER = frozenset({Role.MANAGER, Role.ADMIN})
WORKS_ACCOUNTS = frozenset({Role.AGENT, *SEES_EVERYTHING})
"""Roles that may hold accounts and be given a worklist; a role stored by some other way (an old
import, a hand edit) is not one of them."""


def may_work(role: str | None, actor: str, *, assigned_to: str | None, listed_for: str | None) -> bool:
    """Whether `actor` may see and change an account.

    `role` is the actor's role while they are an active member of the roster, None otherwise;
    `assigned_to` who holds the account (None: the shared queue); `listed_for` whose worklist the
    account is on today (shared out while its holder is away, or moved there), None if nobody's."""
    if role is None or role not in WORKS_ACCOUNTS:
        return False
    if role in SEES_EVERYTHING:
        return True
    return assigned_to is None or actor in (assigned_to, listed_for)


def sees_in_full(role: str | None, actor: str, *, assigned_to: str | None, listed_for: str | None) -> bool:
    """A customer's phone and email, shown in full to whoever is to call them (the holder, whoever
    has the account on today's list) and supervisors; masked to an agent browsing the shared queue."""
    return may_work(role, actor, assigned_to=assigned_to, listed_for=listed_for) and (
        role in SEES_EVERYTHING or actor in (assigned_to, listed_for)
    )


def may_be_given_accounts(role: str | None, active: bool) -> bool:
    """Whether accounts may be assigned to someone or put on their list: an active member of the
    roster whose role works accounts."""
    return active and role in WORKS_ACCOUNTS


def may_change_role(actor_role: str | None, current_role: str | None, new_role: str | None) -> bool:
    """Changing someone's place on the roster (`new_role` None: removing them). Admins and managers
    change the team; only an admin makes an admin, and so only an admin demotes or removes one."""
    if actor_role not in MANAGES_THE_ROSTER:
        return False
    return actor_role == Role.ADMIN or Role.ADMIN not in (current_role, new_role)


def no_such_account(typed: str, *, suggestions: list[str], sees_everything: bool) -> NotFoundError:
    """The one answer for an account that does not exist and for one the person may not work, so
    that nobody learns which ids exist by asking: it repeats the id as typed, and suggests only
    accounts the person may work."""
    shown = typed[:MAX_ACCOUNT_ID_LENGTH]
    did_you_mean = ("Did you mean " + ", ".join(f"`{s}`" for s in suggestions) + "? ") if suggestions else ""
    if sees_everything:
        return NotFoundError(
            f"There is no account `{shown}`.",
            did_you_mean.rstrip()
            or "Check the id in the billing system, or type `/collect account` with the exact id.",
            field="account",
        )
    return NotFoundError(
        f"`{shown}` is not an account you can work.",
        did_you_mean + "Check the id; if the account should be yours today, ask your supervisor to"
        " assign it to you (`/collect assign`).",
        field="account",
    )


def not_on_roster() -> UserError:
    return UserError(
        "You are not on the collections team's roster yet.",
        "Ask an admin to add you (`/collect team add @you agent`). `/collect help` works for everyone.",
    )
