"""bot.access is the one access policy: every "may" it answers, for every role (and a role stored by
some other way, and nobody), active or not; and no other module decides by comparing roles."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import access
from bot.vocabulary import Role

ROLES: list[str | None] = ["agent", "supervisor", "manager", "admin", "auditor", None]
"""Every role, one stored by an old import or a hand edit ("auditor"), and nobody's (None)."""

Y, N = True, False

# What each predicate answers for an active member of each role, in the order of ROLES. An
# inactive member may nothing: predicates of a role alone are asked with None for them (their
# role "while active"), those taking `active` are given False.
POLICY: dict[str, tuple[bool, ...]] = {
    #                                 agent supervisor manager admin auditor None
    "may_supervise":                   (N, Y, Y, Y, N, N),
    "sees_the_team":                   (N, Y, Y, Y, N, N),
    "sees_every_account":              (N, Y, Y, Y, N, N),
    "works_accounts":                  (Y, Y, Y, Y, N, N),
    "may_be_given_accounts":           (Y, Y, Y, Y, N, N),
    "is_front_line":                   (Y, N, N, N, N, N),
    "takes_high_value_accounts":       (N, Y, Y, Y, N, N),
    "takes_high_value_accounts/senior":(Y, Y, Y, Y, N, N),
    "may_decide_escalation":           (N, Y, Y, Y, N, N),
    "may_decide_above_limit":          (N, N, Y, Y, N, N),
    "held_to_approval_limit":          (N, Y, N, N, N, N),
    "may_manage_roster":               (N, N, Y, Y, N, N),
    "reminded_of_escalations":         (N, Y, Y, N, N, N),
    "told_of_recommendations":         (N, N, Y, N, N, N),
}  # fmt: skip

ASKED: dict[str, Callable[[str | None, bool], bool]] = {
    "may_supervise": access.may_supervise,
    "sees_the_team": access.sees_the_team,
    "sees_every_account": lambda role, active: access.sees_every_account(role if active else None),
    "works_accounts": lambda role, active: access.works_accounts(role if active else None),
    "may_be_given_accounts": access.may_be_given_accounts,
    "is_front_line": lambda role, active: access.is_front_line(role if active else None),
    "takes_high_value_accounts": lambda role, active: access.takes_high_value_accounts(
        role if active else None, senior=False
    ),
    "takes_high_value_accounts/senior": lambda role, active: access.takes_high_value_accounts(
        role if active else None, senior=True
    ),
    "may_decide_escalation": lambda role, active: access.may_decide_escalation(role if active else None),
    "may_decide_above_limit": lambda role, active: access.may_decide_above_limit(role if active else None),
    "held_to_approval_limit": lambda role, active: access.held_to_approval_limit(role if active else None),
    "may_manage_roster": lambda role, active: access.may_manage_roster(role if active else None),
    # Stored roles, for a query that also asks for active members only.
    "reminded_of_escalations": lambda role, active: active and role in access.REMINDED_OF_ESCALATIONS,
    "told_of_recommendations": lambda role, active: active and role in access.TOLD_OF_RECOMMENDATIONS,
}


@pytest.mark.parametrize("active", [True, False], ids=["active", "inactive"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("predicate", sorted(POLICY))
def test_every_predicate_for_every_role(predicate: str, role: str | None, active: bool) -> None:
    expected = POLICY[predicate][ROLES.index(role)] and active
    assert ASKED[predicate](role, active) is expected


def test_the_policy_table_covers_every_predicate() -> None:
    assert set(ASKED) == set(POLICY)
    assert all(len(row) == len(ROLES) for row in POLICY.values())


ME, OTHER = "U0ME", "U0OTHER"
# Which accounts an actor may work (and whose phone and email they see in full), by how the account
# stands to them: (holder, whose list it is on today).
SITUATIONS: dict[str, tuple[str | None, str | None]] = {
    "theirs": (ME, None),
    "on their list today": (OTHER, ME),
    "the shared queue": (None, None),
    "someone else's": (OTHER, None),
}
WORKS: dict[str, tuple[bool, ...]] = {
    #                       agent supervisor manager admin auditor None
    "theirs":               (Y, Y, Y, Y, N, N),
    "on their list today":  (Y, Y, Y, Y, N, N),
    "the shared queue":     (Y, Y, Y, Y, N, N),
    "someone else's":       (N, Y, Y, Y, N, N),
}  # fmt: skip
SEES_IN_FULL: dict[str, tuple[bool, ...]] = {
    "theirs":               (Y, Y, Y, Y, N, N),
    "on their list today":  (Y, Y, Y, Y, N, N),
    "the shared queue":     (N, Y, Y, Y, N, N),
    "someone else's":       (N, Y, Y, Y, N, N),
}  # fmt: skip


@pytest.mark.parametrize("active", [True, False], ids=["active", "inactive"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_who_works_an_account_and_sees_its_customer_in_full(
    situation: str, role: str | None, active: bool
) -> None:
    holder, listed_for = SITUATIONS[situation]
    acting = role if active else None
    column = ROLES.index(role)
    assert access.may_work(acting, ME, assigned_to=holder, listed_for=listed_for) is (
        WORKS[situation][column] and active
    )
    assert access.sees_in_full(acting, ME, assigned_to=holder, listed_for=listed_for) is (
        SEES_IN_FULL[situation][column] and active
    )


# Changes to someone's place on the roster: (their role now, their role after; None: off it).
CHANGES: dict[str, tuple[str | None, str | None]] = {
    "add an agent": (None, "agent"),
    "make a supervisor a manager": ("supervisor", "manager"),
    "remove an agent": ("agent", None),
    "make an admin": ("manager", "admin"),
    "demote an admin": ("admin", "manager"),
    "remove an admin": ("admin", None),
}
CHANGES_ROLE: dict[str, tuple[bool, ...]] = {
    #                               agent supervisor manager admin auditor None
    "add an agent":                 (N, N, Y, Y, N, N),
    "make a supervisor a manager":  (N, N, Y, Y, N, N),
    "remove an agent":              (N, N, Y, Y, N, N),
    "make an admin":                (N, N, N, Y, N, N),
    "demote an admin":              (N, N, N, Y, N, N),
    "remove an admin":              (N, N, N, Y, N, N),
}  # fmt: skip


@pytest.mark.parametrize("active", [True, False], ids=["active", "inactive"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("change", list(CHANGES))
def test_who_changes_the_roster(change: str, role: str | None, active: bool) -> None:
    current, new = CHANGES[change]
    assert access.may_change_role(role if active else None, current, new) is (
        CHANGES_ROLE[change][ROLES.index(role)] and active
    )


# --- nobody else decides by role ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SEARCHED = ("bot", "handlers", "schedules")
EXEMPT = {"bot/access.py", "bot/vocabulary.py"}
ROLE_VALUES = frozenset(role.value for role in Role)


class _RoleDecisions(ast.NodeVisitor):
    def __init__(self) -> None:
        self.role_names: set[str] = set()
        self.vocabulary_names: set[str] = set()
        self.found: list[tuple[int, str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "bot.vocabulary" and alias.asname:
                self.vocabulary_names.add(alias.asname)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if node.module == "bot.vocabulary" and alias.name == "Role":
                self.role_names.add(alias.asname or "Role")
            if node.module == "bot" and alias.name == "vocabulary":
                self.vocabulary_names.add(alias.asname or "vocabulary")

    def _names_role(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.role_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "Role"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.vocabulary_names
        )

    def is_role(self, node: ast.expr) -> bool:
        """A role value: `Role.MANAGER`, `Role.MANAGER.value`, `Role("manager")` or "manager"."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str) and node.value in ROLE_VALUES
        if isinstance(node, ast.Attribute) and node.attr == "value":
            node = node.value
        if isinstance(node, ast.Attribute):
            return node.attr in Role.__members__ and self._names_role(node.value)
        return isinstance(node, ast.Call) and self._names_role(node.func)

    def is_role_member(self, node: ast.expr) -> bool:
        return not isinstance(node, ast.Constant) and self.is_role(node)

    def holds_roles(self, node: ast.expr) -> bool:
        """A collection with a member of Role in it, or made of role strings only: ("agent",
        "notes") names columns."""
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            return any(self.is_role_member(e) or self.holds_roles(e) for e in node.elts) or (
                bool(node.elts) and all(self.is_role(e) for e in node.elts)
            )
        if isinstance(node, ast.Dict):
            return any(key is not None and self.is_role_member(key) for key in node.keys)
        if isinstance(node, ast.Starred):
            return self.holds_roles(node.value)
        return False

    def visit_Compare(self, node: ast.Compare) -> None:
        for operand in (node.left, *node.comparators):
            if self.is_role(operand) or self.holds_roles(operand):
                self.found.append((node.lineno, "compares a role"))
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Set, ast.List, ast.Tuple, ast.Dict)) and self.holds_roles(node):
            self.found.append((node.lineno, "builds a collection of roles"))
        super().generic_visit(node)

    def visit_MatchValue(self, node: ast.MatchValue) -> None:
        if self.is_role(node.value):
            self.found.append((node.lineno, "matches a role"))
        self.generic_visit(node)


def _modules() -> Iterator[Path]:
    for folder in SEARCHED:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _role_decisions(source: str) -> list[tuple[int, str]]:
    visitor = _RoleDecisions()
    visitor.visit(ast.parse(source))
    return visitor.found


def test_no_module_but_bot_access_decides_by_role() -> None:
    """A role value is a member of Role (`Role.MANAGER`, `Role.MANAGER.value`, `Role(text)`, through
    whatever name Role or bot.vocabulary is imported as) or a string spelling one ("manager").
    Outside bot/access.py (the policy) and bot/vocabulary.py (where Role is defined), a module of
    bot/, handlers/ or schedules/ may assign, pass, return or store a role value (an import reading
    a CSV's role column, `/collect team add` parsing the typed role, the sandbox's cast), but may
    not decide by one:

    - compare it (`==`, `!=`, `in`, `not in`, `is`, a SQL column's `==`), alone or inside a
      set, list or tuple compared with;
    - put a member of Role in a set, list or tuple, or use one as a dict key, or make a set, list
      or tuple of role strings only: a collection of roles is a policy (a query's
      `Agent.role.in_(...)` asks bot.access for its roles). A string that happens to spell a
      role among other things is a name, like the `agent` column of a contacts import;
    - match it in a `case`.

    Comparing two roles held in variables is not caught: that only happens in bot/access.py."""
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _modules()
        if path.relative_to(ROOT).as_posix() not in EXEMPT
        for line, what in _role_decisions(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


@pytest.mark.parametrize(
    "source",
    [
        "from bot.vocabulary import Role\nok = member.role == Role.MANAGER",
        "from bot.vocabulary import Role\nok = role in (Role.MANAGER, Role.ADMIN)",
        "from bot.vocabulary import Role as R\nBOSSES = frozenset({R.MANAGER, R.ADMIN})",
        "from bot.vocabulary import Role\nq = Agent.role.in_([Role.SUPERVISOR.value, Role.MANAGER.value])",
        "ok = member.role != 'agent'",
        "BOSSES = ('manager', 'admin')",
        "from bot import vocabulary\nok = role is vocabulary.Role.ADMIN",
        "from bot.vocabulary import Role\nlimits = {Role.SUPERVISOR: 1000}",
        "from bot.vocabulary import Role\nmatch role:\n    case Role.ADMIN:\n        pass",
    ],
)
def test_the_walk_finds_a_decision_by_role(source: str) -> None:
    assert _role_decisions(source)


@pytest.mark.parametrize(
    "source",
    [
        "from bot.vocabulary import Role\nrole = Role(text.lower())",
        "from bot.vocabulary import Role\nmember = Member('U0A', 'Ann', Role.AGENT)",
        "from bot.vocabulary import Role\ndef default() -> Role:\n    return Role.AGENT",
        "from bot.access import may_supervise\nok = may_supervise(member.role, member.active)",
        "audit.record(session, entity='agent')",
        "COLUMNS = ('agent', 'notes')",
        "row = {'agent': user, 'at': now}",
    ],
)
def test_the_walk_lets_a_role_be_assigned(source: str) -> None:
    assert _role_decisions(source) == []
