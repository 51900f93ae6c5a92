"""The daily worklists in Block Kit: the morning direct message and its pages, `/collect mine`, the
App Home tab and the supervisors' summary.

Pure functions of the plain data in bot.assignments.model. Every text from a person or a
customer is escaped and clipped, and every list is paged or summarised, so that no input size can
push a message past Slack's limits (50 blocks, and about 13,000 characters of text across them,
beyond which Slack answers `msg_blocks_too_long`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.assignments.model import (
    AgentTally,
    NamedAccounts,
    PaidOnList,
    PaidToday,
    SupervisorSummary,
    Worklist,
    WorklistLine,
)
from bot.blocks.kit import (
    SECTION_TEXT_LIMIT,
    Block,
    Reply,
    actions,
    button,
    context,
    divider,
    header,
    lines_within,
    option,
    pack_lines,
    section,
)
from bot.blocks.mrkdwn import clip, clip_escaped, local_time, mention, one_line
from bot.ids import ActionId
from bot.interactions import WorklistChoice, WorklistPage
from bot.language.model import N_, _, counted, number, speaker
from bot.vocabulary import CLOSED_STATUSES, method_name, status_name

# A worst-case line (every field at its cap, struck through) is under LINE_TEXT_LIMIT characters,
# plus 45 for its three menu options: 30 of them stay under 11,000 characters with room for the
# header and footers, below the ~12,000 we allow ourselves out of Slack's ~13,000. 40 would not.
PAGE_SIZE = 30
# The home tab may hold 100 blocks, but Slack documents no total text size for views: we keep to
# the budget proven for messages rather than risk the whole tab being refused.
HOME_LINES = PAGE_SIZE
NAME_LIMIT = 60
ACCOUNT_ID_LIMIT = 40
MONEY_LIMIT = 30
METHOD_LIMIT = 20
REASONS_LIMIT = 120
LINE_TEXT_LIMIT = 310
OPTION_VALUE_LIMIT = 150
PROGRESS_CELLS = 10

# The supervisors' summary: these caps add up to under 12,000 characters whatever the input.
AGENT_NAME_LIMIT = 50
AGENT_LINE_LIMIT = 200
AGENT_CURRENCIES = 4
AGENTS_TEXT_BUDGET = 8000
TOTALS_TEXT_LIMIT = 600
TOTAL_CURRENCIES = 10
REASON_LIMIT = 80
LEFT_OFF_REASONS = 15
LEFT_OFF_TEXT_LIMIT = 1600
AWAY_NAME_LIMIT = 40
AWAY_TEXT_LIMIT = 1000
ACCOUNT_IDS_SHOWN = 20
HIGH_VALUE_TEXT_LIMIT = 1200

NOTHING_TODAY = N_(":sunny: Nothing on your list today. Type `/collect help` to see what else you can do.")

Form = Literal["log", "promise", "pay", "escalate", "send"]
_LINE_MENU: tuple[tuple[str, Form], ...] = (
    (N_("Log a contact"), "log"),
    (N_("Record a promise"), "promise"),
    (N_("Record a payment"), "pay"),
    (N_("Escalate to a supervisor"), "escalate"),
    (N_("Send a document"), "send"),
)


# --- Text pieces ---------------------------------------------------------------------------------


def _code(text: str) -> str:
    """Like mrkdwn.code, but clipped: a backtick inside would end the code span early."""
    return "`" + one_line(text.replace("`", "'"), ACCOUNT_ID_LIMIT) + "`"


def _accounts(n: int) -> str:
    return counted("{count} account", "{count} accounts", n)


def _agents(n: int) -> str:
    return counted("{count} agent", "{count} agents", n)


def _day(day: date) -> str:
    return speaker().weekday(day)


def _standing(line: WorklistLine) -> str:
    """Days past due; for an account closed since the morning (paid off, settled), that it is."""
    if line.status in CLOSED_STATUSES:
        return status_name(line.status)
    if line.days_past_due <= 0:
        return _("current")
    return counted("{count} day past due", "{count} days past due", line.days_past_due)


def _money(amount: Decimal, currency: str) -> str:
    # The currency code comes from imported data, so it is escaped like any other customer text.
    return one_line(speaker().money(amount, currency), MONEY_LIMIT)


def _progress_bar(done: int, total: int) -> str:
    # Rounded down, so the bar is full only when every line is done.
    filled = PROGRESS_CELLS * done // total if total else 0
    return "▰" * filled + "▱" * (PROGRESS_CELLS - filled)


def _done_text(worklist: Worklist) -> str:
    return _("{done} of {total} done").format(
        done=number(worklist.done_count), total=number(len(worklist.lines))
    )


# --- One worklist line ---------------------------------------------------------------------------


def _callable_text(line: WorklistLine, worklist: Worklist) -> str:
    """When the customer may first be called, in the reader's own time (a Slack date token; the
    team's zone where it cannot render), with the day when it is not the list's."""
    if line.callable_from is None:
        return ""
    at = line.callable_from
    same_day = at.astimezone(worklist.zone).date() == worklist.work_date
    # The braces are Slack's date token's, which Slack fills in the reader's own zone: kept as they are.
    pattern = _("callable from {time}") if same_day else _("callable from {date_short_pretty} {time}")
    return f":clock3: {local_time(at, worklist.zone, pattern)}"


def paid_today_text(paid: PaidToday, zone: ZoneInfo, day: date) -> str:
    """`paid $250.00 at 10:42 by ACH, don't call`: the time in the reader's own zone (a Slack date
    token, the team's zone where it cannot render); a payment received on another day, or on a day
    with no time of its own (a feed's bare date), says its day instead."""
    amount = _money(paid.amount, paid.currency)
    method = one_line(method_name(paid.method), METHOD_LIMIT) if paid.method else ""
    local = paid.received_at.astimezone(zone)
    if local.date() == day and local.time() != time(0):
        when = local_time(paid.received_at, zone, "{time}")
        if method:
            return _("paid {amount} at {time} by {method}, don't call").format(
                amount=amount, time=when, method=method
            )
        return _("paid {amount} at {time}, don't call").format(amount=amount, time=when)
    on = local_time(paid.received_at, zone, "{date_short}")
    if method:
        return _("paid {amount} on {day} by {method}, don't call").format(
            amount=amount, day=on, method=method
        )
    return _("paid {amount} on {day}, don't call").format(amount=amount, day=on)


def _paid_text(line: WorklistLine, worklist: Worklist) -> str:
    if line.paid_today is None:
        return ""
    return f":moneybag: {paid_today_text(line.paid_today, worklist.zone, worklist.work_date)}"


def _line_text(line: WorklistLine, worklist: Worklist, *, show_done: bool) -> str:
    rows = [
        f"*{line.rank}.* {one_line(line.customer_name, NAME_LIMIT)} · {_code(line.account_id)}",
        f"{_money(line.balance, line.currency)} · {_standing(line)}",
    ]
    if show_done and line.done:
        # Strike-through does not span newlines in mrkdwn, so each row is struck on its own.
        rows = [f"~{row}~" for row in rows]
        rows[0] = ":white_check_mark: " + rows[0]
    reasons = one_line(" · ".join(line.reasons), REASONS_LIMIT)
    if reasons:
        rows.append(reasons)
    # A done line needs no calling hours. The hours are a Slack token, which a clip would break:
    # room is kept for them, at the expense of the longest names and reasons (never of real ones).
    hours = "" if show_done and line.done else _callable_text(line, worklist)
    # A payment today is said whether the line is done or not: nobody calls a customer who just paid.
    kept = [row for row in (_paid_text(line, worklist), hours) if row]
    # The caps above keep real lines under the limit; this guards absurd ranks and day counts (and
    # never leaves half an entity: the rows are escaped already).
    text = clip_escaped("\n".join(rows), LINE_TEXT_LIMIT - sum(len(row) + 1 for row in kept))
    return "\n".join([text, *kept])


def _line_menu(account_id: str) -> dict[str, Any] | None:
    """The line's menu of forms, or none when the account id cannot travel in an option value
    (over 64 characters, or over 150 once JSON-encoded): a line without a menu beats a message
    Slack refuses."""
    choices = _menu_choices(account_id, speaker().locale)
    if choices is None:
        return None
    return {
        "type": "overflow",
        "action_id": ActionId.WORKLIST_LINE_MENU,
        "options": [option(label, value) for label, value in choices],
    }


# The same lines are shown at every rebuild of a Home (after each change on the list): their menus'
# labels and encoded values are made once per account and language.
@lru_cache(maxsize=4096)
def _menu_choices(account_id: str, locale: str) -> tuple[tuple[str, str], ...] | None:
    try:
        choices = tuple(
            (_(label), WorklistChoice(form=form, account_id=account_id).encode())
            for label, form in _LINE_MENU
        )
    except ValidationError:
        return None
    if any(len(value) > OPTION_VALUE_LIMIT for __, value in choices):
        return None
    return choices


def _line_block(line: WorklistLine, worklist: Worklist, *, show_done: bool) -> Block:
    block = section(_line_text(line, worklist, show_done=show_done))
    menu = _line_menu(line.account_id)
    if menu is not None:
        block["accessory"] = menu
    return block


# --- An account on the list has paid ------------------------------------------------------------

PAID_LISTED = 10


def paid_on_list_dm(paid: Sequence[PaidOnList], zone: ZoneInfo, day: date) -> Reply:
    """The agent's direct message when accounts on their list today have just paid: one message
    for all of them, in the list's order (its priority), the first PAID_LISTED named and the rest
    counted. The notification text names no customer (it shows on lock screens)."""
    ordered = sorted(paid, key=lambda item: (item.rank, item.account_id))
    shown = ordered[:PAID_LISTED]

    def named(item: PaidOnList) -> tuple[str, str, str]:
        words = paid_today_text(item.paid, zone, day)
        return _code(item.account_id), one_line(item.customer_name, NAME_LIMIT), words

    if len(ordered) == 1:
        account, customer, words = named(ordered[0])
        head = _(":moneybag: {account} ({customer}) on your list today: {paid}").format(
            account=account, customer=customer, paid=words
        )
        blocks = [section(head)]
    else:
        head = _(":moneybag: {count} accounts on your list today have paid:").format(
            count=number(len(ordered))
        )
        rows = [
            _("• {account} ({customer}): {paid}").format(account=account, customer=customer, paid=words)
            for account, customer, words in map(named, shown)
        ]
        blocks = [section(head + "\n" + "\n".join(rows))]
        if len(ordered) > len(shown):
            more = number(len(ordered) - len(shown))
            blocks.append(context(_("…and {count} more: see `/collect mine`.").format(count=more)))
    text = counted(
        "{count} account on your list today has paid",
        "{count} accounts on your list today have paid",
        len(ordered),
    )
    return Reply(text=text, blocks=blocks)


# --- The morning message and `/collect mine` ------------------------------------------------------


def worklist_page(worklist: Worklist, start: int = 0) -> Reply:
    """The direct message an agent gets each working morning, or one of its later pages."""
    return _list_reply(worklist, start, show_done=False)


def worklist_reply(worklist: Worklist, start: int = 0) -> Reply:
    """`/collect mine`: the same pages, with today's done lines struck through and the progress."""
    return _list_reply(worklist, start, show_done=True)


def _list_reply(worklist: Worklist, start: int, *, show_done: bool) -> Reply:
    total = len(worklist.lines)
    title = header(_("Your worklist for {day}").format(day=_day(worklist.work_date)))
    if not total:
        text = _("Your worklist for {day}: nothing today").format(day=speaker().day(worklist.work_date))
        return Reply(text=text, blocks=[title, section(_(NOTHING_TODAY))])
    start = _page_start(start, total)
    shown = worklist.lines[start : start + PAGE_SIZE]
    blocks = [title, context(*_intro(worklist, show_done=show_done))]
    blocks += [_line_block(line, worklist, show_done=show_done) for line in shown]
    blocks += _paging_blocks(worklist, start, start + len(shown))
    return Reply(text=_fallback(worklist, show_done=show_done), blocks=blocks)


def _page_start(start: int, total: int) -> int:
    """A page past the end (the list shrank since the button was sent) shows the last page."""
    last_page = (total - 1) // PAGE_SIZE * PAGE_SIZE
    return min(max(start, 0), last_page)


def _intro(worklist: Worklist, *, show_done: bool) -> list[str]:
    parts = [_("{accounts}, ranked by priority").format(accounts=_accounts(len(worklist.lines)))]
    if show_done:
        parts.append(f"*{_done_text(worklist)}*")
    return parts


def _fallback(worklist: Worklist, *, show_done: bool) -> str:
    """The notification text: shown on lock screens, so nothing about customers beyond a count."""
    day, accounts = speaker().day(worklist.work_date), _accounts(len(worklist.lines))
    if show_done:
        return _("Your worklist for {day}: {accounts}, {done} done").format(
            day=day, accounts=accounts, done=number(worklist.done_count)
        )
    return _("Your worklist for {day}: {accounts}").format(day=day, accounts=accounts)


def _paging_blocks(worklist: Worklist, start: int, end: int) -> list[Block]:
    total = len(worklist.lines)
    if start == 0 and end >= total:
        return []
    blocks = [
        context(
            _("Showing {first}–{last} of {total}").format(
                first=number(start + 1), last=number(end), total=number(total)
            )
        )
    ]
    more = _next_page_button(worklist, end) if end < total else None
    if more is not None:
        blocks.append(actions(more))
    return blocks


def _next_page_button(worklist: Worklist, next_start: int) -> dict[str, Any] | None:
    try:
        page = WorklistPage(
            agent_id=worklist.agent_id, work_date=worklist.work_date.isoformat(), start=next_start
        )
    except ValidationError:
        return None  # an agent id too long to carry; the "Showing" line still tells what is left
    count = min(PAGE_SIZE, len(worklist.lines) - next_start)
    label = _("Show the next {count}").format(count=number(count))
    return button(label, ActionId.WORKLIST_NEXT_PAGE, page.encode())


# --- The App Home tab ------------------------------------------------------------------------------


def home_view(worklist: Worklist | None) -> dict[str, Any]:
    """The App Home tab: today's list with its progress, or a welcome before the first list."""
    blocks = _welcome_blocks() if worklist is None else _home_blocks(worklist)
    return {"type": "home", "blocks": blocks}


def _welcome_blocks() -> list[Block]:
    return [
        header(_("Welcome to collect-bot")),
        section(
            _(
                "On each working morning your worklist appears here and in a direct message: the accounts"
                " to call today, highest priority first, with a menu on each to log a contact, record a"
                " promise or record a payment.\nType `/collect help` to see every command."
            )
        ),
    ]


def _home_blocks(worklist: Worklist) -> list[Block]:
    blocks = [header(_("Your worklist for {day}").format(day=_day(worklist.work_date)))]
    if not worklist.lines:
        return [*blocks, section(_(NOTHING_TODAY))]
    progress = f"*{_done_text(worklist)}*\n`{_progress_bar(worklist.done_count, len(worklist.lines))}`"
    blocks += [section(progress), divider()]
    blocks += [_line_block(line, worklist, show_done=True) for line in worklist.lines[:HOME_LINES]]
    hidden = len(worklist.lines) - HOME_LINES
    if hidden > 0:
        blocks.append(context(_("…and {count} more: type `/collect mine`").format(count=number(hidden))))
    return blocks


# --- The supervisors' summary ----------------------------------------------------------------------


def supervisor_summary(summary: SupervisorSummary) -> Reply:
    """The morning message for the supervisor channel. It names agents, never debtors: the channel
    is wider than the people allowed to see a customer's details. High-value accounts without a
    senior agent are named by account id (as the alerts in the same channel do), never by customer."""
    title = _("Worklists for {day}").format(day=_day(summary.work_date))
    blocks = [header(title), section(_totals_text(summary.tallies))]
    blocks += _agent_blocks(summary.tallies)
    blocks.append(divider())
    if summary.high_value_without_senior.total:
        blocks.append(
            section(without_senior_text(summary.high_value_without_senior, summary.seniors_at_work))
        )
    blocks.append(section(_left_off_text(summary)))
    if summary.agents_away:
        blocks.append(section(_away_text(summary.agents_away)))
    accounts = sum(tally.accounts for tally in summary.tallies)
    text = _("Worklists for {day}: {agents}, {accounts}").format(
        day=speaker().day(summary.work_date),
        agents=_agents(len(summary.tallies)),
        accounts=_accounts(accounts),
    )
    return Reply(text=text, blocks=blocks)


def _balances(balances: Iterable[tuple[str, Decimal]], limit: int) -> str:
    """Each currency on its own, never added to another; past `limit` only how many more."""
    listed = list(balances)
    parts = [_money(amount, currency) for currency, amount in listed[:limit]]
    if len(listed) > limit:
        parts.append("+" + counted("{count} more currency", "{count} more currencies", len(listed) - limit))
    return " · ".join(parts)


def _totals_text(tallies: Sequence[AgentTally]) -> str:
    totals: dict[str, Decimal] = {}
    for tally in tallies:
        for currency, amount in tally.balances:
            totals[currency] = totals.get(currency, Decimal(0)) + amount
    accounts = sum(tally.accounts for tally in tallies)
    text = f"*{_agents(len(tallies))} · {_accounts(accounts)}*"
    if totals:
        text += "\n" + _balances(sorted(totals.items()), TOTAL_CURRENCIES)
    return clip(text, TOTALS_TEXT_LIMIT)


def _agent_name(tally: AgentTally) -> str:
    # A mention would ping every agent each morning, so the name is shown; the id only without one.
    name = one_line(tally.agent_name, AGENT_NAME_LIMIT)
    if name:
        return f"*{name}*"
    return mention(tally.agent_id) if tally.agent_id.strip() else _("an unnamed agent")


def _agent_line(tally: AgentTally) -> str:
    line = f"• {_agent_name(tally)} — {_accounts(tally.accounts)}"
    if tally.balances:
        line += " · " + _balances(tally.balances, AGENT_CURRENCIES)
    return clip(line, AGENT_LINE_LIMIT)


def _agent_blocks(tallies: Sequence[AgentTally]) -> list[Block]:
    if not tallies:
        return [section(_("No agent has a list today."))]
    lines = lines_within((_agent_line(tally) for tally in tallies), AGENTS_TEXT_BUDGET)
    blocks = [section(chunk) for chunk in pack_lines(lines, SECTION_TEXT_LIMIT)]
    rest = tallies[len(lines) :]
    if rest:
        accounts = sum(tally.accounts for tally in rest)
        more = counted("{count} more agent", "{count} more agents", len(rest))
        blocks.append(
            context(_("…and {agents} with {accounts}").format(agents=more, accounts=_accounts(accounts)))
        )
    return blocks


def _left_off_text(summary: SupervisorSummary) -> str:
    return left_off_text(summary.left_off, summary.beyond_capacity, summary.high_value_left_off)


def left_off_text(left_off: dict[str, int], beyond_capacity: int, high_value_left_off: NamedAccounts) -> str:
    """What the morning left off the lists, and why: the summary's section, and the Home's."""
    rows = [_("*Left off today*")]
    reasons = Counter(left_off).most_common()
    rows += [
        f"• {one_line(reason, REASON_LIMIT)}: {number(count)}" for reason, count in reasons[:LEFT_OFF_REASONS]
    ]
    rest = reasons[LEFT_OFF_REASONS:]
    if rest:
        more = counted("{count} more reason", "{count} more reasons", len(rest))
        rows.append(
            _("• …and {reasons}: {accounts}").format(reasons=more, accounts=number(sum(c for __, c in rest)))
        )
    if beyond_capacity:
        rows.append(_("• beyond everyone's capacity: {count}").format(count=number(beyond_capacity)))
    if high_value_left_off.total:
        rows.append(
            _("• high value among them: {count}: {accounts}").format(
                count=number(high_value_left_off.total), accounts=_account_ids(high_value_left_off)
            )
        )
    if len(rows) == 1:
        rows.append(_("Nothing: every account that could be worked today has an agent."))
    return clip("\n".join(rows), LEFT_OFF_TEXT_LIMIT)


def _account_ids(accounts: NamedAccounts) -> str:
    """Account ids only, never a customer's name: the channel is wider than those who may see one."""
    text = ", ".join(_code(account_id) for account_id in accounts.first[:ACCOUNT_IDS_SHOWN])
    rest = accounts.total - min(len(accounts.first), ACCOUNT_IDS_SHOWN)
    return text + (_(" and {count} more").format(count=number(rest)) if rest > 0 else "")


def without_senior_text(accounts: NamedAccounts, seniors_at_work: bool) -> str:
    """High-value accounts on the list of an agent not allowed high value: said every morning
    (and on the supervisors' Home), so that the most valuable accounts never move to a junior
    agent unnoticed."""
    if seniors_at_work:
        head = counted(
            ":warning: *{count} high-value account with no senior agent free:*",
            ":warning: *{count} high-value accounts with no senior agent free:*",
            accounts.total,
        )
        then = _("No senior agent had room: they stay with their agents, or went to whoever had room.")
    else:
        head = counted(
            ":warning: *{count} high-value account with no senior agent:*",
            ":warning: *{count} high-value accounts with no senior agent:*",
            accounts.total,
        )
        then = _(
            "Nobody at work today may take high-value accounts: they stay with their agents, or went to"
            " whoever had room."
        )
    head = f"{head} {_account_ids(accounts)}"
    return clip(f"{head}\n{then}", HIGH_VALUE_TEXT_LIMIT)


def _away_text(away: Sequence[str]) -> str:
    prefix = _("*Away today ({count}):* ").format(count=number(len(away)))
    names: list[str] = []
    used = len(prefix)
    for name in away:
        shown = one_line(name, AWAY_NAME_LIMIT) or _("an unnamed agent")
        # Room is kept for the "and N more" that may follow.
        if used + len(shown) + 2 > AWAY_TEXT_LIMIT - 40:
            break
        names.append(shown)
        used += len(shown) + 2
    text = prefix + ", ".join(names)
    if len(names) < len(away):
        text += _(" and {count} more").format(count=number(len(away) - len(names)))
    return text
