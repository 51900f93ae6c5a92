"""Who is spoken to in which language: the roster's `locale`, else the one Slack reports for them
(users.info with include_locale, remembered an hour), else COLLECT_LANGUAGE."""

from __future__ import annotations

import ast
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ids import ActionId
from bot.language.records import SLACK_LOCALE_MEMORY
from bot.language.rules import SUPPORTED, choose_locale, from_slack, parse_locale
from bot.outbox.job import deliver_due
from bot.settings import Settings
from schedules.runner import run_job
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent
from tests.test_escalations import decide, dms_to, the_escalation

# --- the rule at its edges ---------------------------------------------------------------------------


def test_the_roster_wins_over_slack_and_the_team() -> None:
    assert choose_locale("pt-BR", "es-ES", "en") == "pt-BR"
    assert choose_locale("es", None, "pt-BR") == "es"


def test_slack_is_heard_when_the_roster_says_nothing() -> None:
    assert choose_locale(None, "pt-BR", "en") == "pt-BR"
    assert choose_locale("", "es-LA", "en") == "es"
    # Slack's variants the bot has no catalog for in that variant: the same language.
    assert choose_locale(None, "es-ES", "en") == "es"
    assert choose_locale(None, "pt-PT", "en") == "pt-BR"
    assert choose_locale(None, "en-GB", "pt-BR") == "en"


def test_the_team_decides_when_neither_knows_a_language_the_bot_speaks() -> None:
    assert choose_locale(None, None, "pt-BR") == "pt-BR"
    assert choose_locale(None, "ja-JP", "es") == "es"
    assert choose_locale(None, "", "es") == "es"
    # A roster value the bot does not speak (a hand edit) is not taken.
    assert choose_locale("fr", "es-LA", "en") == "es"


def test_only_the_exact_locales_are_typed_in() -> None:
    assert parse_locale("pt_br") == "pt-BR"
    assert parse_locale(" ES ") == "es"
    assert parse_locale("pt") is None  # Brazil's or Portugal's: not guessed when typed
    assert parse_locale("en-US") is None
    assert from_slack("pt") == "pt-BR"
    assert from_slack(None) is None


@given(st.one_of(st.none(), st.text(max_size=12)), st.one_of(st.none(), st.text(max_size=12)),
       st.sampled_from(SUPPORTED))  # fmt: skip
def test_the_choice_is_always_a_language_the_bot_speaks(
    roster: str | None, slack: str | None, team: str
) -> None:
    assert choose_locale(roster, slack, team) in SUPPORTED


def test_the_team_language_is_validated() -> None:
    assert Settings(COLLECT_LANGUAGE="pt_br").language == "pt-BR"  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not a language the bot speaks"):
        Settings(COLLECT_LANGUAGE="fr")  # type: ignore[call-arg]


# --- through the runtime, with the stand-in's users.info --------------------------------------------


def test_the_locale_comes_from_the_roster_without_asking_slack(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, "U0JOAO", "João Pereira", locale="pt-BR")
    bot.slack.add_user("U0JOAO", locale="es-LA")
    assert bot.runtime.locale_of("U0JOAO") == "pt-BR"
    assert bot.slack.calls("users.info") == []


def test_the_locale_comes_from_slack_once_per_person_per_hour(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, "U0LUCIA", "Lucía Gómez")
    bot.slack.add_user("U0LUCIA", locale="es-LA")
    assert bot.runtime.locale_of("U0LUCIA") == "es"
    bot.clock.advance(SLACK_LOCALE_MEMORY - timedelta(seconds=1))
    assert bot.runtime.locale_of("U0LUCIA") == "es"
    asked = bot.slack.calls("users.info")
    assert len(asked) == 1 and asked[0].params["include_locale"] in ("1", "true")
    bot.clock.advance(timedelta(seconds=1))
    bot.runtime.locale_of("U0LUCIA")
    assert len(bot.slack.calls("users.info")) == 2


@pytest.mark.settings(COLLECT_LANGUAGE="pt-BR")
def test_the_team_language_when_slack_cannot_say(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, "U0SAM", "Sam Lee")
    bot.slack.add_user("U0SAM", locale="ja-JP")
    assert bot.runtime.locale_of("U0SAM") == "pt-BR"
    # Someone Slack does not know at all (user_not_found): the team's language, and asked once.
    assert bot.runtime.locale_of("nobody") == "pt-BR"
    assert bot.runtime.locale_of("nobody") == "pt-BR"
    assert [c.params["user"] for c in bot.slack.calls("users.info")] == ["U0SAM", "nobody"]


def test_team_add_sets_the_language_and_refuses_one_the_bot_does_not_speak(bot: RunningBot) -> None:
    add_agent(bot.runtime.db, "U0MANAGER", "Meg Manager", role="manager")
    bot.slack.add_user("U0NINA", real_name="Nina Costa", locale="en-US")
    refused = bot.collect("U0MANAGER", "team add <@U0NINA> agent fr")
    assert "not a language the bot speaks" in refused
    assert bot.collect("U0MANAGER", "team add <@U0NINA> agent pt-br")
    assert bot.runtime.locale_of("U0NINA") == "pt-BR"


# --- a Portuguese agent's morning, through the real endpoint ------------------------------------------

PORTUGUESE, ENGLISH_AGENT, SUPERVISORS = "U0JOAO", "U0ANA", "C0SUPERVISORS"
NBSP = "\u00a0"


def _shown(message: dict[str, Any]) -> str:
    # Babel puts a no-break space between symbol and number; a line of mrkdwn may carry a plain one.
    return json.dumps(message, ensure_ascii=False).replace(NBSP, " ")


@pytest.fixture
def bilingual(bot: RunningBot) -> RunningBot:
    """João reads Portuguese (the roster says so), Ana English (Slack says so); each has a BRL and a
    USD account with a promise due on the morning."""
    db = bot.runtime.db
    add_agent(db, PORTUGUESE, "João Pereira", languages="pt;en", locale="pt-BR")
    add_agent(db, ENGLISH_AGENT, "Ana Agent")
    bot.slack.add_user(ENGLISH_AGENT, locale="en-US")
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    for holder, suffix in ((PORTUGUESE, "J"), (ENGLISH_AGENT, "A")):
        add_account(db, f"BR-{suffix}", "1250.00", currency="BRL", assigned_to=holder)
        add_account(db, f"US-{suffix}", "1250.00", assigned_to=holder)
    return bot


def test_a_portuguese_agents_morning_is_in_portuguese_with_reais_as_brazil_writes_them(
    bilingual: RunningBot,
) -> None:
    bilingual.run_morning()
    (joao,) = bilingual.wait_for_dms(PORTUGUESE)
    text = _shown(joao)
    assert "Sua fila de segunda-feira, 23 de novembro de 2026" in text
    assert "R$ 1.250,00" in text and "US$ 1.250,00" in text
    assert "dias de atraso" in text and "nunca acionado" in text
    assert "Registrar pagamento" in text and "Record a payment" not in text
    assert joao["text"].startswith("Sua fila de 23 de nov. de 2026: 2 contas")
    # Her English colleague, the same morning, in English with the same reais written the English way.
    (ana,) = bilingual.wait_for_dms(ENGLISH_AGENT)
    assert "Your worklist for Monday, November 23, 2026" in _shown(ana)
    assert "R$1,250.00" in _shown(ana) and "$1,250.00" in _shown(ana)


@pytest.mark.settings(COLLECT_LANGUAGE="pt-BR")
def test_the_channel_summary_is_in_the_teams_language_whoever_reads_it(bilingual: RunningBot) -> None:
    bilingual.run_morning()
    summary = next(
        c.params for c in bilingual.slack.calls("chat.postMessage") if c.params.get("channel") == SUPERVISORS
    )
    assert "Filas de segunda-feira, 23 de novembro de 2026" in _shown(summary)
    assert "R$ 2.500,00" in _shown(summary) and "US$ 2.500,00" in _shown(summary)
    # Ana's own list is still in her language: Slack's (en-US) beats the team's.
    (ana,) = bilingual.wait_for_dms(ENGLISH_AGENT)
    assert "Your worklist for" in _shown(ana)


def test_mine_and_the_home_answer_each_in_their_own_language(bilingual: RunningBot) -> None:
    bilingual.run_morning()
    mine = bilingual.collect(PORTUGUESE, "mine")
    assert "0 de 2 trabalhadas" in mine and "R$ 1.250,00" in mine.replace(NBSP, " ")
    assert "0 of 2 done" in bilingual.collect(ENGLISH_AGENT, "mine")
    assert bilingual.send.event({"type": "app_home_opened", "user": PORTUGUESE, "tab": "home"}).status == 200
    bilingual.slack.wait_for("views.publish")
    home = bilingual.slack.home_view(PORTUGUESE)
    assert home is not None
    assert "Sua fila de" in _shown(home) and "trabalhadas" in _shown(home)


def test_a_portuguese_agents_replies_to_pay_promise_and_the_card_are_in_portuguese(
    bilingual: RunningBot,
) -> None:
    paid = bilingual.collect(PORTUGUESE, "pay BR-J R$ 250,00 pix").replace(NBSP, " ")
    assert "Pagamento de R$ 250,00 registrado" in paid and "Saldo R$ 1.250,00 → *R$ 1.000,00*" in paid
    promised = bilingual.collect(PORTUGUESE, "promise US-J 100 friday").replace(NBSP, " ")
    assert "Promessa de US$ 100,00 para *sexta-feira, 27 de novembro de 2026*" in promised
    card = bilingual.collect(PORTUGUESE, "account BR-J").replace(NBSP, " ")
    assert "*Saldo*" in card and "R$ 1.000,00 (BRL)" in card and "Últimos pagamentos" in card
    assert "Pix" in card and "dias de atraso" in card
    # What she types is read as before: `R$ 250,00` is two hundred and fifty reais.
    help_text = bilingual.collect(PORTUGUESE, "help")
    assert "Comandos do collect-bot" in help_text and "Registra um pagamento recebido" in help_text


def test_a_spanish_reader_from_slack_gets_the_form_in_spanish(bilingual: RunningBot) -> None:
    add_agent(bilingual.runtime.db, "U0LUCIA", "Lucía Gómez")
    bilingual.slack.add_user("U0LUCIA", locale="es-LA")
    assert bilingual.send.slash_command("U0LUCIA", "pay").status == 200
    view = bilingual.slack.wait_for("views.open")[-1].params["view"]
    shown = view if isinstance(view, str) else json.dumps(view, ensure_ascii=False)
    assert "Registrar pago" in shown and "Medio de pago" in shown and "1.250,00" in shown


def test_a_portuguese_agent_hears_of_the_decision_in_portuguese_while_the_channel_reads_english(
    bot: RunningBot,
) -> None:
    """The English-speaking supervisor rejects João's escalation: the card in the channel stays in
    the team's language, João's direct message is in his."""
    db = bot.runtime.db
    add_agent(db, PORTUGUESE, "João Pereira", locale="pt-BR")
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor", approval_limit=Decimal("1000"))
    add_account(db, "BR-J", "1250.00", currency="BRL", assigned_to=PORTUGUESE)
    escalated = bot.collect(PORTUGUESE, "escalate BR-J settlement 900 perdeu o emprego").replace(NBSP, " ")
    assert "Encaminhado aos supervisores" in escalated and "Fechar acordo por R$ 900,00" in escalated
    decide(bot, "U0SUPER1", ActionId.ESCALATION_REJECT, "keep trying")
    (outcome,) = dms_to(bot, PORTUGUESE)
    said = _shown(outcome)
    assert "Seu pedido de acordo com desconto" in said and "*recusado*" in said and "Motivo" in said
    card = json.dumps(the_escalation(bot), ensure_ascii=False).replace(NBSP, " ")
    assert "settle for R$900.00" in card and "recusado" not in card
    mine = bot.collect(PORTUGUESE, "escalations")
    assert "Nenhum encaminhamento em aberto" in mine


def test_why_an_escalation_went_back_is_said_to_each_in_their_language(bot: RunningBot) -> None:
    """The account was paid off after João asked for a write-off: approving sends it back. João
    reads why in Portuguese, the channel's card in the team's English, from the same kept phrases."""
    db = bot.runtime.db
    add_agent(db, PORTUGUESE, "João Pereira", locale="pt-BR")
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor", approval_limit=Decimal("5000"))
    add_account(db, "BR-J", "1250.00", currency="BRL", assigned_to=PORTUGUESE)
    bot.collect(PORTUGUESE, "escalate BR-J write-off 1250 faleceu")
    assert "Pagamento de R$" in bot.collect(PORTUGUESE, "pay BR-J 1250").replace(NBSP, " ")
    decide(bot, "U0SUPER1", ActionId.ESCALATION_APPROVE, "")
    (outcome,) = dms_to(bot, PORTUGUESE)
    said = _shown(outcome)
    assert "a conta agora está quitada" in said and "now paid" not in said
    card = json.dumps(the_escalation(bot), ensure_ascii=False)
    assert "the account is now paid" in card and "quitada" not in card


def _digest_today(bot: RunningBot) -> str:
    evening = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 17:30 on Monday in New York
    bot.clock.set(evening)
    run_job(bot.runtime, "performance-digest-day", evening, by="test")
    deliver_due(bot.runtime)
    posted = [
        c.params for c in bot.slack.calls("chat.postMessage")
        if c.params.get("channel") == SUPERVISORS and not c.params.get("thread_ts")
    ]  # fmt: skip
    return _shown(posted[-1])


@pytest.mark.settings(COLLECT_LANGUAGE="pt-BR", COLLECT_TIMEZONE="America/New_York")
def test_the_digest_is_in_the_teams_language_with_money_as_it_writes_it(bilingual: RunningBot) -> None:
    bilingual.collect(PORTUGUESE, "pay BR-J R$ 1.000,50 pix")
    bilingual.collect(ENGLISH_AGENT, "pay US-A 1,000.50 card")
    text = _digest_today(bilingual)
    assert "Números do dia — segunda-feira, 23 de novembro de 2026, até 17:30 (parcial)" in text
    assert "*Recuperado:*" in text
    assert "US$ 1.000,50" in text and "R$ 1.000,50" in text
    assert "$1,000.50" not in text
    sheet = next(f for f in bilingual.slack.uploaded_files.values() if f.filename.endswith(".xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(sheet.data))
    assert book.sheetnames == ["Resumo", "Operadores", "Aging", "Promessas", "Pagamentos"]
    assert "Recuperado" in {row[0] for row in book["Resumo"].iter_rows(values_only=True)}


@pytest.mark.settings(COLLECT_TIMEZONE="America/New_York")
def test_the_digest_in_english_writes_reais_the_english_way(bilingual: RunningBot) -> None:
    bilingual.collect(PORTUGUESE, "pay BR-J R$ 1.000,50 pix")
    text = _digest_today(bilingual)
    assert "Daily numbers" in text and "R$1,000.50" in text and "R$ 1.000,50" not in text


def test_a_spanish_supervisors_home_is_in_spanish(bilingual: RunningBot) -> None:
    add_agent(bilingual.runtime.db, "U0RAFA", "Rafael Ortega", role="supervisor", locale="es")
    bilingual.run_morning()
    bilingual.collect(ENGLISH_AGENT, "escalate US-A settlement 900 lost their job")
    before = len(bilingual.slack.calls("views.publish"))
    assert bilingual.send.event({"type": "app_home_opened", "user": "U0RAFA", "tab": "home"}).status == 200
    while bilingual.slack.wait_for("views.publish", count=before + 1)[-1].params["user_id"] != "U0RAFA":
        before += 1
    home = bilingual.slack.home_view("U0RAFA")
    assert home is not None
    shown = _shown(home)
    assert "El equipo hoy: lunes, 23 de noviembre de 2026" in shown and "*Los gestores*" in shown
    assert "Escalamientos esperando a un supervisor" in shown and "Aprobar" in shown
    assert "900,00 US$" in shown  # the settlement asked for, as a Spanish reader writes dollars


def test_a_portuguese_agent_is_told_what_is_wrong_with_an_amount_in_portuguese(bilingual: RunningBot) -> None:
    assert "O valor é zero." in bilingual.collect(PORTUGUESE, "pay BR-J 0")
    too_much = bilingual.collect(PORTUGUESE, "pay US-J 2000").replace(NBSP, " ")
    assert "US$ 2.000,00 é mais do que o saldo de US$ 1.250,00" in too_much
    assert "Registrar mesmo assim" in too_much
    assert "The amount is zero." in bilingual.collect(ENGLISH_AGENT, "pay BR-A 0")


SPANISH = "U0LUCIA"


def test_refusals_reach_each_agent_in_their_language_and_english_stays_as_it_was(
    bilingual: RunningBot,
) -> None:
    add_agent(bilingual.runtime.db, SPANISH, "Lucía Gómez", locale="es")
    add_account(bilingual.runtime.db, "BR-L", "1250.00", currency="BRL", assigned_to=SPANISH)
    # The answers as Slack gets them (JSON): problem and hint on two lines.
    for typed, english, portuguese, spanish in (
        (
            "payy {mine} 10",
            "`payy` is not a `/collect` command.\\nDid you mean `pay`?",
            "`payy` não é um comando do `/collect`.\\nVocê quis dizer `pay`?",
            "`payy` no es un comando de `/collect`.\\n¿Quisiste decir `pay`?",
        ),
        (
            "pay {mine}",
            "`/collect pay` needs an account id and an amount.",
            "`/collect pay` precisa de um id de conta e um valor.",
            "`/collect pay` necesita un id de cuenta y un monto.",
        ),
        (
            "promise {mine} 100 12/01/2026",
            "`12/01/2026` is ambiguous: the order of day and month differs between countries.",
            "`12/01/2026` é ambígua: a ordem de dia e mês muda de um país para outro.",
            "`12/01/2026` es ambigua: el orden de día y mes cambia según el país.",
        ),
        (
            "account ZZ-404",
            "`ZZ-404` is not an account you can work.",
            "`ZZ-404` não é uma conta que você pode trabalhar.",
            "`ZZ-404` no es una cuenta que puedas gestionar.",
        ),
        (
            "team",
            "Only supervisors, managers and admins can list the team.",
            "Só supervisores, gerentes e administradores podem listar a equipe.",
            "Solo los supervisores, gerentes y administradores pueden ver la lista del equipo.",
        ),
    ):
        assert english in bilingual.collect(ENGLISH_AGENT, typed.format(mine="BR-A")), typed
        assert portuguese in bilingual.collect(PORTUGUESE, typed.format(mine="BR-J")), typed
        assert spanish in bilingual.collect(SPANISH, typed.format(mine="BR-L")), typed


def test_someone_off_the_roster_is_refused_in_the_language_slack_shows_them_in(bot: RunningBot) -> None:
    bot.slack.add_user("U0STRANGER", locale="pt-BR")
    refused = bot.collect("U0STRANGER", "mine")
    assert "Você ainda não está na equipe de cobrança." in refused
    assert "(`/collect team add @you agent`)" in refused  # what to type, as typed
    assert "You are not on the collections team's roster yet." in bot.collect("U0NOBODY", "mine")


def test_a_date_offered_in_a_refusal_is_named_as_the_reader_names_months(bilingual: RunningBot) -> None:
    add_agent(bilingual.runtime.db, SPANISH, "Lucía Gómez", locale="es")
    add_account(bilingual.runtime.db, "BR-L", "1250.00", currency="BRL", assigned_to=SPANISH)
    english = bilingual.collect(ENGLISH_AGENT, "promise BR-A 100 12/01/2026")
    assert "`2026-12-01` for 1 December or `2026-01-12` for 12 January" in english
    portuguese = bilingual.collect(PORTUGUESE, "promise BR-J 100 12/01/2026")
    assert "`2026-12-01` para 1 de dezembro ou `2026-01-12` para 12 de janeiro" in portuguese
    spanish = bilingual.collect(SPANISH, "promise BR-L 100 12/01/2026")
    assert "`2026-12-01` para el 1 de diciembre o `2026-01-12` para el 12 de enero" in spanish


# --- every refusal is marked for translation (the source, walked) ----------------------------------

SOURCE_ROOTS = ("bot", "handlers")
_REPO = Path(__file__).resolve().parent.parent


def _sources() -> list[tuple[Path, ast.Module]]:
    found = []
    for root in SOURCE_ROOTS:
        for path in sorted((_REPO / root).rglob("*.py")):
            found.append((path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return found


def _named(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _refusal_classes(sources: list[tuple[Path, ast.Module]]) -> set[str]:
    """UserError and every class descending from it, by name, to a fixed point."""
    classes = [node for _, tree in sources for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    refusals = {"UserError"}
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in refusals and any(_named(base) in refusals for base in cls.bases):
                refusals.add(cls.name)
                grown = True
    return refusals


def _unmarked(text: ast.expr) -> bool:
    """English written in place: a literal, an f-string, or a literal formatted or added to."""
    if isinstance(text, ast.Constant):
        return isinstance(text.value, str) and text.value != ""
    if isinstance(text, ast.JoinedStr):
        return True
    if isinstance(text, ast.BinOp):
        return _unmarked(text.left) or _unmarked(text.right)
    if isinstance(text, ast.Call) and isinstance(text.func, ast.Attribute):
        return _unmarked(text.func.value)  # "…".format(…), but _("…").format(…) is marked
    return False


def test_every_refusal_is_marked_for_translation() -> None:
    sources = _sources()
    refusals = _refusal_classes(sources)
    assert {"NotFoundError", "ConflictError", "AmountTooLargeError"} <= refusals
    unmarked = []
    for path, tree in sources:
        if path.is_relative_to(_REPO / "bot" / "errors.py"):
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _named(node.func) in refusals):
                continue
            texts = list(node.args[:2]) + [k.value for k in node.keywords if k.arg in ("problem", "hint")]
            if any(_unmarked(text) for text in texts):
                unmarked.append(f"{path.relative_to(_REPO)}:{node.lineno}")
    assert sorted(unmarked) == [], "refusals in English only, not wrapped in _():\n" + "\n".join(unmarked)


def test_every_action_a_supervisor_alone_may_take_is_marked_for_translation() -> None:
    """`require_supervisor(session, actor, N_("set targets"))` translates the action inside its
    refusal: a plain string there would leave English in a Portuguese sentence."""
    plain = [
        f"{path.relative_to(_REPO)}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _named(node.func) == "require_supervisor"
        and len(node.args) >= 3
        and not (isinstance(node.args[2], ast.Call) and _named(node.args[2].func) == "N_")
    ]
    assert plain == []
