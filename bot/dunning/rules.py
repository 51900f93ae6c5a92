"""The dunning rules as plain functions: reading a schedule file, and which stage is due for an
account today and whether it goes out.

- The stage due is the highest one whose days past due the account has reached. Lower stages the
  account skipped (it arrived at 30 days past due with nothing sent) are never sent afterwards: the
  customer gets the letter that fits how late they are, not a backlog.
- Each stage once per delinquency, and never back: once a stage was used (sent, queued or
  cancelled), neither it nor any stage before it is due again while the delinquency lasts.
- A stage due is held back, with a reason: the account is on hold; an open promise is not yet
  broken; the customer was contacted by the stage's channel within its quiet days; there is no
  email (no postal address) for it. A held stage stays due and goes out on a later day when the
  reason is gone, unless a higher stage is due by then.
- A closed account, or one owing nothing, is due nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.compliance.rules.contact_limits import hold_block
from bot.correspondence.model import SendChannel
from bot.correspondence.rules import overshadows
from bot.dunning.model import Decision, DunningFacts, DunningSchedule, HeldBack, Stage
from bot.vocabulary import CLOSED_STATUSES


class ScheduleError(ValueError):
    """A schedule file that cannot be used; the message names the line and the field."""


def parse_schedule(text: str, source: str = "the dunning schedule") -> DunningSchedule:
    """The schedule a YAML text describes: `stages:`, a list of `name`, `days`, `kind`, `channel` and
    optional `quiet_days`. A problem raises ScheduleError naming `source`, the line and the field."""
    node, data = yaml_mapping(text, source, ScheduleError, "`stages:` with a list of stages")
    try:
        return DunningSchedule.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        field = field_path(location)
        line = line_of(node, location)
        where = f", line {line}" if line else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ScheduleError(f"{source}{where}: {field or 'stages'}: {message}") from None


def yaml_mapping(
    text: str, source: str, error: type[ValueError], expected: str
) -> tuple[yaml.Node | None, dict[str, Any]]:
    """A settings file's YAML as a mapping (empty for an empty file), with its node tree for
    line_of; raises `error` naming `source` and the line when it is not YAML, or says `expected`
    when it is not a mapping."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as wrong:
        mark = getattr(wrong, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(wrong, "problem", None) or str(wrong)
        raise error(f"{source}{where}: not YAML ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error(f"{source}, line 1: expected {expected}")
    return node, data


def field_path(location: Sequence[int | str]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def line_of(node: yaml.Node | None, location: Sequence[int | str]) -> int | None:
    """The 1-based line of the deepest node the location reaches: the field, else its stage."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            found = next((pair for pair in node.value if getattr(pair[0], "value", None) == part), None)
            if found is None:
                break
            node = found[1]
            line = found[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def stage_due(schedule: DunningSchedule, facts: DunningFacts) -> Stage | None:
    """The stage this account should have now, if it has not had it or a later one."""
    if facts.status in CLOSED_STATUSES or facts.balance <= 0:
        return None
    reached = [index for index, stage in enumerate(schedule.stages) if stage.days <= facts.days_past_due]
    if not reached:
        return None
    highest = reached[-1]
    used = [index for index, stage in enumerate(schedule.stages) if stage.name in facts.stages_sent]
    if used and max(used) >= highest:
        return None
    return schedule.stages[highest]


def decide(schedule: DunningSchedule, facts: DunningFacts, today: date) -> Decision | None:
    """The stage due for the account today, sent or held back with the reason; None when no stage
    is due (nothing reached yet, already had, closed)."""
    stage = stage_due(schedule, facts)
    if stage is None:
        return None
    held, detail = _held_back(stage, facts, today)
    return Decision(facts.account_pk, facts.account_id, stage, held, detail, facts.days_past_due)


def _held_back(stage: Stage, facts: DunningFacts, today: date) -> tuple[HeldBack | None, str]:
    hold = hold_block(facts.status, facts.hold_reason)
    if hold is not None:
        return HeldBack.ON_HOLD, facts.hold_reason or facts.status
    if overshadows(stage.kind, facts.validation_ends, today, facts.profile):
        assert facts.validation_ends is not None
        return HeldBack.VALIDATION_PERIOD, facts.validation_ends.isoformat()
    if facts.promise_kept_until is not None and facts.promise_kept_until >= today:
        return HeldBack.PROMISE, facts.promise_kept_until.isoformat()
    last = facts.last_contact.get(stage.channel.value)
    if stage.quiet_days and last is not None and (today - last).days < stage.quiet_days:
        return HeldBack.RECENT_CONTACT, last.isoformat()
    if stage.channel == SendChannel.EMAIL and not facts.email_on:
        return HeldBack.EMAIL_OFF, ""
    if stage.channel == SendChannel.EMAIL and not facts.has_email:
        return HeldBack.NO_EMAIL, ""
    if stage.channel == SendChannel.LETTER and not facts.has_address:
        return HeldBack.NO_ADDRESS, ""
    return None, ""


def within_daily_limit(decisions: Sequence[Decision], room: int | None) -> list[Decision]:
    """At most `room` sends (None: no limit), the most past due first (then the account's order);
    the others held back for the day's limit, to go on a later day. The first run over a whole
    portfolio is a backlog: the limit spreads it over days instead of one print run and one burst
    of email from a sender nobody has heard from yet."""
    if room is None:
        return list(decisions)
    ranked = sorted((d for d in decisions if d.sends), key=lambda d: -d.days_past_due)
    going = {id(d) for d in ranked[: max(0, room)]}
    return [d if not d.sends or id(d) in going else replace(d, held=HeldBack.DAILY_LIMIT) for d in decisions]


def plan(schedule: DunningSchedule, accounts: Iterable[DunningFacts], today: date) -> list[Decision]:
    """One decision per account with a stage due, in the accounts' order: at most one stage each."""
    return [decision for facts in accounts if (decision := decide(schedule, facts, today)) is not None]


SHIPPED_SCHEDULE = Path(__file__).with_name("schedule.yml")
"""The schedule shipped in the package, used when COLLECT_DUNNING_FILE is empty."""


def read_schedule(path: str) -> DunningSchedule:
    """The schedule in the file at `path` (empty: the shipped one); ScheduleError names the problem."""
    file = Path(path) if path else SHIPPED_SCHEDULE
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ScheduleError(f"{file}: cannot be read ({reason}): name a YAML file of stages") from None
    return parse_schedule(text, str(file))
