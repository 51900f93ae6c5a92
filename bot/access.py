"""Who may see and change what: agents their own accounts, the accounts on their worklist today and
the team's shared queue (accounts nobody holds); supervisors and managers the whole portfolio,
admins the roster too. Only active members of the roster may anything, and only people who may
work accounts are given any. Checked on the server for every command and click; what a message
shows is never the check.

The one place that says which role may do what: everything else asks these predicates (plain
values in, a yes or no out) and never compares roles itself. A role stored by some other way (an
old import, a hand edit) may nothing here."""

from __future__ import annotations

from bot.errors import NotFoundError, UserError
from bot.language.model import _
from bot.parsing.command import MAX_ACCOUNT_ID_LENGTH
from bot.vocabulary import Role

SEES_EVERYTHING = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
"""The supervising roles: they see the whole portfolio, decide escalations and run the team's day."""
MANAGES_THE_ROSTER = frozenset({Role.MANAGER, Role.ADMIN})
DECIDES_ABOVE_LIMITS = frozenset({Role.MANAGER, Role.ADMIN})
"""Whose approval stands whatever it forgives, and who makes the final decision on a recommendation."""
WORKS_ACCOUNTS = frozenset({Role.AGENT, *SEES_EVERYTHING})
"""Roles that may hold accounts and be given a worklist."""
REMINDED_OF_ESCALATIONS = frozenset({Role.SUPERVISOR.value, Role.MANAGER.value})
"""Who is nudged about escalations waiting for a decision (as stored, for a query): admins decide
when asked but are not on the queue's duty."""
TOLD_OF_RECOMMENDATIONS = frozenset({Role.MANAGER.value})
"""Who is told a supervisor recommended an approval above their limit (as stored, for a query)."""


def may_supervise(role: str | None, active: bool) -> bool:
    """Supervising the team: every account and escalation in view, targets, moves, absences,
    holds, alerts and contact-rule exceptions. A removed supervisor supervises nothing."""
    return active and role in SEES_EVERYTHING


def sees_the_team(role: str | None, active: bool) -> bool:
    """The App Home shows the team's day (every agent's numbers, the escalations, alerts and
    promises, with the debtors they are about) rather than a worklist: the supervising roles,
    admins included, as they see every account and decide escalations."""
    return may_supervise(role, active)


def sees_every_account(role: str | None) -> bool:
    """`role` being someone's role while active (None otherwise): the whole portfolio, not only
    their own accounts, today's list and the shared queue."""
    return role in SEES_EVERYTHING


def works_accounts(role: str | None) -> bool:
    """`role` being someone's role while active (None otherwise): whether they may work any account."""
    return role in WORKS_ACCOUNTS


def is_front_line(role: str | None) -> bool:
    """An agent: works a list without being given a capacity, takes high-value accounts only once
    senior, is measured against a target and always shows in the team's numbers."""
    return role == Role.AGENT


def takes_high_value_accounts(role: str | None, *, senior: bool) -> bool:
    """Accounts above the high-value line go to senior agents and to the supervising roles."""
    return works_accounts(role) and (senior or not is_front_line(role))


def may_decide_escalation(role: str | None) -> bool:
    """`role` being the decider's role while active ("" or None otherwise)."""
    return role in SEES_EVERYTHING


def may_decide_above_limit(role: str | None) -> bool:
    """The final decider: an approval stands whatever it forgives, and a supervisor's
    recommendation is theirs to decide."""
    return role in DECIDES_ABOVE_LIMITS


def held_to_approval_limit(role: str | None) -> bool:
    """A decider whose approval above their limit is only a recommendation: a supervisor."""
    return may_decide_escalation(role) and not may_decide_above_limit(role)


def may_manage_roster(role: str | None) -> bool:
    """`role` being the actor's role while active (None otherwise): adding and removing people."""
    return role in MANAGES_THE_ROSTER


def may_work(role: str | None, actor: str, *, assigned_to: str | None, listed_for: str | None) -> bool:
    """Whether `actor` may see and change an account.

    `role` is the actor's role while they are an active member of the roster, None otherwise;
    `assigned_to` who holds the account (None: the shared queue); `listed_for` whose worklist the
    account is on today (shared out while its holder is away, or moved there), None if nobody's."""
    if not works_accounts(role):
        return False
    if sees_every_account(role):
        return True
    return assigned_to is None or actor in (assigned_to, listed_for)


def may_send_documents(role: str | None, actor: str, *, assigned_to: str | None) -> bool:
    """Writing to a customer in the creditor's name (a statement, a reminder, a letter): the
    supervising roles for any account, an agent for the accounts they hold; not for the shared
    queue's, nor for another agent's shared out to them for the day."""
    return works_accounts(role) and (sees_every_account(role) or actor == assigned_to)


def sees_in_full(role: str | None, actor: str, *, assigned_to: str | None, listed_for: str | None) -> bool:
    """A customer's phone and email, shown in full to whoever is to call them (the holder, whoever
    has the account on today's list) and supervisors; masked to an agent browsing the shared queue."""
    return may_work(role, actor, assigned_to=assigned_to, listed_for=listed_for) and (
        sees_every_account(role) or actor in (assigned_to, listed_for)
    )


def may_be_given_accounts(role: str | None, active: bool) -> bool:
    """Whether accounts may be assigned to someone or put on their list: an active member of the
    roster whose role works accounts."""
    return active and works_accounts(role)


def may_change_role(actor_role: str | None, current_role: str | None, new_role: str | None) -> bool:
    """Changing someone's place on the roster (`new_role` None: removing them). Admins and managers
    change the team; only an admin makes an admin, and so only an admin demotes or removes one."""
    if not may_manage_roster(actor_role):
        return False
    return actor_role == Role.ADMIN or Role.ADMIN not in (current_role, new_role)


def no_such_account(typed: str, *, suggestions: list[str], sees_everything: bool) -> NotFoundError:
    """The one answer for an account that does not exist and for one the person may not work, so
    that nobody learns which ids exist by asking: it repeats the id as typed, and suggests only
    accounts the person may work."""
    shown = typed[:MAX_ACCOUNT_ID_LENGTH]
    listed = ", ".join(f"`{s}`" for s in suggestions)
    did_you_mean = _("Did you mean {accounts}?").format(accounts=listed) if suggestions else ""
    if sees_everything:
        return NotFoundError(
            _("There is no account `{account}`.").format(account=shown),
            did_you_mean
            or _("Check the id in the billing system, or type `/collect account` with the exact id."),
            field="account",
        )
    ask = _(
        "Check the id; if the account should be yours today, ask your supervisor to assign it to you"
        " (`/collect assign`)."
    )
    hint = f"{did_you_mean} {ask}".strip()  # both halves translated above
    return NotFoundError(
        _("`{account}` is not an account you can work.").format(account=shown),
        hint,
        field="account",
    )


def not_on_roster() -> UserError:
    return UserError(
        _("You are not on the collections team's roster yet."),
        _("Ask an admin to add you (`/collect team add @you agent`). `/collect help` works for everyone."),
    )
