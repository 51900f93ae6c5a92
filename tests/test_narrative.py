"""The monthly digest's narrative: sentences by rules from two months' reports, in en, pt-BR and es,
money per currency; every figure it states is the figure in the digest's tables (this month's, or
last month's digest for what it is compared with), and every change is worked out from those."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.blocks.digest import digest_message
from bot.blocks.narrative import narrative
from bot.language.render import speaking
from bot.outbox.job import deliver_due
from bot.reports.model import AgentNumbers, PerformanceReport, TeamNumbers
from bot.reports.rules import narrative_facts
from bot.strategy.model import EventKind, SegmentEvent
from bot.strategy.render import segment_sentences
from schedules.runner import tick
from storage.models import Account, Payment
from tests.conftest import RunningBot
from tests.portfolio import add_account, add_agent

D = Decimal


def agent(agent_id: str, name: str, usd: str, target: str | None) -> AgentNumbers:
    return AgentNumbers(
        agent_id=agent_id, name=name, attempts=10, right_party_contacts=3, rpc_rate=D("0.3"), promises_made=2,
        promises_kept=1, promises_broken=1, kept_rate=D("0.5"), collected={"USD": D(usd)},
        target=D(target) if target else None, accounts_worked=0, accounts_assigned=0, escalations_raised=0,
    )  # fmt: skip


def report(
    month: int,
    collected: dict[str, Decimal],
    cure: dict[str, Decimal | None],
    aging: dict[str, dict[str, Decimal]],
    aging_before: dict[str, dict[str, Decimal]],
    agents: tuple[AgentNumbers, ...],
) -> PerformanceReport:
    team = TeamNumbers(
        collected=collected, target=None, target_currency="USD", projected={}, kept_rate_90_days=None,
        aging=aging, aging_previous=aging_before, roll_rates={}, cei={}, cei_all_receivables={},
        cure_rate=cure, paid_off_rate={}, escalations_opened=0, escalations_decided=0, escalations_waiting=0,
        disputes_opened=0,
    )  # fmt: skip
    return PerformanceReport(
        kind="month", label=f"month {month} 2026", start=datetime(2026, month, 1, 5, tzinfo=UTC),
        end=datetime(2026, month + 1, 1, 5, tzinfo=UTC), zone="America/New_York", team=team, agents=agents,
    )  # fmt: skip


AUGUST_AGING = {"USD": {"current": D("48000"), "1-30": D("16000"), "31-60": D("9000")}}
SEPTEMBER_AGING = {"USD": {"current": D("50000"), "1-30": D("20000"), "31-60": D("14600")}}
OCTOBER_AGING = {"USD": {"current": D("52000"), "1-30": D("19000"), "31-60": D("12000")},
                 "BRL": {"current": D("3000"), "61-90": D("900")}}  # fmt: skip
NOVEMBER = report(
    11,
    {"USD": D("184300"), "BRL": D("4310")},
    {"USD": D("0.41"), "BRL": D("0.2")},
    OCTOBER_AGING,
    SEPTEMBER_AGING,
    (
        agent("U1", "Ana", "9000", "20000"),
        agent("U2", "Bruno", "10460", "20000"),
        agent("U3", "Carla", "30000", "20000"),
    ),
)
OCTOBER = report(
    10,
    {"USD": D("164553.57")},
    {"USD": D("0.32")},
    SEPTEMBER_AGING,
    AUGUST_AGING,
    (
        agent("U1", "Ana", "12000", "20000"),
        agent("U2", "Bruno", "10000", "20000"),
        agent("U3", "Carla", "21000", "20000"),
    ),
)


def section_texts(message: object) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b.get("type") == "section"]  # type: ignore[attr-defined]


def test_the_narrative_says_what_changed_by_currency_bucket_and_agent() -> None:
    with speaking("en"):
        said = narrative(NOVEMBER, OCTOBER)
    assert said == [
        "Collections rose 12.0% to $184,300.00 (from $164,553.57).",
        "Collections came to R$4,310.00, against nothing the month before.",
        "Largest contributors to the rise in USD: Carla (+$9,000.00), Bruno (+$460.00).",
        "USD delinquent balances cured 41.0%, 9 points better than the month before.",
        "More USD balance was cured, mostly with the better rate: $34,600.00 was delinquent at the"
        " month's opening, against $25,000.00 a month earlier.",
        "The 31-60 bucket moved most: down to $12,000.00 from $14,600.00.",
        "The 61-90 bucket moved most: up to R$900.00 from R$0.00.",
        "2 agents below 60% of target: Ana (45.0%), Bruno (52.3%).",
        "Biggest rise: Carla, $30,000.00 (from $21,000.00).",
    ]


def test_a_segment_sentence_has_its_place_after_the_buckets() -> None:
    with speaking("en"):
        said = narrative(NOVEMBER, OCTOBER, segments=["SEGMENT"])
    assert said.index("SEGMENT") == 7 and said[6].startswith("The 61-90 bucket")


def test_a_segment_sentence_names_the_teams_segments_as_text_not_as_mrkdwn() -> None:
    # Segment and treatment names come from the team's strategy file.
    with speaking("en"):
        said = narrative(NOVEMBER, OCTOBER, segments=["In the <!channel> & co segment, …"])
    assert said[7] == "In the &lt;!channel&gt; &amp; co segment, …"


@pytest.mark.parametrize(
    ("locale", "first", "agents", "why"),
    [
        (
            "pt-BR",
            "A cobrança subiu 12,0%, para US$ 184.300,00 (de US$ 164.553,57).",
            "2 agentes abaixo de 60% da meta",
            (
                "Maiores contribuições para a alta em USD: Carla (+US$ 9.000,00), Bruno (+US$ 460,00).",
                "Mais saldo em USD foi regularizado, sobretudo com a taxa melhor: US$ 34.600,00 estavam",
            ),
        ),
        (
            "es",
            "La cobranza subió 12,0%, a 184.300,00 US$ (desde 164.553,57 US$).",
            "2 agentes por debajo del 60% de la meta",
            (
                "Mayores aportes al alza en USD: Carla (+9.000,00 US$), Bruno (+460,00 US$).",
                "Se regularizó más saldo en USD, sobre todo con la mejor tasa: 34.600,00 US$ estaban",
            ),
        ),
    ],
)
def test_the_narrative_speaks_portuguese_and_spanish(
    locale: str, first: str, agents: str, why: tuple[str, str]
) -> None:
    with speaking(locale):
        said = narrative(NOVEMBER, OCTOBER)
    assert said[0].startswith(first), said[0]
    assert any(s.startswith(agents) for s in said), said
    assert said[2] == why[0] and said[4].startswith(why[1]), said


def amount(text: str) -> Decimal:
    return D(text.strip("R$").replace(",", ""))


_FIGURE = re.compile(r"R?\$[\d,]+\.\d\d|\d+\.\d%")


def test_every_figure_in_the_narrative_is_the_figure_in_the_digests_tables() -> None:
    with speaking("en"):
        said = narrative(NOVEMBER, OCTOBER)
        digest = digest_message(NOVEMBER, said)
        before = digest_message(OCTOBER)
    opening, *tables = section_texts(digest)
    assert opening == " ".join(said)  # the digest opens with it
    this_month = json.dumps(tables, ensure_ascii=False)
    last_month = json.dumps(section_texts(before), ensure_ascii=False)
    for sentence in said:
        figures = _FIGURE.findall(sentence)
        if sentence.startswith("Collections rose"):
            change, now, was = figures
            assert now in this_month and was in last_month
            # The change is worked out from the two tables' own figures.
            assert f"{(amount(now) / amount(was) - 1) * 100:.1f}%" == change
        elif sentence.startswith("USD delinquent balances cured"):
            [share] = figures
            assert f"USD {share}" in this_month and "USD 32.0%" in last_month
            assert "9 points" in sentence
        elif "bucket moved most" in sentence:
            now, was = figures
            assert now in this_month and (was in last_month or was == "R$0.00")
        elif sentence.startswith("Largest contributors"):
            # Each agent's change is their line this month less their line last month.
            for name, sign, change in re.findall(r"(\w+) \(([+−])(R?\$[\d,]+\.\d\d)\)", sentence):
                line = f"*{name}* — 10 att · RPC 30.0% · PTP 2/1/1 (50.0%) · "
                now = re.search(re.escape(line) + r"(\$[\d,]+\.\d\d)", this_month)
                was = re.search(re.escape(line) + r"(\$[\d,]+\.\d\d)", last_month)
                assert now and was, name
                difference = amount(now.group(1)) - amount(was.group(1))
                assert amount(change) == abs(difference) and (sign == "+") == (difference > 0)
        elif sentence.startswith("More USD balance was cured"):
            # Each opening is the close of the month before: the delinquent buckets of its digest.
            opening, before = figures
            with speaking("en"):
                two_back = json.dumps(
                    section_texts(digest_message(report(9, {}, {}, AUGUST_AGING, {}, ()))), ensure_ascii=False
                )
            assert amount(opening) == sum(map(amount, _delinquent_buckets(last_month)))
            assert amount(before) == sum(map(amount, _delinquent_buckets(two_back)))
        elif sentence.startswith("Biggest rise"):
            now, was = figures
            assert f"*Carla* — 10 att · RPC 30.0% · PTP 2/1/1 (50.0%) · {now}" in this_month
            assert f"*Carla* — 10 att · RPC 30.0% · PTP 2/1/1 (50.0%) · {was}" in last_month
        else:
            assert all(figure in this_month for figure in figures), (sentence, figures)


def _delinquent_buckets(tables: str) -> list[str]:
    """The USD delinquent buckets' figures at the month's end, in a digest's aging table."""
    return re.findall(r"· \d+-\d+ (\$[\d,]+\.\d\d)", tables)


def _month(
    collected: str, cure: str, opening: dict[str, Decimal], agents: tuple[AgentNumbers, ...]
) -> PerformanceReport:
    return report(11, {"USD": D(collected)}, {"USD": D(cure)}, {}, {"USD": opening}, agents)


@pytest.mark.parametrize(
    ("now", "before", "said"),
    [
        # The rate fell and the volume rose less: less cured, with the worse rate.
        (("0.2", {"1-30": D("1100")}), ("0.5", {"1-30": D("1000")}),
         "Less USD balance was cured, mostly with the worse rate: $1,100.00 was delinquent at the"
         " month's opening, against $1,000.00 a month earlier."),
        # The same rate on twice the balance: more cured, with more of it delinquent.
        (("0.3", {"1-30": D("2000")}), ("0.3", {"1-30": D("1000")}),
         "More USD balance was cured, mostly with more of it delinquent: $2,000.00 at the month's"
         " opening, against $1,000.00 a month earlier."),
        (("0.3", {"1-30": D("500")}), ("0.31", {"1-30": D("1000")}),
         "Less USD balance was cured, mostly with less of it delinquent: $500.00 at the month's"
         " opening, against $1,000.00 a month earlier."),
        # A better rate on much less balance: less cured, and the rate is not what made it.
        (("0.5", {"1-30": D("500")}), ("0.3", {"1-30": D("1000")}),
         "Less USD balance was cured, mostly with less of it delinquent: $500.00 at the month's"
         " opening, against $1,000.00 a month earlier."),
    ],
)  # fmt: skip
def test_the_cure_sentence_says_whether_the_rate_or_the_volume_made_most_of_the_change(
    now: tuple[str, dict[str, Decimal]], before: tuple[str, dict[str, Decimal]], said: str
) -> None:
    with speaking("en"):
        sentences = narrative(_month("100", now[0], now[1], ()), _month("100", before[0], before[1], ()))
    assert said in sentences, sentences


def test_the_agents_who_made_most_of_a_fall_are_named_even_when_they_left() -> None:
    this = _month("500", "0.3", {}, (agent("U1", "Ana", "400", None), agent("U2", "Bruno", "100", "1000")))
    last = _month("1300", "0.3", {}, (agent("U1", "Ana", "300", None), agent("U2", "Bruno", "400", "1000"),
                                      agent("U3", "Dora", "600", None)))  # fmt: skip
    with speaking("en"):
        said = narrative(this, last)
    assert "Largest contributors to the fall in USD: Dora (−$600.00), Bruno (−$300.00)." in said
    # Nothing moved: no contributors.
    with speaking("en"):
        assert not any(s.startswith("Largest") for s in narrative(last, last))


def test_nothing_to_compare_says_only_what_is_there() -> None:
    empty = report(10, {}, {}, {}, {}, ())
    with speaking("en"):
        assert narrative(empty, empty) == []
        assert (
            narrative(NOVEMBER, empty)[0]
            == "Collections came to $184,300.00, against nothing the month before."
        )


@given(
    st.dictionaries(
        st.sampled_from(["USD", "EUR", "BRL", "JPY"]), st.decimals(0, 10**9, places=2), max_size=4
    ),
    st.dictionaries(
        st.sampled_from(["USD", "EUR", "BRL", "JPY"]), st.decimals(0, 10**9, places=2), max_size=4
    ),
)
def test_money_is_compared_within_one_currency_only(
    now: dict[str, Decimal], before: dict[str, Decimal]
) -> None:
    facts = narrative_facts(report(11, now, {}, {}, {}, ()), report(10, before, {}, {}, {}, ()))
    for change in facts.collected:
        assert change.now == now.get(change.currency, 0) and change.before == before.get(change.currency, 0)
    assert len({c.currency for c in facts.collected}) == len(facts.collected)


# --- the monthly digest, from the ledger -------------------------------------------------------------------


def test_the_monthly_digest_opens_with_the_narrative_of_the_ledgers_two_months(bot: RunningBot) -> None:
    db = bot.runtime.db
    add_agent(db, "U0AGENT1", "Ana Agent", monthly_target=Decimal("1000"))
    add_agent(db, "U0SUPER1", "Sam Supervisor", role="supervisor")
    add_account(db, "US-1", "90000.00", due_date=date(2026, 9, 1))
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.account_id == "US-1")).one()
        for amount, at in (("200.00", datetime(2026, 10, 14, 15, tzinfo=UTC)),
                           ("250.00", datetime(2026, 11, 12, 15, tzinfo=UTC))):  # fmt: skip
            session.add(Payment(account_pk=account.id, amount=Decimal(amount), currency="USD", method="card",
                                received_at=at, recorded_by="U0AGENT1", source="slack", created_at=at))  # fmt: skip
    # Tuesday 1 December 2026, 08:05 in New York: the monthly digest of November goes out.
    bot.clock.set(datetime(2026, 12, 1, 13, 5, tzinfo=UTC))
    tick(bot.runtime, by="test")
    deliver_due(bot.runtime)
    [monthly] = [m for m in bot.slack.messages("C0SUPERVISORS") if "Monthly numbers" in json.dumps(m)]
    opening = monthly["blocks"][2]["text"]["text"]
    assert opening.startswith("Collections rose 25.0% to $250.00 (from $200.00).")
    assert "1 agent below 60% of target: Ana Agent (25.0%)." in opening
    assert "Biggest rise: Ana Agent, $250.00 (from $200.00)." in opening


@pytest.mark.parametrize(
    ("locale", "started", "stopped"),
    [
        ("en", "In the early segment, the challenger quiet started on Nov 2, 2026, with 20% of the segment's"
               " accounts drawn for it.", "In the early segment, the challenger quiet was stopped on Nov 20, 2026."),
        ("pt-BR", "No segmento early, o desafiante quiet começou em 2 de nov. de 2026, com 20% das contas do"
                  " segmento sorteadas para ele.", "No segmento early, o desafiante quiet foi encerrado em"),
        ("es", "En el segmento early, el retador quiet empezó el 2 nov 2026, con 20% de las cuentas del"
               " segmento sorteadas para él.", "En el segmento early, el retador quiet se detuvo el"),
    ],
)  # fmt: skip
def test_what_changed_in_a_segment_is_said_in_each_language(locale: str, started: str, stopped: str) -> None:
    events = [
        SegmentEvent("early", "quiet", EventKind.STARTED, date(2026, 11, 2), D("0.2")),
        SegmentEvent("early", "quiet", EventKind.STOPPED, date(2026, 11, 20)),
        SegmentEvent("late", "calls", EventKind.PROMOTED, date(2026, 11, 21)),
    ]
    with speaking(locale):
        said = segment_sentences((), events)
    assert said[0] == started and said[1].startswith(stopped), said
    assert len(said) == 3 and "calls" in said[2]
