"""The team's roster: who is who, by Slack user id; joining and leaving it, audited; and the memory
of who is on it that the gate asks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot import audit
from bot.access import may_be_given_accounts, may_change_role, may_manage_roster, may_supervise
from bot.errors import NotFoundError, UserError
from bot.language.model import _
from bot.roster.model import Member
from bot.vocabulary import Role
from storage.database import Database
from storage.models import Agent, table_of


def find_member(session: Session, slack_user_id: str) -> Agent | None:
    return session.scalars(_MEMBER_BY_ID, {"user": slack_user_id}).first()


# Built once: find_member is asked on many paths (a name in plain text, a member's details).
_MEMBER_BY_ID = select(Agent).where(Agent.slack_user_id == bindparam("user"))


class HomeOwner(NamedTuple):
    role: str
    active: bool
    name: str


def home_owner(session: Session, slack_user_id: str) -> HomeOwner | None:
    """A person's role, whether active and name, as plain columns (None off the roster): an App
    Home rebuild needs no more, and loading the member through the ORM cost it a tenth of its CPU."""
    found = session.connection().execute(_OWNER_BY_ID, {"user": slack_user_id}).first()
    return HomeOwner(*found) if found is not None else None


_AGENTS = table_of(Agent)
_OWNER_BY_ID = select(_AGENTS.c.role, _AGENTS.c.active, _AGENTS.c.name).where(
    _AGENTS.c.slack_user_id == bindparam("user")
)


def roster_name(session: Session, slack_user_id: str) -> str:
    """A person's name for plain text; their Slack id when they are not on the roster."""
    member = find_member(session, slack_user_id)
    return member.name if member else slack_user_id


def supervises(member: Agent | None) -> bool:
    """bot.access.may_supervise, for someone as the roster has them (None: not on it)."""
    return member is not None and may_supervise(member.role, member.active)


def require_supervisor(session: Session, slack_user_id: str, action: str) -> Agent:
    """The acting person, when the roster says they supervise; a polite refusal otherwise. `action`
    is marked with N_ by the caller (`N_("set targets")`) and translated here."""
    member = find_member(session, slack_user_id)
    if not supervises(member):
        raise UserError(
            _("Only supervisors and managers can {action}.").format(action=_(action)),
            _("Ask your supervisor to do it."),
        )
    assert member is not None
    return member


def require_member(session: Session, slack_user_id: str) -> Agent:
    """An active member of the team, to be given something (a target, an absence, accounts): never
    someone removed from the roster or never on it."""
    member = find_member(session, slack_user_id)
    if member is None:
        raise NotFoundError(
            _("{user} is not on the team's roster.").format(user=slack_user_id),
            _(
                "Ask an admin to add them (`/collect team add @them agent`), or pick someone on the team"
                " (`/collect team` lists them)."
            ),
            field="user",
        )
    if not member.active:
        raise UserError(
            _("{name} is not on the team any more.").format(name=member.name),
            _(
                "Pick someone on the team (`/collect team` lists them), or ask an admin to bring them"
                " back with `/collect team add`."
            ),
            field="user",
        )
    return member


def require_account_holder(session: Session, slack_user_id: str) -> Agent:
    """An active member who may be given accounts: assigned, or put on their worklist."""
    member = require_member(session, slack_user_id)
    if not may_be_given_accounts(member.role, member.active):
        raise UserError(
            _("{name} cannot work accounts (their role is {role}).").format(
                name=member.name, role=member.role
            ),
            _("Give the account to an agent or a supervisor."),
            field="user",
        )
    return member


ROSTER_MEMORY = timedelta(seconds=5)


def team_members(session: Session, *, actor: str) -> list[Member]:
    if not supervises(find_member(session, actor)):
        raise UserError(_("Only supervisors, managers and admins can list the team."))
    agents = session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.role, Agent.name))
    return [Member(a.slack_user_id, a.name, a.role, a.active) for a in agents]


def join(
    session: Session,
    *,
    actor: str,
    user_id: str,
    role: Role,
    name: str,
    now: datetime,
    locale: str | None = None,
) -> Member:
    """Adds someone (or gives them a new role, or brings them back), audited; with a locale, the
    bot speaks that language to them from then on (without one, theirs is left as it was)."""
    me = find_member(session, actor)
    member = find_member(session, user_id)
    _require_power_over(me, member, role)
    before = (
        audit.snapshot({"role": member.role, "active": member.active, "locale": member.locale})
        if member
        else None
    )
    if member is None:
        member = Agent(
            slack_user_id=user_id, name=name, role=role, languages="", created_at=now, updated_at=now
        )
        session.add(member)
    member.role, member.active, member.updated_at = role, True, now
    if locale is not None:
        member.locale = locale
    session.flush()
    audit.record(
        session, at=now, actor=actor, action="team.added", entity="agent", entity_key=user_id,
        before=before, after=audit.snapshot({"role": role, "active": True, "locale": member.locale}),
    )  # fmt: skip
    return Member(user_id, member.name, member.role, True)


def speak_to(session: Session, *, user_id: str, locale: str | None, now: datetime) -> Member:
    """Someone on the team chooses the language the bot speaks to them (None: Slack's, else the
    team's), audited. Their own choice: nobody else's power is needed."""
    member = find_member(session, user_id)
    if member is None or not member.active:
        raise UserError(_("{user} is not on the team.").format(user=user_id))
    before = audit.snapshot({"locale": member.locale})
    member.locale, member.updated_at = locale, now
    audit.record(
        session, at=now, actor=user_id, action="team.language", entity="agent", entity_key=user_id,
        before=before, after=audit.snapshot({"locale": locale}),
    )  # fmt: skip
    return Member(user_id, member.name, member.role, member.active)


def leave(session: Session, *, actor: str, user_id: str, now: datetime) -> Member:
    """Deactivates, audited: their history stays, they leave tomorrow's worklists and lose access."""
    me = find_member(session, actor)
    _require_roster_manager(me.role if me is not None and me.active else None)
    if user_id == actor:
        raise UserError(_("You can't remove yourself."), _("Ask another admin or manager."))
    member = find_member(session, user_id)
    if member is None or not member.active:
        raise UserError(_("{user} is not on the team.").format(user=user_id))
    _require_power_over(me, member, None)
    member.active, member.updated_at = False, now
    audit.record(
        session, at=now, actor=actor, action="team.removed", entity="agent", entity_key=user_id,
        before=audit.snapshot({"role": member.role, "active": True}), after=audit.snapshot({"active": False}),
    )  # fmt: skip
    return Member(user_id, member.name, member.role, False)


def _require_roster_manager(role: str | None) -> None:
    if not may_manage_roster(role):
        raise UserError(_("Only admins and managers can change the team."), _("Ask one of them."))


def _require_power_over(me: Agent | None, member: Agent | None, new_role: Role | None) -> None:
    """Who may not make an admin may not unmake one either (demote or remove)."""
    actor_role = me.role if me is not None and me.active else None
    _require_roster_manager(actor_role)
    if not may_change_role(actor_role, member.role if member else None, new_role):
        raise UserError(
            _("Only an admin can make someone an admin, or change or remove an admin."), _("Ask an admin.")
        )


class RosterMemory:
    """Whether someone is an active member of the roster, and the language the roster gives them,
    remembered for `lasts` of the runtime's clock (read for the whole roster at once): the gate asks
    on every request, and the answer changes rarely. A change made through the same runtime forgets at once (`forget`); one made
    elsewhere (another process, the CLI, a hand edit) is seen once the memory runs out. Each
    runtime has its own."""

    def __init__(
        self, db: Database, now: Callable[[], datetime], *, lasts: timedelta = ROSTER_MEMORY
    ) -> None:
        self._db = db
        self._now = now
        self._lasts = lasts
        self._remembered: dict[str, tuple[datetime, bool, str | None]] = {}
        self._lock = threading.Lock()
        # Counts the forgets: an answer read while a change was forgotten may predate that change,
        # and is not remembered.
        self._forgets = 0

    def on_roster(self, slack_user_id: str) -> bool:
        return self._recall(slack_user_id)[0]

    def locale(self, slack_user_id: str) -> str | None:
        """The roster's `locale` for them; None when it has none (or they are not on it)."""
        return self._recall(slack_user_id)[1]

    def _recall(self, slack_user_id: str) -> tuple[bool, str | None]:
        now = self._now()
        with self._lock:
            seen = self._remembered.get(slack_user_id)
            forgets = self._forgets
        # A clock set back (a test, the sandbox) makes an answer look younger than it is: read again.
        if seen is not None and timedelta(0) <= now - seen[0] < self._lasts:
            return seen[1], seen[2]
        # The whole roster in one read: the team's members are remembered at about the same moment
        # (a busy morning's first minutes), so read one by one they would all run out together and
        # be read again at once, a hundred lookups in a second every ROSTER_MEMORY (bench_load: the
        # slowest 1% of pays at 200 a second were those).
        with self._db.reading() as session:
            members = {row.slack_user_id: (bool(row.active), row.locale) for row in session.execute(_ROSTER)}
        found = members.get(slack_user_id, (False, None))
        with self._lock:
            if forgets == self._forgets:
                for user, (active, locale) in members.items():
                    self._remembered[user] = (now, active, locale)
                self._remembered[slack_user_id] = (now, *found)
        return found

    def forget(self) -> None:
        """After a change to the roster has committed."""
        with self._lock:
            self._remembered.clear()
            self._forgets += 1


# Built once: on a busy morning the roster is read again every few seconds.
_ROSTER = select(Agent.slack_user_id, Agent.active, Agent.locale)
