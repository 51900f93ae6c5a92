"""The worklist builders: what agents and supervisors see, and that no input size breaks Slack's
limits (blocks, per-field lengths, and the ~13,000 characters of text a message may carry)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.views import View

from bot.assignments.model import (
    AgentTally,
    NamedAccounts,
    PaidToday,
    SupervisorSummary,
    Worklist,
    WorklistLine,
)
from bot.blocks.kit import Block, Reply
from bot.blocks.worklist import (
    HOME_LINES,
    PAGE_SIZE,
    home_view,
    supervisor_summary,
    worklist_page,
    worklist_reply,
)
from bot.ids import ActionId
from bot.interactions import WorklistChoice, WorklistPage
from bot.language.render import speaking

DAY = date(2026, 11, 23)
AGENT = "U0AGENT1"
MESSAGE_TEXT_BUDGET = 12_000
LOUD_NAME = "<!channel> & Sons"
LOUD_ESCAPED = "&lt;!channel&gt; &amp; Sons"
MAX_BALANCE = Decimal("99999999999999.9999")  # NUMERIC(18, 4), the largest the database holds


# --- Helpers -------------------------------------------------------------------------------------


def make_line(rank: int, **changes: Any) -> WorklistLine:
    line = WorklistLine(
        rank=rank,
        account_id=f"ACC-{rank:05d}",
        customer_name=f"Customer {rank} Ltd",
        currency="USD",
        balance=Decimal("1250.00"),
        days_past_due=45,
        reasons=("promise broken", "high balance"),
    )
    return replace(line, **changes)


def make_worklist(count: int, *, done_every: int = 0, **changes: Any) -> Worklist:
    lines = tuple(
        make_line(rank, **{"done": bool(done_every) and rank % done_every == 0, **changes})
        for rank in range(1, count + 1)
    )
    return Worklist(agent_id=AGENT, agent_name="Ann Agent", work_date=DAY, lines=lines)


def extreme_worklist(count: int) -> Worklist:
    """Every field as long and as awkward as it can get, every line done (the longest form)."""
    lines = tuple(
        WorklistLine(
            rank=rank,
            account_id="&" * 64,
            customer_name=("<!channel> & " * 30)[:300],
            currency="XYZ",
            balance=MAX_BALANCE,
            days_past_due=99_999,
            reasons=tuple("on hold: dispute & <!here> " * 40 for _ in range(20)),
            done=True,
            callable_from=datetime(2026, 11, 24, 23, 59, tzinfo=UTC),
            paid_today=PaidToday(
                MAX_BALANCE, "XYZ", "<!here>&*_~`" * 2, datetime(2026, 11, 23, 16, 1, tzinfo=UTC)
            ),
        )
        for rank in range(1, count + 1)
    )
    return Worklist(agent_id=AGENT, agent_name="Ann", work_date=DAY, lines=lines)


def walk_texts(node: Any) -> Iterator[str]:
    """Every text object's text, at any depth: what Slack counts toward its ~13,000 characters."""
    if isinstance(node, dict):
        if node.get("type") in {"mrkdwn", "plain_text"} and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from walk_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_texts(item)


def total_text(blocks: list[Block]) -> int:
    return sum(len(text) for text in walk_texts(blocks))


def sections(blocks: list[Block]) -> list[Block]:
    return [block for block in blocks if block["type"] == "section"]


LINE_START = re.compile(r"(:white_check_mark: ~)?\*\d+\.\*")


def line_sections(blocks: list[Block]) -> list[Block]:
    return [block for block in sections(blocks) if LINE_START.match(block["text"]["text"])]


def all_text(blocks: list[Block]) -> str:
    return "\n".join(walk_texts(blocks))


def menu_values(blocks: list[Block]) -> list[str]:
    return [
        opt["value"]
        for block in blocks
        if block.get("accessory", {}).get("type") == "overflow"
        for opt in block["accessory"]["options"]
    ]


def next_page(reply: Reply) -> WorklistPage | None:
    for block in reply.blocks:
        if block["type"] == "actions":
            (element,) = block["elements"]
            assert element["action_id"] == ActionId.WORKLIST_NEXT_PAGE
            return WorklistPage.model_validate_json(element["value"])
    return None


def assert_within_slack_limits(blocks: list[Block], *, max_blocks: int) -> None:
    assert 0 < len(blocks) <= max_blocks
    assert total_text(blocks) <= MESSAGE_TEXT_BUDGET
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for value in menu_values([block]):
            assert len(value) <= 150
        for text in walk_texts(block):
            assert text, "Slack refuses empty text objects"
    # An `&` that does not start one of the three entities would be a half-cut escape.
    assert not re.search(r"&(?!amp;|lt;|gt;)", all_text(blocks))
    for block in blocks:
        parsed = SdkBlock.parse(block)
        assert parsed is not None, f"slack_sdk does not know {block['type']}"
        parsed.to_dict()  # raises SlackObjectFormationError past a limit


# --- The morning message -------------------------------------------------------------------------


def test_an_empty_list_gets_a_friendly_message() -> None:
    reply = worklist_page(make_worklist(0))
    assert "Nothing on your list today" in all_text(reply.blocks)
    assert reply.text == "Your worklist for Nov 23, 2026: nothing today"
    assert_within_slack_limits(reply.blocks, max_blocks=50)


def test_a_single_line_shows_everything_an_agent_needs() -> None:
    reply = worklist_page(make_worklist(1))
    head, intro, line = reply.blocks
    assert head["text"]["text"] == "Your worklist for Monday, November 23, 2026"
    assert intro["elements"][0]["text"] == "1 account, ranked by priority"
    text = line["text"]["text"]
    for piece in ("*1.*", "`ACC-00001`", "Customer 1 Ltd", "$1,250.00", "45 days past due"):
        assert piece in text
    assert "promise broken · high balance" in text
    assert reply.text == "Your worklist for Nov 23, 2026: 1 account"


def test_a_list_that_fits_one_page_has_no_paging() -> None:
    reply = worklist_page(make_worklist(25))
    assert len(reply.blocks) == 2 + 25
    assert next_page(reply) is None
    assert "Showing" not in all_text(reply.blocks)
    assert reply.blocks[1]["elements"][0]["text"] == "25 accounts, ranked by priority"
    assert_within_slack_limits(reply.blocks, max_blocks=50)


def test_the_notification_text_carries_no_customer_data() -> None:
    worklist = make_worklist(25, customer_name=LOUD_NAME)
    for reply in (worklist_page(worklist), worklist_reply(worklist)):
        assert "Sons" not in reply.text and "ACC-" not in reply.text
        assert reply.text.startswith("Your worklist for Nov 23, 2026: 25 accounts")


def test_each_line_has_a_menu_of_the_forms_for_its_account() -> None:
    reply = worklist_page(make_worklist(3))
    for block, rank in zip(line_sections(reply.blocks), (1, 2, 3), strict=True):
        menu = block["accessory"]
        assert menu["type"] == "overflow"
        assert menu["action_id"] == ActionId.WORKLIST_LINE_MENU
        labels = [opt["text"]["text"] for opt in menu["options"]]
        assert labels == [
            "Log a contact", "Record a promise", "Record a payment", "Escalate to a supervisor", "Send a document",
        ]  # fmt: skip
        choices = [WorklistChoice.model_validate_json(opt["value"]) for opt in menu["options"]]
        assert [c.form for c in choices] == ["log", "promise", "pay", "escalate", "send"]
        assert {c.account_id for c in choices} == {f"ACC-{rank:05d}"}


def test_a_lines_menu_is_in_each_readers_language_whoever_saw_it_first() -> None:
    """The menus are remembered per account and language: the same line for a Spanish reader after
    an English one (and back) has each one's labels, with the same values."""
    worklist = make_worklist(1)

    def menu() -> list[tuple[str, str]]:
        options = line_sections(worklist_page(worklist).blocks)[0]["accessory"]["options"]
        return [(option["text"]["text"], option["value"]) for option in options]

    english = menu()
    with speaking("es"):
        spanish = menu()
    assert english[0][0] == "Log a contact" and spanish[0][0] != english[0][0]
    assert [value for __, value in spanish] == [value for __, value in english]
    assert menu() == english


def test_41_lines_page_after_the_first_page() -> None:
    worklist = make_worklist(41)
    first = worklist_page(worklist)
    assert len(line_sections(first.blocks)) == PAGE_SIZE
    assert f"Showing 1–{PAGE_SIZE} of 41" in all_text(first.blocks)
    button = next(b for b in first.blocks if b["type"] == "actions")["elements"][0]
    assert button["text"]["text"] == f"Show the next {41 - PAGE_SIZE}"
    assert next_page(first) == WorklistPage(agent_id=AGENT, work_date="2026-11-23", start=PAGE_SIZE)

    second = worklist_page(worklist, start=PAGE_SIZE)
    assert len(line_sections(second.blocks)) == 41 - PAGE_SIZE
    assert line_sections(second.blocks)[0]["text"]["text"].startswith(f"*{PAGE_SIZE + 1}.*")
    assert f"Showing {PAGE_SIZE + 1}–41 of 41" in all_text(second.blocks)
    assert next_page(second) is None


def test_500_lines_page_through_every_line_once_within_limits() -> None:
    worklist = make_worklist(500)
    seen: list[str] = []
    page: WorklistPage | None = WorklistPage(agent_id=AGENT, work_date="2026-11-23", start=0)
    while page is not None:
        reply = worklist_page(worklist, start=page.start)
        assert_within_slack_limits(reply.blocks, max_blocks=50)
        seen += [json.loads(v)["account_id"] for v in menu_values(reply.blocks)[::5]]
        page = next_page(reply)
    assert seen == [f"ACC-{rank:05d}" for rank in range(1, 501)]


def test_a_page_past_the_end_shows_the_last_page() -> None:
    reply = worklist_page(make_worklist(41), start=400)
    assert line_sections(reply.blocks)[0]["text"]["text"].startswith(f"*{PAGE_SIZE + 1}.*")
    assert worklist_page(make_worklist(5), start=-3).blocks == worklist_page(make_worklist(5)).blocks


@pytest.mark.parametrize("builder", [worklist_page, worklist_reply])
@pytest.mark.parametrize("start", [0, PAGE_SIZE, 480])
def test_the_longest_possible_lines_stay_within_limits(builder: Callable[..., Reply], start: int) -> None:
    reply = builder(extreme_worklist(500), start=start)
    assert_within_slack_limits(reply.blocks, max_blocks=50)
    assert len(reply.text) < 100


def test_calling_hours_keep_their_token_whole_on_the_longest_lines() -> None:
    """Room is kept for the token: a clip never cuts it, and the page stays within Slack's limits."""
    later = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # the next day: the longest pattern
    longest = extreme_worklist(500)
    lines = tuple(replace(line, done=False, callable_from=later) for line in longest.lines)
    worklist = replace(longest, lines=lines, zone=ZoneInfo("America/New_York"))
    reply = worklist_page(worklist)
    assert_within_slack_limits(reply.blocks, max_blocks=50)
    token = "<!date^1795536000^callable from {date_short_pretty} {time}|callable from Nov 24, 2026 11:00 EST>"
    for block in line_sections(reply.blocks):
        assert block["text"]["text"].endswith(f":clock3: {token}")
    # Done lines need no calling hours; a line of the list's day shows the time alone.
    done = tuple(replace(line, callable_from=later) for line in longest.lines)
    assert "callable from" not in all_text(worklist_reply(replace(worklist, lines=done)).blocks)
    today = replace(make_worklist(1), zone=ZoneInfo("America/New_York"))
    today = replace(
        today, lines=(replace(today.lines[0], callable_from=datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),)
    )
    assert "|callable from 11:00 EST>" in all_text(worklist_page(today).blocks)


def test_an_account_id_too_long_to_carry_drops_only_the_menu() -> None:
    reply = worklist_page(make_worklist(2, account_id='"' * 64))
    assert len(line_sections(reply.blocks)) == 2
    assert menu_values(reply.blocks) == []
    assert_within_slack_limits(reply.blocks, max_blocks=50)


def test_an_agent_id_too_long_to_carry_drops_only_the_button() -> None:
    worklist = replace(make_worklist(41), agent_id="U" * 40)
    reply = worklist_page(worklist)
    assert next_page(reply) is None
    assert f"Showing 1–{PAGE_SIZE} of 41" in all_text(reply.blocks)


def test_customer_text_is_escaped_so_nobody_is_pinged() -> None:
    worklist = make_worklist(3, customer_name=LOUD_NAME, reasons=("<@U123> asked & <!here>",))
    for blocks in (
        worklist_page(worklist).blocks,
        worklist_reply(worklist).blocks,
        home_view(worklist)["blocks"],
    ):
        text = all_text(blocks)
        assert text.count(LOUD_ESCAPED) == 3
        assert "<!channel>" not in json.dumps(blocks)
        assert "&lt;@U123&gt; asked &amp; &lt;!here&gt;" in text
        assert "<@U123>" not in text and "<!here>" not in text


def test_long_names_and_reasons_are_clipped_without_cutting_an_escape() -> None:
    worklist = make_worklist(1, customer_name="&" * 300, reasons=("x" * 10_000,))
    text = line_sections(worklist_page(worklist).blocks)[0]["text"]["text"]
    assert re.search(r"\*1\.\* (&amp;)+… · ", text)
    assert len(text) < 400


def test_the_morning_message_does_not_strike_anything() -> None:
    reply = worklist_page(make_worklist(25, done_every=3))
    assert "~" not in all_text(reply.blocks)
    assert ":white_check_mark:" not in all_text(reply.blocks)


# --- /collect mine -------------------------------------------------------------------------------


def test_mine_strikes_done_lines_and_shows_progress() -> None:
    worklist = make_worklist(25, done_every=3)
    assert worklist.done_count == 8
    reply = worklist_reply(worklist)
    assert "*8 of 25 done*" in all_text(reply.blocks[:2])
    lines = line_sections(reply.blocks)
    for rank, block in enumerate(lines, start=1):
        text = block["text"]["text"]
        if rank % 3 == 0:
            assert text.startswith(f":white_check_mark: ~*{rank}.*")
            assert "~$1,250.00 · 45 days past due~" in text
        else:
            assert "~" not in text and ":white_check_mark:" not in text
    assert reply.text == "Your worklist for Nov 23, 2026: 25 accounts, 8 done"


def test_mine_pages_like_the_morning_message() -> None:
    worklist = make_worklist(41, done_every=2)
    assert next_page(worklist_reply(worklist)) == next_page(worklist_page(worklist))
    assert len(line_sections(worklist_reply(worklist, start=PAGE_SIZE).blocks)) == 41 - PAGE_SIZE


# --- App Home ------------------------------------------------------------------------------------


def test_home_before_any_list_welcomes_and_points_at_help() -> None:
    view = home_view(None)
    assert view["type"] == "home"
    text = all_text(view["blocks"])
    assert "`/collect help`" in text and "working morning" in text


def test_home_with_an_empty_list() -> None:
    assert "Nothing on your list today" in all_text(home_view(make_worklist(0))["blocks"])


def test_home_shows_progress_and_struck_done_lines() -> None:
    view = home_view(make_worklist(25, done_every=4))
    progress = view["blocks"][1]["text"]["text"]
    assert progress.startswith("*6 of 25 done*")
    assert progress.endswith("`▰▰▱▱▱▱▱▱▱▱`")  # 6 of 25 rounds down to 2 of 10
    assert sum(":white_check_mark: ~" in b["text"]["text"] for b in line_sections(view["blocks"])) == 6
    assert "more: type" not in all_text(view["blocks"])


def test_a_long_list_on_home_shows_the_top_lines_and_how_many_more() -> None:
    view = home_view(extreme_worklist(500))
    blocks = view["blocks"]
    assert len(blocks) <= 100
    assert len(menu_values(blocks)) == 5 * HOME_LINES
    assert all_text(blocks[-1:]) == f"…and {500 - HOME_LINES} more: type `/collect mine`"
    assert_within_slack_limits(blocks, max_blocks=100)
    View(**view).to_dict()


def test_the_progress_bar_is_full_only_when_all_is_done() -> None:
    all_done = make_worklist(25, done_every=1)
    assert home_view(all_done)["blocks"][1]["text"]["text"] == "*25 of 25 done*\n`" + "▰" * 10 + "`"
    one_left = replace(all_done, lines=(*all_done.lines[:-1], replace(all_done.lines[-1], done=False)))
    assert home_view(one_left)["blocks"][1]["text"]["text"].endswith("`" + "▰" * 9 + "▱`")


# --- The supervisors' summary --------------------------------------------------------------------


def make_summary(agents: int, **changes: Any) -> SupervisorSummary:
    tallies = tuple(
        AgentTally(
            agent_id=f"U{n:07d}",
            agent_name=f"Agent {n}",
            accounts=25,
            balances=(("USD", Decimal("12000.00")),),
        )
        for n in range(agents)
    )
    summary = SupervisorSummary(
        work_date=DAY,
        tallies=tallies,
        left_off={"on hold: dispute": 12, "do not contact": 3},
        beyond_capacity=40,
        agents_away=("Bob Away", "Cy Away"),
        high_value_left_off=NamedAccounts(2, ("ACC-7", "ACC-8")),
    )
    return replace(summary, **changes)


def test_the_summary_lists_agents_counts_and_what_was_left_off() -> None:
    reply = supervisor_summary(make_summary(3))
    text = all_text(reply.blocks)
    assert reply.blocks[0]["text"]["text"] == "Worklists for Monday, November 23, 2026"
    assert "• *Agent 0* — 25 accounts · $12,000.00" in text
    assert "*3 agents · 75 accounts*\n$36,000.00" in text
    assert "• on hold: dispute: 12\n• do not contact: 3" in text
    assert "beyond everyone's capacity: 40" in text
    assert "• high value among them: 2: `ACC-7`, `ACC-8`" in text
    assert "*Away today (2):* Bob Away, Cy Away" in text
    assert reply.text == "Worklists for Nov 23, 2026: 3 agents, 75 accounts"


def test_the_summary_never_adds_currencies_together() -> None:
    tallies = (
        AgentTally(
            "U1", "Ann", 3, (("USD", Decimal("1000")), ("EUR", Decimal("300")), ("BRL", Decimal("2000")))
        ),
        AgentTally("U2", "Bo", 2, (("USD", Decimal("500")),)),
    )
    text = all_text(supervisor_summary(make_summary(0, tallies=tallies)).blocks)
    assert "• *Ann* — 3 accounts · $1,000.00 · €300.00 · R$2,000.00" in text
    assert "• *Bo* — 2 accounts · $500.00" in text
    assert "R$2,000.00 · €300.00 · $1,500.00" in text  # totals, one per currency
    assert "1,300" not in text and "3,800" not in text and "1,800" not in text


def test_the_summary_for_500_agents_lists_the_first_and_counts_the_rest() -> None:
    reply = supervisor_summary(make_summary(500))
    assert_within_slack_limits(reply.blocks, max_blocks=50)
    text = all_text(reply.blocks)
    listed = text.count("• *Agent ")
    assert 0 < listed < 500
    assert f"…and {500 - listed} more agents with {(500 - listed) * 25:,} accounts" in text
    assert "*500 agents · 12,500 accounts*" in text


def test_the_summary_with_extreme_input_stays_within_limits() -> None:
    tallies = tuple(
        AgentTally(
            agent_id=f"U{n}",
            agent_name=("<!channel> & " * 20)[:200],
            accounts=10**9,
            balances=tuple((f"C{c:02d}", MAX_BALANCE) for c in range(30)),
        )
        for n in range(500)
    )
    summary = make_summary(
        0,
        tallies=tallies,
        left_off={f"reason {n} " + "& <x> " * 100: n for n in range(300)},
        agents_away=tuple(f"<!here> away {n} " * 10 for n in range(1000)),
        beyond_capacity=10**12,
    )
    reply = supervisor_summary(summary)
    assert_within_slack_limits(reply.blocks, max_blocks=50)
    text = all_text(reply.blocks)
    assert "<!channel>" not in text and "<!here>" not in text
    assert "more reasons" in text and "more currencies" in text
    assert re.search(r"and [\d,]+ more$", reply.blocks[-1]["text"]["text"])


def test_the_summary_names_no_debtor() -> None:
    worklist = make_worklist(25, customer_name=LOUD_NAME)
    tally = AgentTally(
        AGENT, "Ann", len(worklist.lines), (("USD", sum((x.balance for x in worklist.lines), Decimal(0))),)
    )
    summary = make_summary(0, tallies=(tally,), high_value_left_off=NamedAccounts())
    blob = json.dumps(supervisor_summary(summary).as_kwargs())
    assert "Sons" not in blob and "ACC-" not in blob and "Customer" not in blob


def test_an_agent_without_a_name_is_mentioned_and_nothing_left_off_is_said() -> None:
    summary = make_summary(0, tallies=(AgentTally("U0AGENT9", " ", 1, ()),), left_off={}, agents_away=())
    summary = replace(summary, beyond_capacity=0, high_value_left_off=NamedAccounts())
    text = all_text(supervisor_summary(summary).blocks)
    assert "• <@U0AGENT9> — 1 account" in text
    assert "Nothing: every account" in text
    assert "Away" not in text


def test_the_summary_flags_high_value_accounts_without_a_senior_agent_by_id() -> None:
    flagged = NamedAccounts(23, tuple(f"ACC-{n}" for n in range(1004, 1024)))
    text = all_text(
        supervisor_summary(make_summary(2, high_value_without_senior=flagged, seniors_at_work=False)).blocks
    )
    assert ":warning: *23 high-value accounts with no senior agent:* `ACC-1004`, `ACC-1005`" in text
    assert "`ACC-1023` and 3 more" in text and "Nobody at work today may take high-value accounts" in text
    one = NamedAccounts(1, ("ACC-1004",))
    text = all_text(supervisor_summary(make_summary(2, high_value_without_senior=one)).blocks)
    assert "*1 high-value account with no senior agent free:* `ACC-1004`\nNo senior agent had room" in text
    assert "senior agent" not in all_text(supervisor_summary(make_summary(2)).blocks)


def test_no_agents_today() -> None:
    reply = supervisor_summary(make_summary(0, agents_away=("Ann",)))
    assert "No agent has a list today." in all_text(reply.blocks)


# --- Every builder against slack_sdk's own checks -------------------------------------------------

MESSAGES: dict[str, Callable[[], Reply]] = {
    "page-empty": lambda: worklist_page(make_worklist(0)),
    "page-25": lambda: worklist_page(make_worklist(25, done_every=3)),
    "page-500-extreme": lambda: worklist_page(extreme_worklist(500)),
    "page-500-last": lambda: worklist_page(make_worklist(500), start=490),
    "mine-41": lambda: worklist_reply(make_worklist(41, done_every=2)),
    "mine-500-extreme": lambda: worklist_reply(extreme_worklist(500), start=30),
    "summary-3": lambda: supervisor_summary(make_summary(3)),
    "summary-500": lambda: supervisor_summary(make_summary(500)),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_messages_pass_slack_sdk_validation(name: str) -> None:
    reply = MESSAGES[name]()
    assert_within_slack_limits(reply.blocks, max_blocks=50)
    assert reply.as_kwargs()["blocks"] == reply.blocks  # nothing relies on Reply cutting blocks off


@pytest.mark.parametrize(
    "worklist", [None, make_worklist(0), make_worklist(25, done_every=2), extreme_worklist(500)]
)
def test_home_views_pass_slack_sdk_validation(worklist: Worklist | None) -> None:
    view = home_view(worklist)
    assert_within_slack_limits(view["blocks"], max_blocks=100)
    assert View(**view).to_dict()["type"] == "home"


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(max_size=300),
    reasons=st.lists(st.text(max_size=500), max_size=10),
    account_id=st.text(min_size=1, max_size=64),
    done=st.booleans(),
    method=st.none() | st.text(max_size=16),
)
def test_any_customer_text_stays_within_limits_and_escaped(
    name: str, reasons: list[str], account_id: str, done: bool, method: str | None
) -> None:
    paid = PaidToday(MAX_BALANCE, "USD", method, datetime(2026, 11, 23, 15, 42, tzinfo=UTC))
    worklist = make_worklist(
        45, customer_name=name, reasons=tuple(reasons), account_id=account_id, done=done, paid_today=paid
    )
    for reply in (worklist_page(worklist), worklist_reply(worklist)):
        assert_within_slack_limits(reply.blocks, max_blocks=50)
        for value in menu_values(reply.blocks):
            assert WorklistChoice.model_validate_json(value).account_id == account_id
    assert_within_slack_limits(home_view(worklist)["blocks"], max_blocks=100)
