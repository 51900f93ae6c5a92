"""The access rules as plain functions, at their edges, and the database's reading of them: the
accounts found and offered to someone are exactly those bot.access.may_work lets them work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.access import (
    SEES_EVERYTHING,
    may_be_given_accounts,
    may_change_role,
    may_work,
    sees_in_full,
)
from bot.errors import NotFoundError, UserError
from bot.ledger.records.accounts import closest_account_ids, find_account, search_accounts, workable_by
from bot.ledger.rules.accounts import account_key
from bot.vocabulary import Role
from storage.database import Database
from storage.models import Account, Agent, Assignment
from tests.portfolio import SET_UP_AT

ROLES = [*Role, "auditor", None]
PEOPLE = ["U0A", "U0B", "U0C"]
holders = st.sampled_from([*PEOPLE, None])


@given(role=st.sampled_from(ROLES), actor=st.sampled_from(PEOPLE), assigned_to=holders, listed_for=holders)
def test_who_may_work_an_account(
    role: str | None, actor: str, assigned_to: str | None, listed_for: str | None
) -> None:
    works = may_work(role, actor, assigned_to=assigned_to, listed_for=listed_for)
    if role is None or role not in set(Role):
        assert not works  # off the roster, removed, or a role that works no accounts
    elif role in SEES_EVERYTHING:
        assert works
    else:
        # An agent: their own, the one on their list today, and the shared queue; nothing else.
        assert works == (actor in (assigned_to, listed_for) or assigned_to is None)
    if sees_in_full(role, actor, assigned_to=assigned_to, listed_for=listed_for):
        assert works
        assert role in SEES_EVERYTHING or actor in (assigned_to, listed_for)


@given(role=st.sampled_from(ROLES), active=st.booleans())
def test_who_may_be_given_accounts(role: str | None, active: bool) -> None:
    assert may_be_given_accounts(role, active) == (active and role in set(Role))
    assert may_be_given_accounts(role, active) == (
        active and may_work(role, "U0A", assigned_to="U0A", listed_for=None)
    )


@given(actor=st.sampled_from(ROLES), other=st.sampled_from([r for r in Role if r != Role.ADMIN]))
def test_power_over_admins_is_symmetric(actor: str | None, other: Role) -> None:
    makes_an_admin = may_change_role(actor, other, Role.ADMIN)
    assert may_change_role(actor, Role.ADMIN, other) == makes_an_admin  # demoting one
    assert may_change_role(actor, Role.ADMIN, None) == makes_an_admin  # removing one
    assert makes_an_admin == (actor == Role.ADMIN)
    assert may_change_role(actor, other, other) == (actor in (Role.MANAGER, Role.ADMIN))


TODAY = date(2026, 11, 23)
MEMBERS = {
    "U0A": ("agent", True),
    "U0B": ("agent", True),
    "U0S": ("supervisor", True),
    "U0G": ("agent", False),
}
account_rows = st.lists(
    st.tuples(
        st.sampled_from(["U0A", "U0B", "U0G", None]),  # who holds it
        st.sampled_from(["U0A", "U0B", None]),  # whose list it is on today
        st.sampled_from(["U0A", "U0B", None]),  # whose list it was on yesterday: counts for nothing
    ),
    max_size=8,
)


def test_the_database_finds_and_offers_exactly_what_the_rule_allows(db: Database) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(rows=account_rows, actor=st.sampled_from(sorted(MEMBERS)))
    def check(rows: list[tuple[str | None, str | None, str | None]], actor: str) -> None:
        with db.reading() as session:  # nothing is committed: closing rolls it all back
            for slack_id, (role, active) in MEMBERS.items():
                session.add(Agent(slack_user_id=slack_id, name=slack_id, role=role, active=active,
                                  languages="", created_at=SET_UP_AT, updated_at=SET_UP_AT))  # fmt: skip
            for n, (holder, today, yesterday) in enumerate(rows):
                account = Account(
                    account_id=f"ACC-{n:04}", account_key=account_key(f"ACC-{n:04}"), customer_name="C",
                    currency="USD", balance=Decimal("10"), due_date=TODAY, assigned_to=holder,
                    status="active", created_at=SET_UP_AT, updated_at=SET_UP_AT,
                )  # fmt: skip
                session.add(account)
                session.flush()
                for day, agent in ((TODAY, today), (TODAY - timedelta(days=1), yesterday)):
                    if agent:
                        session.add(Assignment(work_date=day, account_pk=account.id, agent=agent, rank=n,
                                               score=1.0, reasons=[]))  # fmt: skip
            session.flush()
            role, active = MEMBERS[actor]
            allowed = {
                f"ACC-{n:04}"
                for n, (holder, today, _) in enumerate(rows)
                if may_work(role if active else None, actor, assigned_to=holder, listed_for=today)
            }
            offered = {a.account_id for a in search_accounts(session, "", actor, TODAY, limit=100)}
            assert offered == allowed
            for n in range(len(rows)):
                try:
                    find_account(session, f"acc-{n:04}", actor=actor, today=TODAY)
                    found = True
                except NotFoundError:
                    found = False
                except UserError:
                    assert not active  # off the roster: told so, whatever the account
                    found = False
                assert found == (f"ACC-{n:04}" in allowed)
            if role not in SEES_EVERYTHING and active:
                suggested = closest_account_ids(session, "ACC-00", among=workable_by(actor, TODAY))
                assert set(suggested) <= allowed
            session.rollback()

    check()


@pytest.mark.parametrize("typed", ["ACC-1", "acc-0001", "Acc-0001"])
def test_an_unknown_id_is_repeated_as_typed_never_as_stored(db: Database, typed: str) -> None:
    with db.reading() as session:
        session.add(Agent(slack_user_id="U0A", name="A", role="agent", languages="", created_at=SET_UP_AT,
                          updated_at=SET_UP_AT))  # fmt: skip
        session.add(Account(account_id="ACC-0001", account_key="acc-0001", customer_name="C", currency="USD",
                            balance=Decimal("10"), due_date=TODAY, assigned_to="U0B", status="active",
                            created_at=SET_UP_AT, updated_at=SET_UP_AT))  # fmt: skip
        session.flush()
        with pytest.raises(NotFoundError) as refused:
            find_account(session, typed, actor="U0A", today=TODAY)
        assert f"`{typed}`" in refused.value.problem and "ACC-0001" not in str(refused.value.hint)
