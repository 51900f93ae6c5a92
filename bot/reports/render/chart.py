"""The report chart posted in the supervisors' thread: collected against target per agent, and the
aging distribution against the previous period's, as one 1200 by 800 PNG.

Drawn with matplotlib's object-oriented API on an Agg canvas: no pyplot, so no global figure registry
and no GUI backend, whatever backend the rest of the process selected. Money stays Decimal for every
sum; it becomes float only at the moment it is handed to matplotlib, which draws in floating point.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.aging import AgingBucket
from bot.language.model import N_, _, number, speaker
from bot.reports.model import AgentNumbers, PerformanceReport, TeamNumbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_INCHES, HEIGHT_INCHES, DPI = 12, 8, 100  # 1200 by 800 pixels
TOP_AGENTS = 25
MIN_ROWS = 10
NAME_LIMIT = 28
OTHER_CURRENCIES_SHOWN = 4

COLLECTED_COLOR = "#2b6cb0"
TARGET_COLOR = "#c53030"
THIS_PERIOD_COLOR = "#2b6cb0"
PREVIOUS_PERIOD_COLOR = "#a0aec0"

_ZERO = Decimal(0)
_BUCKETS = [bucket.value for bucket in AgingBucket]
# The same words as the digest's (bot.blocks.digest), in the channel's language.
_TITLES = {"day": N_("Daily numbers"), "week": N_("Weekly numbers"), "month": N_("Monthly numbers")}
# matplotlib says it is not thread-safe: separate figures on Agg usually work from several threads,
# but shared caches (fonts, text layout) have had races. A chart is drawn a few times a day, so
# serialising the drawing costs nothing and removes the doubt.
DRAWING = threading.Lock()


def report_chart(report: PerformanceReport) -> bytes:
    """The PNG: agents' collections against their targets (left), aging now and before (right)."""
    with DRAWING:
        figure = report_figure(report)
        out = io.BytesIO()
        # No "Software" chunk (it carries matplotlib's version): the same report gives the same bytes.
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        return out.getvalue()


def report_figure(report: PerformanceReport) -> Figure:
    """The chart as a matplotlib Figure on its own Agg canvas, for tests and other formats. Not
    serialised: from several threads at once, go through report_chart."""
    # matplotlib (and numpy under it) are imported at the first chart: a serving bot needs them for
    # the digests only, and they are 40 MB and half a second of start-up.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(
        plain_text(f"{_(_TITLES[report.kind])} — {report.label} ({report.zone})", 150), fontsize=15
    )
    left, right = figure.subplots(1, 2, width_ratios=[1.3, 1])
    _draw_collected(left, report)
    _draw_aging(right, report.team)
    return figure


# --- Text -------------------------------------------------------------------------------------------


def plain_text(text: str, limit: int) -> str:
    """Text shown as written: an even number of `$` (two "R$" amounts, a name) would otherwise be
    typeset as mathtext, and a newline would break the layout."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("$", r"\$")


def _compact(value: float, _position: float | None = None) -> str:
    """Axis ticks as 1.25k or 300M: full amounts would overlap at this size."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.4g}"


def _agent_label(agent: AgentNumbers) -> str:
    return plain_text(agent.name.strip() or agent.agent_id, NAME_LIMIT)


# --- Left: collected against target -----------------------------------------------------------------


def ranked_agents(agents: Sequence[AgentNumbers], currency: str) -> list[AgentNumbers]:
    """Most collected in `currency` first, then most attempts; name and id keep the order stable."""
    return sorted(agents, key=lambda a: (-a.collected.get(currency, _ZERO), -a.attempts, a.name, a.agent_id))


def _draw_collected(axes: Axes, report: PerformanceReport) -> None:
    from matplotlib.ticker import FuncFormatter

    currency = report.team.target_currency
    agents = report.agents
    title = _("Collected against target, in {currency}").format(currency=currency)
    if len(agents) > TOP_AGENTS:
        title += " — " + _("top {top} of {count} agents").format(top=TOP_AGENTS, count=number(len(agents)))
    axes.set_title(plain_text(title, 120), fontsize=12)
    # The label doubles as the legend: a legend box would sit on top of the longest bars.
    label = plain_text(
        _("Bars: collected in {currency}, the target currency (other currencies not plotted)").format(
            currency=currency
        ),
        120,
    )
    axes.set_xlabel(label + "\n" + _("Red marks: each agent's target · % of target at the end of the bar"))
    axes.xaxis.set_major_formatter(FuncFormatter(_compact))
    if not agents:
        _say_empty(axes, _("No agents in this report"))
        return
    shown = ranked_agents(agents, currency)[:TOP_AGENTS]
    rows = list(range(len(shown)))
    # float() only to place bars on screen; no sum is taken of these values.
    collected = [float(agent.collected.get(currency, _ZERO)) for agent in shown]
    bars = axes.barh(rows, collected, color=COLLECTED_COLOR)
    axes.bar_label(bars, labels=[_share_of_target(agent, currency) for agent in shown], padding=3, fontsize=8)
    _draw_targets(axes, shown)
    axes.set_yticks(rows, labels=[_agent_label(agent) for agent in shown], fontsize=9)
    # Room for MIN_ROWS bars at least, so two agents get two bars, not two slabs; the top collector on top.
    axes.set_ylim(max(len(shown), MIN_ROWS) - 0.5, -0.5)
    axes.grid(axis="x", alpha=0.3)


def _share_of_target(agent: AgentNumbers, currency: str) -> str:
    """ "85%" beside the bar, computed on the Decimals; nothing when there is no target."""
    if agent.target is None or agent.target == 0:
        return ""
    return speaker().percent(agent.collected.get(currency, _ZERO) / agent.target)


def _draw_targets(axes: Axes, shown: Sequence[AgentNumbers]) -> None:
    targeted = [(row, agent.target) for row, agent in enumerate(shown) if agent.target is not None]
    if not targeted:
        return
    # float() only to place the markers; the targets themselves stay Decimal.
    xs = [float(target) for _, target in targeted]
    ys = [row for row, _ in targeted]
    axes.scatter(xs, ys, marker="|", s=260, linewidths=2.5, color=TARGET_COLOR, zorder=3)


# --- Right: aging now against the previous period ---------------------------------------------------


def _totals(aging: Mapping[str, Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """Each currency's balance over its buckets: sums within one currency, never across two."""
    return {currency: sum(buckets.values(), _ZERO) for currency, buckets in aging.items()}


def main_currency(team: TeamNumbers) -> str | None:
    """The currency with the largest balance at the end of the period (the previous period's when the
    team owes nothing now); ties go to the first code alphabetically."""
    totals = _totals(team.aging) or _totals(team.aging_previous)
    if not totals:
        return None
    return max(sorted(totals), key=lambda currency: totals[currency])


def _buckets(team: TeamNumbers, currency: str) -> list[str]:
    # Buckets the enum does not know (a future configuration) are still drawn, after the known ones.
    seen = set(team.aging.get(currency, {})) | set(team.aging_previous.get(currency, {}))
    return _BUCKETS + sorted(seen - set(_BUCKETS))


def _draw_aging(axes: Axes, team: TeamNumbers) -> None:
    from matplotlib.ticker import FuncFormatter

    currency = main_currency(team)
    if currency is None:
        axes.set_title(_("Aging"), fontsize=12)
        _say_empty(axes, _("No balances owed"))
        return
    buckets = _buckets(team, currency)
    places = list(range(len(buckets)))
    width = 0.4
    # float() only to size the bars; totals are taken on the Decimals, in _totals.
    before = [float(team.aging_previous.get(currency, {}).get(bucket, _ZERO)) for bucket in buckets]
    now = [float(team.aging.get(currency, {}).get(bucket, _ZERO)) for bucket in buckets]
    axes.bar(
        [p - width / 2 for p in places],
        before,
        width,
        color=PREVIOUS_PERIOD_COLOR,
        label=_("Previous period end"),
    )
    axes.bar([p + width / 2 for p in places], now, width, color=THIS_PERIOD_COLOR, label=_("This period end"))
    axes.set_xticks(places, labels=[plain_text(bucket, 12) for bucket in buckets])
    axes.set_title(
        plain_text(_("Aging in {currency}, the largest balance").format(currency=currency), 120), fontsize=12
    )
    axes.set_ylabel(plain_text(_("Balance in {currency}").format(currency=currency), 60))
    axes.set_xlabel(_aging_note(team, currency))
    axes.yaxis.set_major_formatter(FuncFormatter(_compact))
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="best")


def _aging_note(team: TeamNumbers, shown: str) -> str:
    """The x label: days past due, then the other currencies' balances, which the bars leave out."""
    totals = _totals(team.aging)
    others = sorted(currency for currency in totals if currency != shown)
    if not others:
        return _("Days past due")
    listed = [
        plain_text(speaker().money(totals[currency], currency), 40)
        for currency in others[:OTHER_CURRENCIES_SHOWN]
    ]
    if len(others) > OTHER_CURRENCIES_SHOWN:
        listed.append(_("+{count} more").format(count=number(len(others) - OTHER_CURRENCIES_SHOWN)))
    # Two amounts a line: the panel is about 500 pixels wide.
    lines = [" · ".join(listed[i : i + 2]) for i in range(0, len(listed), 2)]
    return "\n".join([_("Days past due"), _("Not plotted, owed in other currencies:"), *lines])


def _say_empty(axes: Axes, text: str) -> None:
    axes.text(
        0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, fontsize=12, color="#4a5568"
    )
    axes.set_xticks([])
    axes.set_yticks([])
