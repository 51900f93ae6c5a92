"""The report outputs: the PNG chart, the XLSX workbook and the digest blocks, built from
PerformanceReport objects directly. What matters: real images and real cells, currencies never added
together, "n/a" for missing ratios, escaped names, and 500 agents / 100,000 payments still fitting."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image
from slack_sdk.models.blocks import Block as SdkBlock

from bot.blocks.digest import DIGEST_LEFT_OFF, digest_message, ranked_agents, report_reply
from bot.blocks.kit import Block, Reply
from bot.reports.model import (
    AgentNumbers,
    PaymentRow,
    PerformanceReport,
    PeriodKind,
    PromiseRow,
    TeamNumbers,
    Win,
)
from bot.reports.render.chart import TOP_AGENTS, main_currency, report_chart, report_figure
from bot.reports.render.spreadsheet import report_workbook

ZONE = "America/Sao_Paulo"  # UTC-3 all year since 2019
LOCAL = ZoneInfo(ZONE)
START = datetime(2026, 11, 23, tzinfo=LOCAL)
END = START + timedelta(days=1)
LABEL = "Monday 23 November 2026"
LOUD_NAME = "<!channel> & Co"
LOUD_ESCAPED = "&lt;!channel&gt; &amp; Co"
MESSAGE_TEXT_BUDGET = 12_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BUCKETS = ["current", "1-30", "31-60", "61-90", "91-120", "120+"]


# --- Builders ----------------------------------------------------------------------------------------


def make_agent(n: int, **changes: Any) -> AgentNumbers:
    agent = AgentNumbers(
        agent_id=f"U{n:05d}",
        name=f"Agent {n}",
        attempts=40 + n % 7,
        right_party_contacts=10,
        rpc_rate=Decimal("0.25"),
        promises_made=6,
        promises_kept=4,
        promises_broken=1,
        kept_rate=Decimal("0.8"),
        collected={"USD": Decimal(1000 + n)},
        target=Decimal("2000.00"),
        accounts_worked=30,
        accounts_assigned=40,
        escalations_raised=1,
        attempted_breaches=n % 3,
    )
    return replace(agent, **changes)


def make_team(**changes: Any) -> TeamNumbers:
    team = TeamNumbers(
        collected={"USD": Decimal("12500.00"), "BRL": Decimal("3000.00")},
        target=Decimal("20000.00"),
        target_currency="USD",
        projected={"USD": Decimal("1500.00")},
        kept_rate_90_days=Decimal("0.713"),
        aging={
            "USD": dict(zip(BUCKETS, map(Decimal, [5000, 40000, 30000, 20000, 10000, 5000]), strict=True)),
            "BRL": dict(zip(BUCKETS, map(Decimal, [100, 200, 300, 0, 0, 0]), strict=True)),
        },
        aging_previous={
            "USD": dict(zip(BUCKETS, map(Decimal, [4000, 45000, 25000, 21000, 9000, 4000]), strict=True))
        },
        roll_rates={"USD": {"current": Decimal("0.05"), "1-30": Decimal("0.2"), "31-60": None}},
        cei={"USD": Decimal("82.14"), "BRL": None},
        cei_all_receivables={"USD": Decimal("91.5"), "BRL": None},
        cure_rate={"USD": Decimal("0.12"), "BRL": None},
        paid_off_rate={"USD": Decimal("0.3"), "BRL": None},
        escalations_opened=4,
        escalations_decided=3,
        escalations_waiting=2,
        disputes_opened=1,
    )
    return replace(team, **changes)


def make_payment(n: int, **changes: Any) -> PaymentRow:
    payment = PaymentRow(
        received_at=datetime(2026, 11, 23, 15, 30, tzinfo=UTC) + timedelta(seconds=n),
        account_id=f"ACC-{n:06d}",
        agent_id=f"U{n % 500:05d}",
        amount=Decimal("125.50"),
        currency="USD",
        method="pix" if n % 2 else "card",
        reference=f"REF-{n}",
    )
    return replace(payment, **changes)


def make_promise(n: int, **changes: Any) -> PromiseRow:
    promise = PromiseRow(
        account_id=f"ACC-{n:06d}",
        agent_id="U00001",
        made_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        due_date=date(2026, 11, 23),
        amount=Decimal("300.00"),
        currency="BRL",
        paid_toward=Decimal("300.00"),
        outcome="kept",
    )
    return replace(promise, **changes)


def make_report(**changes: Any) -> PerformanceReport:
    report = PerformanceReport(
        kind="day",
        label=LABEL,
        start=START,
        end=END,
        zone=ZONE,
        team=make_team(),
        agents=(
            make_agent(1, name=LOUD_NAME, collected={"USD": Decimal("100.00"), "BRL": Decimal("50.00")}),
            make_agent(2, rpc_rate=None, kept_rate=None, target=None, collected={}),
        ),
        wins=(Win("U00001", LOUD_NAME, "payment on ACC-000001 <@U999>", Decimal("5000.00"), "USD"),),
        payments=(make_payment(1), make_payment(2, currency="BRL", amount=Decimal("50.00"), method=None)),
        promises=(make_promise(1), make_promise(2, outcome="broken", paid_toward=Decimal(0))),
    )
    return replace(report, **changes)


def empty_report() -> PerformanceReport:
    team = make_team(
        collected={},
        target=None,
        projected={},
        kept_rate_90_days=None,
        aging={},
        aging_previous={},
        roll_rates={},
        cei={},
        cei_all_receivables={},
        cure_rate={},
        paid_off_rate={},
        escalations_opened=0,
        escalations_decided=0,
        escalations_waiting=0,
        disputes_opened=0,
    )
    return make_report(team=team, agents=(), wins=(), payments=(), promises=())


@pytest.fixture(scope="module")
def big_report() -> PerformanceReport:
    """500 agents, some with loud names and two currencies, and 100,000 payments."""
    agents = tuple(
        make_agent(
            n,
            name=LOUD_NAME if n % 50 == 0 else f"Agent {n}",
            collected={"USD": Decimal(n), "BRL": Decimal(7)},
        )
        for n in range(500)
    )
    payments = tuple(make_payment(n) for n in range(100_000))
    return make_report(agents=agents, payments=payments)


# --- Block helpers ---------------------------------------------------------------------------------------


def texts(value: Any) -> Iterator[str]:
    """Every `text` string in a block tree: what Slack counts toward msg_blocks_too_long."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def check_limits(reply: Reply) -> str:
    """Validates every block with slack_sdk and Slack's sizes; returns all the text, joined."""
    assert len(reply.blocks) <= 50
    for block in reply.blocks:
        assert SdkBlock.parse(block).to_dict() == block  # type: ignore[union-attr]
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    all_text = list(texts(reply.blocks))
    assert sum(map(len, all_text)) <= MESSAGE_TEXT_BUDGET
    return "\n".join(all_text)


def agent_lines(blocks: list[Block]) -> list[str]:
    return [
        line
        for block in blocks
        if block["type"] == "section"
        for line in block["text"]["text"].split("\n")
        if line.startswith("• *") and " att · " in line
    ]


# --- The chart ---------------------------------------------------------------------------------------------


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_chart_is_a_1200_by_800_png() -> None:
    image = open_png(report_chart(make_report()))
    assert image.format == "PNG"
    assert image.size == (1200, 800)


def test_chart_of_an_empty_report_is_still_a_png() -> None:
    assert open_png(report_chart(empty_report())).size == (1200, 800)


def test_chart_is_deterministic_and_carries_no_software_chunk() -> None:
    first = report_chart(make_report())
    assert first == report_chart(make_report())
    assert b"matplotlib" not in first


def test_chart_plots_the_top_25_agents_in_the_target_currency(big_report: PerformanceReport) -> None:
    left, _ = report_figure(big_report).axes
    assert f"top {TOP_AGENTS} of 500" in left.get_title()
    assert "USD" in left.get_xlabel() and "other currencies not plotted" in left.get_xlabel()
    labels = [tick.get_text() for tick in left.get_yticklabels()]
    assert labels[0] == "Agent 499"  # the most collected in USD
    assert len(labels) == TOP_AGENTS
    assert open_png(report_chart(big_report)).size == (1200, 800)


def test_chart_shows_aging_in_the_largest_currency_and_names_the_others() -> None:
    report = make_report()
    assert main_currency(report.team) == "USD"
    _, right = report_figure(report).axes
    assert "USD" in right.get_title()
    assert [tick.get_text() for tick in right.get_xticklabels()] == BUCKETS
    assert "R\\$600.00" in right.get_xlabel()  # BRL's balance, noted but not plotted


def test_chart_main_currency_ties_go_to_the_first_code() -> None:
    aging = {"USD": {"1-30": Decimal(10)}, "EUR": {"1-30": Decimal(10)}}
    assert main_currency(make_team(aging=aging)) == "EUR"
    assert main_currency(make_team(aging={}, aging_previous={"BRL": {"1-30": Decimal(1)}})) == "BRL"
    assert main_currency(make_team(aging={}, aging_previous={})) is None


def test_chart_draws_dollar_signs_in_names_as_text_not_mathtext() -> None:
    # Two "$" would start mathtext, and "\frac{" inside would make the drawing fail.
    agents = (make_agent(1, name="R$ 5 $\\frac{ Co"), make_agent(2, name="$$"))
    assert open_png(report_chart(make_report(agents=agents))).size == (1200, 800)


def test_chart_can_be_drawn_from_several_threads() -> None:
    report = make_report()
    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(lambda _: report_chart(report), range(8)))
    assert len(set(images)) == 1


# --- The workbook ------------------------------------------------------------------------------------------


def load(report: PerformanceReport) -> Any:
    return load_workbook(io.BytesIO(report_workbook(report)))


def rows_of(sheet: Any) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_workbook_has_its_sheets_with_bold_frozen_filtered_headers() -> None:
    book = load(make_report())
    assert book.sheetnames == ["Summary", "Agents", "Aging", "Promises", "Payments"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
    assert [c.value for c in book["Payments"][1]] == [
        "Received at",
        "Account id",
        "Agent id",
        "Amount",
        "Currency",
        "Method",
        "Reference",
    ]


def test_workbook_summary_keeps_each_currency_apart_with_real_numbers() -> None:
    sheet = load(make_report())["Summary"]
    by_name: dict[tuple[str, str | None], Any] = {
        (row[0].value, row[1].value): row[2] for row in sheet.iter_rows(min_row=2) if row[0].value
    }
    usd, brl = by_name[("Collected", "USD")], by_name[("Collected", "BRL")]
    assert (usd.value, brl.value) == (12500, 3000)
    assert usd.number_format == "#,##0.00"
    assert by_name[("Starts", None)].value == datetime(2026, 11, 23, 0, 0)  # team-local, naive
    assert by_name[("Starts", None)].number_format == "yyyy-mm-dd hh:mm"
    kept = by_name[("Kept rate, last 90 days", None)]
    assert kept.value == pytest.approx(0.713) and kept.number_format == "0.0%"
    assert by_name[("Collected ÷ target", "USD")].value == pytest.approx(0.625)
    cei = by_name[("CEI, delinquent accounts", "USD")]
    assert cei.value == pytest.approx(0.8214) and cei.number_format == "0.0%"  # a real percentage
    assert by_name[("CEI, delinquent accounts", "BRL")].value is None  # n/a: empty, with a note
    assert ("CEI, all receivables", "USD") not in by_name  # the monthly digest's
    assert by_name[("Cure rate (current again)", "USD")].value == pytest.approx(0.12)
    assert by_name[("Paid-off rate", "USD")].value == pytest.approx(0.3)
    assert by_name[("Escalations waiting", None)].value == 2
    assert any("n/a" in str(row[0]) for row in rows_of(sheet))


def test_workbook_agents_have_every_field_and_a_column_per_currency() -> None:
    sheet = load(make_report())["Agents"]
    rows = rows_of(sheet)
    head = rows[0]
    assert head[:3] == ["Agent id", "Name", "Attempts"]
    assert "Collected USD" in head and "Collected BRL" in head and "Attempted breaches" in head
    first = dict(zip(head, rows[1], strict=True))
    assert first["Name"] == LOUD_NAME  # a spreadsheet needs no Slack escaping
    assert (first["Collected USD"], first["Collected BRL"]) == (100, 50)
    second = dict(zip(head, rows[2], strict=True))
    assert second["RPC rate"] is None and second["Kept rate"] is None and second["% of target"] is None
    assert second["Collected USD"] == 0
    assert sheet.cell(row=2, column=head.index("RPC rate") + 1).number_format == "0.0%"


def test_workbook_aging_lists_every_bucket_with_roll_rates() -> None:
    rows = rows_of(load(make_report())["Aging"])
    assert rows[0] == [
        "Currency",
        "Bucket",
        "Balance, end of this period",
        "Balance, end of previous period",
        "Roll rate to next bucket",
    ]
    usd = [row for row in rows[1:] if row[0] == "USD"]
    assert [row[1] for row in usd] == BUCKETS
    assert usd[1][2:] == [40000, 45000, pytest.approx(0.2)]
    assert usd[5][4] is None  # 120+ rolls nowhere
    brl = [row for row in rows[1:] if row[0] == "BRL"]
    assert brl[0][3] == 0  # nothing owed in BRL before: 0, not n/a


def test_workbook_promises_have_real_dates() -> None:
    sheet = load(make_report())["Promises"]
    row = sheet[2]
    assert row[2].value == datetime(2026, 11, 20, 9, 0)  # 12:00 UTC in São Paulo
    assert row[3].value == datetime(2026, 11, 23) and row[3].number_format == "yyyy-mm-dd"
    assert row[4].value == 300 and row[7].value == "kept"


def test_workbook_writes_100_000_payments(big_report: PerformanceReport) -> None:
    data = report_workbook(big_report)
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = book["Payments"].iter_rows(values_only=True)
    assert next(rows)[0] == "Received at"
    assert next(rows) == (
        datetime(2026, 11, 23, 12, 30),
        "ACC-000000",
        "U00000",
        125.5,
        "USD",
        "card",
        "REF-0",
    )
    book.close()
    # Counting the rows in the sheet's XML takes milliseconds; reading them all back, seconds.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("xl/worksheets/sheet5.xml").count(b"<row ") == 100_001


def test_workbook_keeps_imported_text_as_text() -> None:
    payments = (
        make_payment(1, reference='=HYPERLINK("http://evil","x")', method="#REF!"),
        make_payment(2, reference="bad\x01byte", account_id="ACC\x0b1"),
        make_payment(3, reference="<r><t>rich</t></r>", account_id=" A&B "),
    )
    rows = load(make_report(payments=payments))["Payments"]
    first, second, third = rows[2], rows[3], rows[4]
    assert first[6].value == '=HYPERLINK("http://evil","x")' and first[6].data_type == "s"
    assert first[5].value == "#REF!" and first[5].data_type == "s"
    assert (second[1].value, second[6].value) == ("ACC1", "badbyte")
    assert (third[1].value, third[6].value) == (" A&B ", "<r><t>rich</t></r>")  # text, not rich text


def test_workbook_with_nothing_in_it_still_opens() -> None:
    book = load(empty_report())
    assert rows_of(book["Payments"]) == [
        ["Received at", "Account id", "Agent id", "Amount", "Currency", "Method", "Reference"]
    ]
    summary = {row[0]: row[2] for row in rows_of(book["Summary"])}
    assert summary["Collected"] == 0 and summary["Target"] is None


def test_workbook_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        report_workbook(make_report(payments=(make_payment(1, received_at=datetime(2026, 11, 23, 12)),)))


def test_workbook_uses_each_currencys_decimals() -> None:
    payments = (
        make_payment(1, currency="JPY", amount=Decimal(1500)),
        make_payment(2, currency="KWD", amount=Decimal("1.250")),
    )
    sheet = load(make_report(payments=payments))["Payments"]
    assert sheet["D2"].number_format == "#,##0"
    assert sheet["D3"].number_format == "#,##0.000"


# --- The digest ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "label", "title"),
    [
        ("day", LABEL, "Daily numbers — Monday 23 November 2026"),
        ("week", "week of 23 November 2026", "Weekly numbers — week of 23 November 2026"),
        ("month", "November 2026", "Monthly numbers — November 2026"),
    ],
)
def test_digest_header_names_the_period(kind: PeriodKind, label: str, title: str) -> None:
    reply = digest_message(make_report(kind=kind, label=label))
    assert reply.blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}
    check_limits(reply)


def test_digest_shows_the_team_numbers_per_currency() -> None:
    text = check_limits(digest_message(make_report(complete=False)))
    assert "$12,500.00 of $20,000.00 target (62.5%)" in text
    assert "R$3,000.00" in text
    assert "$15,500.00" not in text  # USD and BRL never added
    assert "*Projected for the rest of the day:* $1,500.00" in text
    assert "71.3%" in text
    assert "*CEI, delinquent accounts:* USD 82.1% · BRL n/a" in text
    assert "all receivables" not in text  # the textbook CEI is the monthly digest's
    assert "*Cured (current again):* USD 12.0% · BRL n/a" in text
    assert "*Paid off:* USD 30.0% · BRL n/a" in text
    assert "4 opened · 3 decided · 2 waiting" in text and "*Disputes opened:* 1" in text
    assert "$110,000.00" in text  # USD aging total, summed within USD only


def test_digest_agent_lines_keep_currencies_apart_and_say_na() -> None:
    reply = digest_message(make_report())
    lines = agent_lines(reply.blocks)
    assert len(lines) == 2
    assert f"*{LOUD_ESCAPED}*" in lines[0]
    assert "$100.00 of $2,000.00 (5.0%) · +R$50.00" in lines[0]
    assert "$150.00" not in lines[0]
    assert "RPC n/a" in lines[1] and "PTP 6/4/1 (n/a)" in lines[1]


def test_digest_escapes_names_everywhere() -> None:
    reply = digest_message(make_report())
    dumped = json.dumps(reply.blocks) + reply.text
    assert "<!channel>" not in dumped and "<@U999>" not in dumped
    assert LOUD_ESCAPED in dumped
    assert "&lt;@U999&gt;" in dumped  # the win's text is escaped too


def test_digest_wins_name_who_and_how_much() -> None:
    text = check_limits(digest_message(make_report(complete=False)))
    assert f"*{LOUD_ESCAPED}* — payment on ACC-000001 &lt;@U999&gt; · $5,000.00" in text
    assert "*Wins today*" in text


def test_a_closed_days_digest_projects_nothing_and_speaks_of_that_day() -> None:
    """A closed day has no rest to project, and its wins and aging are that day's, not today's."""
    text = check_limits(digest_message(make_report()))
    assert "Projected" not in text
    assert "*Wins of the day*" in text and "*Wins today*" not in text
    assert "*Aging at the end of the day*" in text
    so_far = check_limits(digest_message(make_report(complete=False)))
    assert "*Aging now*" in so_far and "*Projected for the rest of the day:*" in so_far
    closed = {row[0] for row in rows_of(load(make_report())["Summary"])}
    assert "Projected, rest of the period" not in closed
    running = {row[0] for row in rows_of(load(make_report(complete=False))["Summary"])}
    assert "Projected, rest of the period" in running


def test_digest_with_500_agents_fits_and_says_how_many_were_left_off(big_report: PerformanceReport) -> None:
    reply = digest_message(big_report)
    text = check_limits(reply)
    shown = agent_lines(reply.blocks)
    assert 20 <= len(shown) < 500
    assert f"…and {500 - len(shown)} more agents: {DIGEST_LEFT_OFF}" in text
    assert "Agent 499" in shown[0]  # the most collected first


def test_digest_fits_whatever_the_names_and_currencies() -> None:
    # The worst case: names that grow fivefold when escaped, ten currencies each, the largest amounts.
    huge = Decimal("99999999999999.9999")
    currencies = ["USD", "BRL", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "MXN", "KWD"]
    collected = dict.fromkeys(currencies, huge)
    agents = tuple(
        make_agent(n, name="&" * 300, agent_id="<" * 300, collected=collected, target=huge)
        for n in range(500)
    )
    team = make_team(
        collected=collected,
        projected=collected,
        aging={cur: dict.fromkeys(BUCKETS, huge) for cur in currencies},
        aging_previous={cur: dict.fromkeys(BUCKETS, huge) for cur in currencies},
        cei=dict.fromkeys(currencies, Decimal(100)),
        cei_all_receivables=dict.fromkeys(currencies, Decimal(100)),
        cure_rate=dict.fromkeys(currencies, Decimal(1)),
        paid_off_rate=dict.fromkeys(currencies, Decimal(1)),
    )
    wins = tuple(Win(None, "&" * 300, "<" * 500, huge, "USD") for _ in range(50))
    report = make_report(kind="month", agents=agents, team=team, wins=wins, label="&" * 300)
    check_limits(digest_message(report))
    check_limits(report_reply(report, whose=None))
    check_limits(report_reply(report, whose="<" * 300))


def test_digest_orders_agents_by_collected_then_attempts() -> None:
    agents = (
        make_agent(1, collected={"USD": Decimal(5)}, attempts=1),
        make_agent(2, collected={"USD": Decimal(5)}, attempts=9),
        make_agent(3, collected={"USD": Decimal(50)}, attempts=0),
        make_agent(4, collected={"BRL": Decimal(10_000)}, attempts=100),
    )
    ranked = ranked_agents(make_report(agents=agents))
    assert [a.agent_id for a in ranked] == ["U00003", "U00002", "U00001", "U00004"]


def test_digest_of_an_empty_report() -> None:
    text = check_limits(digest_message(replace(empty_report(), complete=False)))
    assert "$0.00 (no target)" in text
    assert "nothing open" in text and "nothing owed" in text
    assert "No agent had accounts or activity" in text
    assert "*CEI, delinquent accounts:* n/a" in text and "*Promises kept, last 90 days:* n/a" in text


def test_report_reply_for_the_team_is_the_digest_without_the_thread(big_report: PerformanceReport) -> None:
    reply = report_reply(big_report, whose=None)
    text = check_limits(reply)
    assert "the report spreadsheet has everyone" in text
    assert reply.blocks[0] == digest_message(big_report).blocks[0]


def test_report_reply_for_one_agent_shows_only_them_in_full() -> None:
    reply = report_reply(make_report(), whose="U00001")
    text = check_limits(reply)
    assert len(agent_lines(reply.blocks)) == 1
    assert "Agent 2" not in text
    assert "$100.00" in text and "R$50.00" in text
    assert "4 kept · 1 broken" in text and "30 worked of 40 assigned (75.0%)" in text
    assert "payment on ACC-000001" in text  # their own win
    assert "<!channel>" not in json.dumps(reply.blocks) + reply.text


def test_report_reply_for_an_agent_with_no_numbers() -> None:
    reply = report_reply(make_report(), whose="U77777")
    assert "No numbers for <@U77777>" in check_limits(reply)
