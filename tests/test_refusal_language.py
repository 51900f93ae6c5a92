"""Refusals (UserError and every subclass) raised by escalations, the ledger, assignments,
compliance, alerts and retention reach the reader in their own language: marked for translation in
the source, and translated through the real endpoint."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ids import ActionId
from storage.models import ComplianceRefusal
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent
from tests.test_escalations import click

ROOT = Path(__file__).resolve().parent.parent
AREA = [
    ROOT / "bot" / "escalations",
    ROOT / "bot" / "ledger",
    ROOT / "bot" / "assignments",
    ROOT / "bot" / "compliance",
    ROOT / "bot" / "complaints",
    ROOT / "bot" / "alerts" / "records.py",
    ROOT / "bot" / "retention",
]

# --- the source: no refusal text that gettext never sees ---------------------------------------------


def _sources(*places: Path) -> Iterator[Path]:
    for place in places:
        yield from ([place] if place.is_file() else sorted(place.rglob("*.py")))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _refusal_classes() -> tuple[set[str], set[str]]:
    """Every subclass of UserError in bot/ and handlers/, found by their class statements; and
    those of them with an `__init__` of their own (their arguments are not `problem` and `hint`)."""
    classes: dict[str, tuple[list[str], bool]] = {}
    for path in _sources(ROOT / "bot", ROOT / "handlers"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                own_init = any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in node.body)
                classes[node.name] = ([b for b in map(_name, node.bases) if b], own_init)
    refusals = {"UserError"}
    while True:
        more = {name for name, (bases, _) in classes.items() if refusals & set(bases)} - refusals
        if not more:
            return refusals, {name for name in refusals if name in classes and classes[name][1]}
        refusals |= more


def _is_plain_text(node: ast.expr) -> bool:
    """A literal the reader would see untranslated: `"…"`, `f"…"`, or either joined to more."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.strip() != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    return False


def _untranslated(path: Path, refusals: set[str], own_init: set[str]) -> Iterator[str]:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        is_super_init = (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and isinstance(node.func.value, ast.Call)
            and _name(node.func.value.func) == "super"
        )
        if called not in refusals and not is_super_init:
            continue
        # A class of its own takes what it words itself (an account id, a "what"): any text is shown.
        texts = list(node.args) if called in own_init else list(node.args[:2])
        texts += [k.value for k in node.keywords if k.arg in ("problem", "hint")]
        for text in texts:
            if _is_plain_text(text):
                yield f"{path.relative_to(ROOT)}:{text.lineno}: {ast.unparse(text)[:70]}"


def test_refusals_in_the_domain_are_marked_for_translation() -> None:
    refusals, own_init = _refusal_classes()
    assert {"NotFoundError", "ConflictError", "ComplianceRefusedError", "OverpaymentError"} <= refusals
    found = [line for path in _sources(*AREA) for line in _untranslated(path, refusals, own_init)]
    assert not found, "refusals not wrapped in _():\n" + "\n".join(found)


# --- through the endpoint: each reader refused in their own words -------------------------------------

JOAO, LUCIA, ANA, SUPERVISOR = "U0JOAO", "U0LUCIA", "U0ANA", "U0SUPER1"
NBSP = "\u00a0"


@pytest.fixture
def trilingual(bot: RunningBot) -> RunningBot:
    """João reads Portuguese and Lucía Spanish (the roster says so), Ana English; each works a BRL
    account in New York's hours and a USD one in Los Angeles'."""
    db = bot.runtime.db
    add_agent(db, JOAO, "João Pereira", locale="pt-BR")
    add_agent(db, LUCIA, "Lucía Gómez", locale="es")
    add_agent(db, ANA, "Ana Agent", locale="en")
    add_agent(db, SUPERVISOR, "Sam Supervisor", role="supervisor")
    for holder, suffix in ((JOAO, "J"), (LUCIA, "L"), (ANA, "A")):
        add_account(db, f"BR-{suffix}", "1250.00", currency="BRL", assigned_to=holder)
        add_account(db, f"LA-{suffix}", "500.00", assigned_to=holder, customer_timezone="America/Los_Angeles")
    return bot


def _said(bot: RunningBot, user: str, text: str) -> str:
    # Babel puts a no-break space between symbol and number; compare with a plain one.
    return bot.collect(user, text).replace(NBSP, " ")


def test_a_hold_the_bot_does_not_know_is_refused_in_each_readers_language(trilingual: RunningBot) -> None:
    pt = _said(trilingual, JOAO, "hold BR-J vacation out of office")
    assert "`vacation` não é um tipo de bloqueio." in pt and "Digite um destes: `dispute`" in pt
    es = _said(trilingual, LUCIA, "hold BR-L vacation out of office")
    assert "`vacation` no es un tipo de suspensión." in es and "Escribe uno de estos: `dispute`" in es
    en = _said(trilingual, ANA, "hold BR-A vacation out of office")
    assert "`vacation` is not a hold." in en and "Type one of `dispute`" in en


def test_a_disputed_account_refuses_a_call_in_each_readers_language(trilingual: RunningBot) -> None:
    for user, account in ((JOAO, "BR-J"), (LUCIA, "BR-L"), (ANA, "BR-A")):
        trilingual.collect(user, f"hold {account} dispute says it was paid")
    pt = _said(trilingual, JOAO, "log BR-J call vm")
    assert "A dívida está contestada: nada de ligações, SMS, visitas ou e-mails" in pt
    assert "Se o cliente entrar em contato, você pode responder." in pt
    es = _said(trilingual, LUCIA, "log BR-L call vm")
    assert "La deuda está reclamada: nada de llamadas, SMS, visitas ni correos" in es
    en = _said(trilingual, ANA, "log BR-A call vm")
    assert "The debt is disputed: no calls, texts, visits or emails" in en
    assert "You may answer the customer if they contact you." in en
    # The refusals kept for coaching read alike whoever was refused: the rules' English.
    with trilingual.runtime.db.reading() as session:
        kept = session.scalars(select(ComplianceRefusal.explanation)).all()
    assert len(kept) == 3 and all(text.startswith("The debt is disputed: no calls") for text in kept)


def test_a_call_too_early_for_the_customer_names_the_day_as_the_reader_writes_it(
    trilingual: RunningBot,
) -> None:
    # 09:00 in New York, 06:00 in Los Angeles: calls open there at 08:00 on Monday 23 November.
    pt = _said(trilingual, JOAO, "log LA-J call vm")
    assert "São 06:00 para o cliente (America/Los_Angeles), fora do horário das 08:00-21:00 dele." in pt
    assert "de segunda-feira, 23 de novembro" in pt
    es = _said(trilingual, LUCIA, "log LA-L call vm")
    assert "Son las 06:00 para el cliente (America/Los_Angeles)" in es and "del lunes 23 de noviembre" in es
    en = _said(trilingual, ANA, "log LA-A call vm")
    assert "It is 06:00 for the customer (America/Los_Angeles), outside 08:00-21:00 their time." in en
    assert "on Monday 23 November" in en


def test_an_escalation_that_cannot_be_approved_is_refused_with_money_as_the_reader_writes_it(
    trilingual: RunningBot,
) -> None:
    pt = _said(trilingual, JOAO, "escalate BR-J settlement 2000 lost job")
    assert "Um acordo com desconto aceita menos que o saldo de R$ 1.250,00" in pt
    es = _said(trilingual, LUCIA, "escalate BR-L settlement 2000 lost job")
    assert "Un acuerdo con quita acepta menos que el saldo de 1.250,00 BRL" in es
    en = _said(trilingual, ANA, "escalate BR-A settlement 2000 lost job")
    assert "A settlement accepts less than the balance of R$1,250.00" in en


def test_a_supervisor_is_refused_a_release_in_their_language(trilingual: RunningBot) -> None:
    add_agent(trilingual.runtime.db, "U0RAFA", "Rafael Ortega", role="supervisor", locale="es")
    add_agent(trilingual.runtime.db, "U0BIA", "Beatriz Lima", role="supervisor", locale="pt-BR")
    assert "`BR-J` no está suspendida." in _said(trilingual, "U0RAFA", "release BR-J verification sent")
    assert "`BR-J` não está bloqueada." in _said(trilingual, "U0BIA", "release BR-J verification sent")
    assert "`BR-J` is not on hold." in _said(trilingual, SUPERVISOR, "release BR-J verification sent")


def test_an_absence_that_ends_before_it_starts_is_refused_in_each_readers_language(
    trilingual: RunningBot,
) -> None:
    pt = _said(trilingual, JOAO, f"away <@{JOAO}> 2026-12-31 2026-12-24")
    assert "A ausência termina (2026-12-24) antes de começar (2026-12-31)." in pt
    assert "Digite o primeiro dia fora e depois o último, como `2026-12-24 2026-12-31`." in pt
    es = _said(trilingual, LUCIA, f"away <@{LUCIA}> 2026-12-31 2026-12-24")
    assert "La ausencia termina (2026-12-24) antes de empezar (2026-12-31)." in es
    en = _said(trilingual, ANA, f"away <@{ANA}> 2026-12-31 2026-12-24")
    assert "The absence ends (2026-12-24) before it starts (2026-12-31)." in en
    # A year ahead is the limit, counted in days as each reader writes numbers.
    trilingual.clock.advance(timedelta(days=1))
    far = _said(trilingual, JOAO, f"away <@{JOAO}> 2026-12-24 2028-01-31")
    assert "mais de 366 dias à frente" in far


def test_nobody_decides_their_own_escalation_and_is_told_so_in_their_language(trilingual: RunningBot) -> None:
    add_agent(trilingual.runtime.db, "U0BIA", "Beatriz Lima", role="supervisor", locale="pt-BR")
    trilingual.collect("U0BIA", "escalate BR-J legal refuses to pay")
    own = click(trilingual, "U0BIA", ActionId.ESCALATION_APPROVE)
    told = json.dumps(trilingual.slack.wait_for_response(url=own.response_url)[-1], ensure_ascii=False)
    assert "Foi você que abriu este encaminhamento: outro supervisor precisa decidir" in told
    agent = click(trilingual, LUCIA, ActionId.ESCALATION_REJECT)
    told = json.dumps(trilingual.slack.wait_for_response(url=agent.response_url)[-1], ensure_ascii=False)
    assert "Solo supervisores y gerentes deciden escalamientos." in told
    agent = click(trilingual, ANA, ActionId.ESCALATION_REJECT)
    told = json.dumps(trilingual.slack.wait_for_response(url=agent.response_url)[-1], ensure_ascii=False)
    assert "Only supervisors and managers can decide escalations." in told
