"""The coaching outputs drawn from plain data: the trend chart (PNG, matplotlib on an Agg canvas as
the digest's chart is), and the monthly review as an XLSX (openpyxl) and a PDF (fpdf2, DejaVu Sans)
with the chart in it. Money stays Decimal; it becomes float only when handed to matplotlib."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from bot.coaching.model import Figures, MonthReview, PeriodFigures, Trend
from bot.correspondence.render import new_pdf
from bot.language.model import N_, _, number, speaker
from bot.reports.render.chart import DRAWING, plain_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

AGENT_COLOR = "#2b6cb0"
MEDIAN_COLOR = "#a0aec0"
TARGET_COLOR = "#c53030"
_TENTH = Decimal("0.1")

FIGURE_TITLES = {
    "attempts": N_("Attempts"),
    "rpc_rate": N_("RPC rate"),
    "kept_rate": N_("Kept rate"),
    "collected": N_("Collected ({currency})"),
    "share_of_target": N_("Collected ÷ target"),
    "target": N_("Target ({currency})"),
    "attempted_breaches": N_("Refused by the contact rules"),
    "complaints": N_("Complaints"),
}
RATES = {"rpc_rate", "kept_rate", "share_of_target"}


# --- Words and figures ------------------------------------------------------------------------------


def shown(name: str, value: Decimal | None) -> str:
    """A figure as people read it: a rate as a percentage to a tenth, a count as a number (a median
    of counts may be a half), "n/a" when there is none."""
    if value is None:
        return _("n/a")
    if name in RATES:
        return speaker().percent((value * 100).quantize(_TENTH, rounding=ROUND_HALF_UP) / 100, 1)
    return speaker().number(value.normalize() if value == value.to_integral_value() else value)


def money(amount: Decimal | None, currency: str) -> str:
    return _("n/a") if amount is None else speaker().money(amount, currency)


def figure_rows(period: PeriodFigures, currency: str) -> list[tuple[str, str, str]]:
    """(figure, the agent's, the team's median), collected per currency (target currency first)."""
    agent, team = period.agent, period.median
    rows = [
        (_(FIGURE_TITLES[name]), shown(name, getattr(agent, name)), shown(name, getattr(team, name)))
        for name in ("attempts", "rpc_rate", "kept_rate")
    ]
    currencies = sorted({currency, *agent.collected, *team.collected}, key=lambda c: (c != currency, c))
    for code in currencies:
        rows.append(
            (
                _(FIGURE_TITLES["collected"]).format(currency=code),
                money(agent.collected.get(code, Decimal(0)), code),
                money(team_collected(team, code), code),
            )
        )
    rows.append((_(FIGURE_TITLES["target"]).format(currency=currency),
                 money(agent.target, currency), money(team.target, currency)))  # fmt: skip
    rows += [
        (_(FIGURE_TITLES[name]), shown(name, getattr(agent, name)), shown(name, getattr(team, name)))
        for name in ("share_of_target", "attempted_breaches", "complaints")
    ]
    return rows


def team_collected(team: Figures, currency: str) -> Decimal | None:
    """The median collected in a currency: nothing in it by anyone is a median of 0 (a team with
    agents); None only when there is no agent to take a median of."""
    if team.attempts is None:
        return None
    return team.collected.get(currency, Decimal(0))


# --- The chart ---------------------------------------------------------------------------------------


def trend_chart(trend: Trend) -> bytes:
    """Six small charts, one per figure, the agent's weeks (solid) against the team's median
    (dashed); collected in the target currency with the agent's target (dotted)."""
    # matplotlib and openpyxl are imported when a review is drawn: the Home imports this module.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with DRAWING:
        figure = Figure(figsize=(12, 8), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(_("{name}: the last {weeks} weeks against the team's median").format(
            name=plain_text(_printable(trend.name), 60), weeks=number(len(trend.weeks))), fontsize=14)  # fmt: skip
        axes = figure.subplots(2, 3).flatten()
        labels = [speaker().short_day(week.first_day) for week in trend.weeks]
        panels: list[tuple[str, Callable[[Figures], Decimal | None]]] = [
            ("attempts", lambda f: f.attempts),
            ("rpc_rate", lambda f: f.rpc_rate),
            ("kept_rate", lambda f: f.kept_rate),
            ("collected", lambda f: f.collected.get(trend.currency)),
            ("attempted_breaches", lambda f: f.attempted_breaches),
            ("complaints", lambda f: f.complaints),
        ]
        for ax, (name, pick) in zip(axes, panels, strict=True):
            _panel(ax, name, trend, labels, pick)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=100, metadata={"Software": None})
        return out.getvalue()


def _printable(text: str) -> str:
    """Without control characters, which no font draws."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _floats(values: list[Decimal | None], scale: int = 1) -> list[float]:
    return [float("nan") if v is None else float(v * scale) for v in values]


def _panel(
    ax: Axes, name: str, trend: Trend, labels: list[str], pick: Callable[[Figures], Decimal | None]
) -> None:
    scale = 100 if name in RATES else 1
    xs = list(range(len(labels)))
    ax.plot(xs, _floats([pick(w.agent) for w in trend.weeks], scale), color=AGENT_COLOR, marker="o",
            label=plain_text(_printable(trend.name), 28))  # fmt: skip
    medians = [team_collected(w.median, trend.currency) if name == "collected" else pick(w.median)
               for w in trend.weeks]  # fmt: skip
    ax.plot(xs, _floats(medians, scale), color=MEDIAN_COLOR, linestyle="--",
            label=_("team median"))  # fmt: skip
    if name == "collected":
        ax.plot(xs, _floats([w.agent.target for w in trend.weeks]), color=TARGET_COLOR, linestyle=":",
                label=_("target"))  # fmt: skip
    title = _(FIGURE_TITLES[name]).format(currency=trend.currency)
    ax.set_title(title + (" (%)" if scale == 100 else ""), fontsize=11)
    ax.set_xticks(xs, labels, rotation=60, fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)


# --- The monthly review ----------------------------------------------------------------------------------


def review_workbook(review: MonthReview) -> bytes:
    """Two sheets: the month's figures (agent, team median), then the weeks of the trend."""
    # A control character in a roster name would make openpyxl refuse the whole workbook.
    review = replace(review, name=_printable(review.name))
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    book.properties.creator = "collect-bot"
    book.properties.title = _("Monthly review: {name}, {month}").format(
        name=review.name, month=review.month.label
    )
    month = book.create_sheet(_("Month"))
    month.append([_("Monthly review: {name}, {month}").format(name=review.name, month=review.month.label)])
    month.append([_("Figure"), review.name, _("Team median")])
    currency = review.trend.currency
    for row in _numbers(review.month, currency):
        month.append(list(row))
    weeks = book.create_sheet(_("Weeks"))
    weeks.append([_("Week of"), *(_(FIGURE_TITLES[n]).format(currency=currency) for n in _WEEK_COLUMNS),
                  *(_("Team median") + ": " + _(FIGURE_TITLES[n]).format(currency=currency)
                    for n in _WEEK_COLUMNS)])  # fmt: skip
    for week in review.trend.weeks:
        weeks.append([week.first_day, *(_value(week.agent, n, currency) for n in _WEEK_COLUMNS),
                      *(_value(week.median, n, currency) for n in _WEEK_COLUMNS)])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_WEEK_COLUMNS = ("attempts", "rpc_rate", "kept_rate", "collected", "share_of_target", "attempted_breaches",
                 "complaints")  # fmt: skip


def _value(figures: Figures, name: str, currency: str) -> Decimal | None:
    if name == "collected":
        return figures.collected.get(currency, Decimal(0)) if figures.attempts is not None else None
    value: Decimal | None = getattr(figures, name)
    return value


def _numbers(period: PeriodFigures, currency: str) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """The month's figures as numbers (the sheet keeps them exact; the PDF shows them in words)."""
    rows: list[tuple[str, Decimal | None, Decimal | None]] = [
        (_(FIGURE_TITLES[n]), getattr(period.agent, n), getattr(period.median, n))
        for n in ("attempts", "rpc_rate", "kept_rate")
    ]
    currencies = sorted({currency, *period.agent.collected, *period.median.collected},
                        key=lambda c: (c != currency, c))  # fmt: skip
    rows += [
        (_(FIGURE_TITLES["collected"]).format(currency=c), period.agent.collected.get(c, Decimal(0)),
         team_collected(period.median, c))
        for c in currencies
    ]  # fmt: skip
    rows.append(
        (_(FIGURE_TITLES["target"]).format(currency=currency), period.agent.target, period.median.target)
    )
    rows += [
        (_(FIGURE_TITLES[n]), getattr(period.agent, n), getattr(period.median, n))
        for n in ("share_of_target", "attempted_breaches", "complaints")
    ]
    return rows


def review_pdf(review: MonthReview, chart: bytes, today: datetime) -> bytes:
    """An A4 page: the month's figures against the team's median and the target, then the chart of
    the 13 weeks. Dated by `today`, so the same review gives the same bytes."""
    pdf = new_pdf()
    pdf.set_creation_date(today.astimezone(UTC))
    title = _("Monthly review: {name}, {month}").format(name=review.name, month=review.month.label)
    pdf.set_title(title)
    pdf.set_author("collect-bot")
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, _("Each figure beside the team's median for the same month ({zone} time).").format(
        zone=review.zone), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    widths = (80, 50, 50)
    pdf.set_font("DejaVu", "B", 10)
    for width, text in zip(widths, (_("Figure"), review.name, _("Team median")), strict=True):
        pdf.cell(width, 7, text[:40], border=1)
    pdf.ln()
    pdf.set_font("DejaVu", "", 10)
    for row in figure_rows(review.month, review.trend.currency):
        for width, text in zip(widths, row, strict=True):
            pdf.cell(width, 6.5, text, border=1)
        pdf.ln()
    pdf.ln(4)
    pdf.image(io.BytesIO(chart), w=180)
    return bytes(pdf.output())
