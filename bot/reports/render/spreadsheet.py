"""The report spreadsheet posted in the supervisors' thread: everyone's numbers, every promise and
every payment, as real Excel cells people can sort, filter and sum.

Numbers are numbers (money written from Decimal with the currency's decimals, ratios as fractions
shown as percentages), dates are dates, and a ratio that is "n/a" is an empty cell, so that Excel's
own sums and averages skip it instead of counting it as 0. XlsxWriter writes the workbook in its
constant-memory mode, text inline; the rows of the two long sheets (Promises and Payments: a month of a
million-account portfolio holds about 85,000 payments) are written as XML here, to a temporary file
each, and put into XlsxWriter's package in place of its own rows: XlsxWriter spent about 6 µs a cell
on checks and dispatch these cells do not need (README, "Performance"). The XML is what XlsxWriter
would have written, byte for byte; openpyxl reads the workbook back in the tests.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.aging import AgingBucket
from bot.currency import exponent
from bot.language.model import N_, _
from bot.reports.model import (
    ActivityNumbers,
    AgentNumbers,
    PaymentRow,
    PerformanceReport,
    PromiseRow,
    TeamNumbers,
    complaints_by_agent,
)
from bot.vocabulary import channel_name, method_name

RATIO_FORMAT = "0.0%"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MAX_TEXT_WIDTH = 50
NA_NOTE = N_("An empty ratio cell means n/a: its denominator was zero (nothing to measure), not 0%.")

_ZERO = Decimal(0)
_BUCKETS = [bucket.value for bucket in AgingBucket]
# The control characters XML 1.0 cannot carry (what openpyxl refuses): one odd byte in an import
# must not spoil the workbook, nor turn into XlsxWriter's _xHHHH_ escapes.
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Formatted(NamedTuple):
    """A number, date or time with the number format it is shown in."""

    value: object
    number_format: Format


Cell = Any
"""str | int | _Formatted | None: text (always written as text, never as a formula), a plain
count, a formatted value, or an empty cell."""
Row = list[Cell]


def report_workbook(report: PerformanceReport) -> bytes:
    """The XLSX: Summary, Agents, Aging, Promises and Payments sheets."""
    _require_aware_times(report)
    out = io.BytesIO()
    # Text is written as text: an account id or payment reference from an import that starts
    # with "=" or looks like a URL must not become a formula or a link.
    book = Workbook(out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties(
        {
            "author": "collect-bot",
            "title": _clean(_("Collections numbers — {period}").format(period=report.label)),
        }
    )
    summary, agents, aging, promises, payments = (
        book.add_worksheet(_(title))
        for title in (N_("Summary"), N_("Agents"), N_("Aging"), N_("Promises"), N_("Payments"))
    )
    cells = _Cells(book, ZoneInfo(report.zone))
    _write_summary(summary, cells, report)
    _write_agents(agents, cells, report)
    _write_aging(aging, cells, report.team)
    with tempfile.TemporaryFile() as promise_rows, tempfile.TemporaryFile() as payment_rows:
        long_sheets = [
            _write_promises(promises, cells, report.promises, promise_rows),
            _write_payments(payments, cells, report.payments, payment_rows),
        ]
        book.close()
        return _with_rows(out.getvalue(), long_sheets)


# --- Cells --------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _ILLEGAL_CHARACTERS.sub("", text)


def money_format(currency: str) -> str:
    """`#,##0.00`, with the currency's own number of decimals (none for JPY, three for KWD)."""
    places = exponent(currency)
    return "#,##0." + "0" * places if places else "#,##0"


class _Cells:
    """Typed cells, with the workbook's formats made once each."""

    def __init__(self, book: Workbook, zone: ZoneInfo) -> None:
        self.book = book
        self.zone = zone
        self.bold = book.add_format({"bold": True})
        self._formats: dict[str, Format] = {}
        self._money: dict[str, Format] = {}

    def format(self, number_format: str) -> Format:
        found = self._formats.get(number_format)
        if found is None:
            found = self._formats[number_format] = self.book.add_format({"num_format": number_format})
        return found

    def money_format(self, currency: str) -> Format:
        """The currency's money format, looked up once per currency rather than once per amount."""
        found = self._money.get(currency)
        if found is None:
            found = self._money[currency] = self.format(money_format(currency))
        return found

    def formatted(self, value: object, number_format: str) -> Cell:
        return None if value is None else _Formatted(value, self.format(number_format))

    def text(self, value: str | None) -> Cell:
        return None if value is None else _clean(value)

    def money(self, amount: Decimal | None, currency: str) -> Cell:
        # Decimal goes in as it is: XlsxWriter writes its digits (16 significant), Excel reads a number.
        return None if amount is None else _Formatted(amount, self.money_format(currency))

    def ratio(self, value: Decimal | None) -> Cell:
        return self.formatted(value, RATIO_FORMAT)

    def moment(self, at: datetime) -> Cell:
        return self.formatted(self.local(at), DATETIME_FORMAT)

    def day(self, value: date) -> Cell:
        return self.formatted(value, DATE_FORMAT)

    def local(self, at: datetime) -> datetime:
        """The team's wall-clock time, without a zone: Excel has no time zones (the Summary names it)."""
        return at.astimezone(self.zone).replace(tzinfo=None)

    def moment_serial(self, at: datetime) -> float:
        """local(at) as Excel's serial number: what write_datetime would write for it."""
        return _serial(self.local(at))


# Excel's day 0 (XlsxWriter's epoch), and what write_datetime adds for Excel's phantom 29 February 1900.
_EXCEL_EPOCH = datetime(1899, 12, 31)
_EXCEL_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_LEAP_1900_SERIAL = 59
_SECONDS_A_DAY = 24 * 60 * 60


def _serial(local: datetime) -> float:
    """A naive wall-clock time as Excel's serial number, computed as XlsxWriter's write_datetime
    computes it (the same float, so the same cell), without its per-value checks."""
    delta = local - _EXCEL_EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / _SECONDS_A_DAY
    return serial + 1 if serial > _LEAP_1900_SERIAL else serial


def _day_serial(day: date) -> int:
    """A date as Excel's serial number, as write_datetime writes it."""
    serial = day.toordinal() - _EXCEL_EPOCH_ORDINAL
    return serial + 1 if serial > _LEAP_1900_SERIAL else serial


def _write_row(sheet: Worksheet, number: int, row: Sequence[Cell]) -> None:
    for column, cell in enumerate(row):
        if cell is None:
            continue
        if cell.__class__ is str:
            sheet.write_string(number, column, cell)
        elif cell.__class__ is _Formatted:
            value, number_format = cell
            if isinstance(value, date):
                sheet.write_datetime(number, column, value, number_format)
            else:
                sheet.write_number(number, column, value, number_format)
        else:
            sheet.write_number(number, column, cell)


def _require_aware_times(report: PerformanceReport) -> None:
    """Checked before the first row: an error halfway through would leave write-only sheets open,
    their streams failing later at garbage collection. A naive time has no instant to convert."""
    times = [report.start, report.end, *(p.received_at for p in report.payments)]
    times += [p.made_at for p in report.promises]
    for at in times:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"report times must be timezone-aware, got {at!r}")


@dataclass(frozen=True, slots=True)
class _Column:
    title: str
    width: float


def _fill(
    sheet: Worksheet,
    cells: _Cells,
    columns: Sequence[_Column],
    rows: Iterable[Row],
    count: int,
    notes: Sequence[str] = (),
) -> None:
    """Bold frozen header, widths and the filter, then the rows (constant-memory mode writes each
    row to disk as the next one starts), then notes under a blank row, outside the filter."""
    _head(sheet, cells, columns, count)
    last = 0
    for last, row in enumerate(rows, 1):
        _write_row(sheet, last, row)
    _write_notes(sheet, last, notes)


def _head(sheet: Worksheet, cells: _Cells, columns: Sequence[_Column], count: int) -> None:
    """Widths, the bold frozen header and the filter over `count` rows."""
    for number, column in enumerate(columns):
        sheet.set_column(number, number, column.width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    for number, column in enumerate(columns):
        sheet.write_string(0, number, column.title, cells.bold)


def _write_notes(sheet: Worksheet, last: int, notes: Sequence[str]) -> None:
    """Under a blank row after the last one, outside the filter."""
    for offset, note in enumerate(notes, 2):
        sheet.write_string(last + offset, 0, note)


def _width(title: str, values: Iterable[str | None], floor: int = 10) -> float:
    longest = max((len(value) for value in values if value), default=0)
    return min(max(len(title), longest, floor) + 2, MAX_TEXT_WIDTH)


def _share(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole, or None (n/a) when there is nothing to divide by."""
    if whole is None or whole == 0:
        return None
    return part / whole


# --- The long sheets' rows ----------------------------------------------------------------------------

# Excel's last row: XlsxWriter leaves out the cells of any row past it, and so do the long sheets.
_MAX_ROWS = 1_048_576
_ROWS_A_WRITE = 4_096
# XlsxWriter's limit on a string, in UTF-16 units: a longer one is cut there.
_MAX_STRING = 32_767
# What XlsxWriter does to an inline string besides putting it between tags (Worksheet._write_cell):
# a literal _xHHHH_ gets its underscore escaped, the control characters XML keeps (CR; the rest are
# _clean's) become _xHHHH_, leading or trailing space is preserved, and &, < and > are escaped.
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LEADING_SPACE = re.compile(r"^\s")
_TRAILING_SPACE = re.compile(r"\s$")


class _LongSheet(NamedTuple):
    """A sheet whose header XlsxWriter writes and whose rows are XML written here, in `rows`."""

    sheet_index: int
    """The worksheet's index: its part is xl/worksheets/sheet{sheet_index + 1}.xml."""
    last_column: str
    rows: int
    xml: IO[bytes]


class _Styles:
    """The cell style (XF) number of each number format, numbered by XlsxWriter the first time a
    cell asks for it, as its own writing of the cell would have numbered it."""

    def __init__(self, cells: _Cells) -> None:
        self.cells = cells
        self._money: dict[str, int] = {}

    # Format._get_xf_index is what XlsxWriter's own cell writing calls (pinned in the lock file; the
    # tests read the styles back through openpyxl).
    def of(self, number_format: str) -> int:
        return int(self.cells.format(number_format)._get_xf_index())

    def money(self, currency: str) -> int:
        found = self._money.get(currency)
        if found is None:
            found = self._money[currency] = int(self.cells.money_format(currency)._get_xf_index())
        return found


def _inline_text(text: str) -> str:
    """The <t> element XlsxWriter writes for `text` in an inline string cell. Except for a text
    between "<r>" and "</r>", which XlsxWriter takes for rich text and puts in unescaped: here it is
    text like any other, so that an imported reference cannot break the sheet's XML."""
    if len(text) > _MAX_STRING // 2:
        text = _utf16_cut(text, _MAX_STRING)
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _LEADING_SPACE.search(text) or _TRAILING_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{space}>{text}</t>"


def _utf16_cut(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 units, without splitting a character beyond U+FFFF."""
    length = 0
    for index, character in enumerate(text):
        length += 2 if ord(character) > 0xFFFF else 1
        if length > limit:
            return text[:index]
    return text


_plain_text = "<t>{}</t>".format
# Between a column's values when they are searched at once: matched by no pattern below but the
# space one, which only makes a value next to a space be written the careful way, as it would be.
_BETWEEN = "\x7f"
_COLUMN_NEEDS_CARE = re.compile(
    r"[&<>\n\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s\Z|\x7f\s|\s\x7f"
)


def _texts(values: Iterable[str | None]) -> Callable[[str], str]:
    """_clean and _inline_text for a column, or only the tags when no value of the column needs
    either (a new line, which the trailing space test treats apart, counts as needing them): one
    search over the column instead of four substitutions a cell."""
    present = [value for value in values if value]
    if not present:
        return _plain_text
    longest = max(map(len, present))
    if longest > _MAX_STRING // 2 or _COLUMN_NEEDS_CARE.search(_BETWEEN.join(present)):
        return lambda text: _inline_text(_clean(text))
    return _plain_text


# zlib's fastest level: the month's 40 MB of sheet XML compressed in about 0.1 s of CPU instead of
# 0.4 to 0.7 s at the default level, for a file about a quarter larger (4.6 MB instead of 3.7 MB).
_COMPRESS_LEVEL = 1


def _with_rows(package: bytes, sheets: Sequence[_LongSheet]) -> bytes:
    """XlsxWriter's package with the long sheets' rows put after their header rows, the sheets'
    dimensions stretched over them, every other part as XlsxWriter wrote it (compressed faster)."""
    long_sheets = {f"xl/worksheets/sheet{sheet.sheet_index + 1}.xml": sheet for sheet in sheets}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as target,
    ):
        for info in source.infolist():
            part = zipfile.ZipInfo(info.filename, info.date_time)
            part.compress_type, part.external_attr = info.compress_type, info.external_attr
            xml = source.read(info)
            sheet = long_sheets.get(info.filename)
            if sheet is None:
                target.writestr(part, xml)
                continue
            header = f'<dimension ref="A1:{sheet.last_column}1"/>'.encode()
            if header not in xml or xml.count(b"</sheetData>") != 1:  # pragma: no cover - a new XlsxWriter
                raise AssertionError(f"{info.filename}: not the header-only sheet XlsxWriter used to write")
            if sheet.rows:
                whole = f'<dimension ref="A1:{sheet.last_column}{sheet.rows + 1}"/>'.encode()
                xml = xml.replace(header, whole, 1)
            head, tail = xml.split(b"</sheetData>")
            # Opened by name, so that the archive's compression level applies (a ZipInfo's is private).
            with target.open(info.filename, "w") as entry:
                entry.write(head)
                sheet.xml.seek(0)
                shutil.copyfileobj(sheet.xml, entry, 1 << 20)
                entry.write(b"</sheetData>" + tail)
    return out.getvalue()


# --- Summary ----------------------------------------------------------------------------------------


def _write_summary(sheet: Worksheet, cells: _Cells, report: PerformanceReport) -> None:
    rows = _summary_rows(cells, report)
    columns = [_Column(_("Figure"), 30), _Column(_("Currency"), 10), _Column(_("Value"), 20)]
    notes = [
        _(NA_NOTE),
        _("Times are in {zone}. Each currency has its own rows: two currencies are never added.").format(
            zone=_clean(report.zone)
        ),
    ]
    _fill(sheet, cells, columns, rows, len(rows), notes)


def _summary_rows(cells: _Cells, report: PerformanceReport) -> list[Row]:
    team = report.team
    target = team.target_currency
    rows: list[Row] = [
        [_("Period"), None, cells.text(report.label)],
        [_("Kind"), None, report.kind],
        [_("Starts"), None, cells.moment(report.start)],
        [_("Ends"), None, cells.moment(report.end)],
        [_("Zone"), None, cells.text(report.zone)],
        *_money_rows(cells, _("Collected"), team.collected, target),
        [_("Target"), target, cells.money(team.target, target)],
        [
            _("Collected ÷ target"),
            target,
            cells.ratio(_share(team.collected.get(target, _ZERO), team.target)),
        ],
        *([] if report.complete else _projected_rows(cells, team.projected, target)),
        [_("Kept rate, last 90 days"), None, cells.ratio(team.kept_rate_90_days)],
        *_portfolio_rows(cells, report),
        [_("Escalations opened"), None, team.escalations_opened],
        [_("Escalations decided"), None, team.escalations_decided],
        [_("Escalations waiting"), None, team.escalations_waiting],
        [_("Disputes opened"), None, team.disputes_opened],
        *_complaint_rows(report),
        *_activity_rows(cells, team.activity),
    ]
    return [[cells.text(name), cells.text(currency), value] for name, currency, value in rows]


def _complaint_rows(report: PerformanceReport) -> list[Row]:
    counts = report.team.complaints
    return [
        [_("Complaints opened"), None, counts.opened],
        [_("Complaints resolved"), None, counts.resolved],
        [_("Complaints overdue at the end"), None, counts.overdue],
        *(
            [_("Complaints opened: {category}").format(category=category), None, n]
            for category, n in sorted(counts.by_category.items())
        ),
        *(
            [_("Complaints opened: {agent}").format(agent=name or _("the shared queue")), None, n]
            for name, n in complaints_by_agent(report)
        ),
    ]


def _projected_rows(cells: _Cells, projected: Mapping[str, Decimal] | None, target: str) -> list[Row]:
    if projected is None:  # something is due but no kept rate to weigh it by: n/a, an empty cell
        return [[_("Projected, rest of the period"), target, None]]
    return _money_rows(cells, _("Projected, rest of the period"), projected, target)


def _activity_rows(cells: _Cells, activity: ActivityNumbers) -> list[Row]:
    """The team's line: everyone's attempts, promises and worklist lines."""
    worked = _share(Decimal(activity.lines_worked), Decimal(activity.lines_assigned))
    return [
        [_("Attempts"), None, activity.attempts],
        *(
            [_("Attempts by {channel}").format(channel=channel_name(channel)), None, n]
            for channel, n in activity.attempts_by_channel
        ),
        [_("Right-party contacts"), None, activity.right_party_contacts],
        [_("RPC rate"), None, cells.ratio(activity.rpc_rate)],
        [_("Promises made"), None, activity.promises_made],
        [_("Promises kept"), None, activity.promises_kept],
        [_("Promises broken"), None, activity.promises_broken],
        [_("Kept rate"), None, cells.ratio(activity.kept_rate)],
        [_("Worklist lines worked"), None, activity.lines_worked],
        [_("Worklist lines assigned"), None, activity.lines_assigned],
        [_("Worked ÷ assigned (lines summed over the working days)"), None, cells.ratio(worked)],
    ]


def _portfolio_rows(cells: _Cells, report: PerformanceReport) -> list[Row]:
    """The CEI as a real percentage cell (the model's 0..100 over 100), over all receivables too
    for a month; cured and paid off apart."""
    team = report.team

    def percent(value: Decimal | None) -> Cell:
        return cells.ratio(None if value is None else value / 100)

    rows = [[_("CEI, delinquent accounts"), cur, percent(cei)] for cur, cei in sorted(team.cei.items())]
    if report.kind == "month":
        rows += [
            [_("CEI, all receivables"), cur, percent(c)]
            for cur, c in sorted(team.cei_all_receivables.items())
        ]
    rows += [
        [_("Cure rate (current again)"), cur, cells.ratio(rate)]
        for cur, rate in sorted(team.cure_rate.items())
    ]
    rows += [[_("Paid-off rate"), cur, cells.ratio(rate)] for cur, rate in sorted(team.paid_off_rate.items())]
    return rows


def _money_rows(cells: _Cells, name: str, amounts: Mapping[str, Decimal], target: str) -> list[Row]:
    # Nothing at all shows as 0 in the target currency, so the figure is not silently missing.
    listed = sorted(amounts.items()) or [(target, _ZERO)]
    return [[name, currency, cells.money(amount, currency)] for currency, amount in listed]


# --- Agents -------------------------------------------------------------------------------------------


def _agent_currencies(report: PerformanceReport) -> list[str]:
    """The target currency first, then every other currency any agent collected in."""
    target = report.team.target_currency
    others = {currency for agent in report.agents for currency in agent.collected} - {target}
    return [target, *sorted(others)]


def _write_agents(sheet: Worksheet, cells: _Cells, report: PerformanceReport) -> None:
    target = report.team.target_currency
    currencies = _agent_currencies(report)
    agents = sorted(
        report.agents, key=lambda a: (-a.collected.get(target, _ZERO), -a.attempts, a.name, a.agent_id)
    )
    columns = [
        _Column(_("Agent id"), _width(_("Agent id"), (a.agent_id for a in agents))),
        _Column(_("Name"), _width(_("Name"), (a.name for a in agents), floor=20)),
        *(_Column(_(title), len(_(title)) + 2) for title in _AGENT_COUNTS_BEFORE),
        *(_Column(_("Collected {currency}").format(currency=currency), 16) for currency in currencies),
        _Column(_("Target {currency}").format(currency=target), 16),
        _Column(_("% of target"), 12),
        *(_Column(_(title), len(_(title)) + 2) for title in _AGENT_COUNTS_AFTER),
    ]
    rows = (_agent_row(cells, agent, currencies, target) for agent in agents)
    _fill(sheet, cells, columns, rows, len(agents), [_(NA_NOTE)])


_AGENT_COUNTS_BEFORE = (
    N_("Attempts"),
    N_("Right-party contacts"),
    N_("RPC rate"),
    N_("Promises made"),
    N_("Promises kept"),
    N_("Promises broken"),
    N_("Kept rate"),
)
_AGENT_COUNTS_AFTER = (
    N_("Worklist lines worked"),
    N_("Worklist lines assigned"),
    N_("Escalations raised"),
    N_("Attempted breaches"),
)


def _agent_row(cells: _Cells, agent: AgentNumbers, currencies: Sequence[str], target: str) -> Row:
    return [
        cells.text(agent.agent_id),
        cells.text(agent.name),
        agent.attempts,
        agent.right_party_contacts,
        cells.ratio(agent.rpc_rate),
        agent.promises_made,
        agent.promises_kept,
        agent.promises_broken,
        cells.ratio(agent.kept_rate),
        # An agent who collected nothing in a currency shows 0, which sums the same as empty.
        *(cells.money(agent.collected.get(currency, _ZERO), currency) for currency in currencies),
        cells.money(agent.target, target),
        cells.ratio(_share(agent.collected.get(target, _ZERO), agent.target)),
        agent.accounts_worked,
        agent.accounts_assigned,
        agent.escalations_raised,
        agent.attempted_breaches,
    ]


# --- Aging --------------------------------------------------------------------------------------------


def _write_aging(sheet: Worksheet, cells: _Cells, team: TeamNumbers) -> None:
    currencies = sorted(team.aging.keys() | team.aging_previous.keys() | team.roll_rates.keys())
    pairs = [(currency, bucket) for currency in currencies for bucket in _aging_buckets(team, currency)]
    columns = [
        _Column(_("Currency"), 10),
        _Column(_("Bucket"), 10),
        _Column(_("Balance, end of this period"), 28),
        _Column(_("Balance, end of previous period"), 31),
        _Column(_("Roll rate to next bucket"), 24),
    ]
    rows = (_aging_row(cells, team, currency, bucket) for currency, bucket in pairs)
    notes = [_(NA_NOTE), _("120+ has no next bucket, so no roll rate.")]
    _fill(sheet, cells, columns, rows, len(pairs), notes)


def _aging_buckets(team: TeamNumbers, currency: str) -> list[str]:
    # Buckets the enum does not know (a future configuration) are kept, after the known ones.
    seen = set(team.aging.get(currency, {})) | set(team.aging_previous.get(currency, {}))
    seen |= set(team.roll_rates.get(currency, {}))
    return _BUCKETS + sorted(seen - set(_BUCKETS))


def _aging_row(cells: _Cells, team: TeamNumbers, currency: str, bucket: str) -> Row:
    # A bucket missing from a period owed nothing then: 0, not n/a.
    now = team.aging.get(currency, {}).get(bucket, _ZERO)
    before = team.aging_previous.get(currency, {}).get(bucket, _ZERO)
    rolled = team.roll_rates.get(currency, {}).get(bucket)
    return [
        cells.text(currency),
        cells.text(bucket),
        cells.money(now, currency),
        cells.money(before, currency),
        cells.ratio(rolled),
    ]


# --- Promises and payments ------------------------------------------------------------------------------


def _write_promises(
    sheet: Worksheet, cells: _Cells, promises: Sequence[PromiseRow], rows: IO[bytes]
) -> _LongSheet:
    """A row per promise: the header by XlsxWriter, the rows as XML into `rows` (_LongSheet)."""
    columns = [
        _Column(_("Account id"), _width(_("Account id"), (p.account_id for p in promises))),
        _Column(_("Agent id"), _width(_("Agent id"), (p.agent_id for p in promises))),
        _Column(_("Made at"), 17),
        _Column(_("Due date"), 12),
        _Column(_("Amount"), 16),
        _Column(_("Currency"), 10),
        _Column(_("Paid toward"), 16),
        _Column(_("Outcome"), 12),
    ]
    _head(sheet, cells, columns, len(promises))
    written = promises[: _MAX_ROWS - 1]
    account_text = _texts(p.account_id for p in written)
    agent_text = _texts(p.agent_id for p in written)
    currency_text = {c: _inline_text(_clean(c)) for c in {p.currency for p in written}}
    outcome_text = {o: _inline_text(_clean(o)) for o in {p.outcome for p in written}}
    styles = _Styles(cells)
    # In the order XlsxWriter would have numbered them: the first row's cells, left to right.
    moment, day = (styles.of(DATETIME_FORMAT), styles.of(DATE_FORMAT)) if written else (0, 0)
    serial = cells.moment_serial

    def lines() -> Iterator[str]:
        for row, promise in enumerate(written, 2):
            money = styles.money(promise.currency)
            agent = (
                ""
                if promise.agent_id is None
                else f'<c r="B{row}" t="inlineStr"><is>{agent_text(promise.agent_id)}</is></c>'
            )
            yield (
                f'<row r="{row}"><c r="A{row}" t="inlineStr"><is>{account_text(promise.account_id)}</is></c>'
                f'{agent}<c r="C{row}" s="{moment}"><v>{serial(promise.made_at):.16G}</v></c>'
                f'<c r="D{row}" s="{day}"><v>{_day_serial(promise.due_date):.16G}</v></c>'
                f'<c r="E{row}" s="{money}"><v>{promise.amount:.16G}</v></c>'
                f'<c r="F{row}" t="inlineStr"><is>{currency_text[promise.currency]}</is></c>'
                f'<c r="G{row}" s="{money}"><v>{promise.paid_toward:.16G}</v></c>'
                f'<c r="H{row}" t="inlineStr"><is>{outcome_text[promise.outcome]}</is></c></row>'
            )

    _stream(rows, lines())
    return _LongSheet(sheet.index, "H", len(written), rows)


def _write_payments(
    sheet: Worksheet, cells: _Cells, payments: Sequence[PaymentRow], rows: IO[bytes]
) -> _LongSheet:
    """A row per payment (a month of a million accounts: about 85,000), written as the promises are."""
    methods = {p.method: _method(p) for p in payments}  # named once per method, not once per row
    columns = [
        _Column(_("Received at"), 17),
        _Column(_("Account id"), _width(_("Account id"), (p.account_id for p in payments))),
        _Column(_("Agent id"), _width(_("Agent id"), (p.agent_id for p in payments))),
        _Column(_("Amount"), 16),
        _Column(_("Currency"), 10),
        _Column(_("Method"), _width(_("Method"), methods.values())),
        _Column(_("Reference"), _width(_("Reference"), (p.reference for p in payments), floor=14)),
    ]
    _head(sheet, cells, columns, len(payments))
    written = payments[: _MAX_ROWS - 1]
    account_text = _texts(p.account_id for p in written)
    agent_text = _texts(p.agent_id for p in written)
    reference_text = _texts(p.reference for p in written)
    currency_text = {c: _inline_text(_clean(c)) for c in {p.currency for p in written}}
    method_text = {method: _inline_text(_clean(name)) for method, name in methods.items() if name is not None}
    styles = _Styles(cells)
    moment = styles.of(DATETIME_FORMAT) if written else 0
    serial = cells.moment_serial

    def lines() -> Iterator[str]:
        for row, payment in enumerate(written, 2):
            money = styles.money(payment.currency)
            agent = (
                ""
                if payment.agent_id is None
                else f'<c r="C{row}" t="inlineStr"><is>{agent_text(payment.agent_id)}</is></c>'
            )
            name = None if payment.method is None else method_text.get(payment.method)
            method = "" if name is None else f'<c r="F{row}" t="inlineStr"><is>{name}</is></c>'
            reference = (
                ""
                if payment.reference is None
                else f'<c r="G{row}" t="inlineStr"><is>{reference_text(payment.reference)}</is></c>'
            )
            yield (
                f'<row r="{row}"><c r="A{row}" s="{moment}"><v>{serial(payment.received_at):.16G}</v></c>'
                f'<c r="B{row}" t="inlineStr"><is>{account_text(payment.account_id)}</is></c>{agent}'
                f'<c r="D{row}" s="{money}"><v>{payment.amount:.16G}</v></c>'
                f'<c r="E{row}" t="inlineStr"><is>{currency_text[payment.currency]}</is></c>'
                f"{method}{reference}</row>"
            )

    _stream(rows, lines())
    return _LongSheet(sheet.index, "G", len(written), rows)


def _stream(rows: IO[bytes], lines: Iterable[str]) -> None:
    """A long sheet's rows of XML, written _ROWS_A_WRITE at a time: constant memory, few writes."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == _ROWS_A_WRITE:
            rows.write("".join(batch).encode())
            batch.clear()
    rows.write("".join(batch).encode())


def _method(payment: PaymentRow) -> str | None:
    return method_name(payment.method) if payment.method else payment.method
