"""Dunning on the command line: `collect-bot run dunning --dry-run` (what today's run would send and
hold back, nothing written) and `collect-bot letters --date D --out DIR` (the print room's batch).

Exit codes of `letters`: 0 written (or nothing new); 2 bad arguments, settings or database (see
wiring.cli.main)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from bot.dunning.job import plan_dunning
from bot.job_faults import SkippedRows
from bot.runtime import Runtime


def print_dunning_plan(runtime: Runtime, at: datetime) -> int:
    """One line per account with a stage due: would be sent, or held back and why."""
    skipped = SkippedRows("dunning")
    planned = plan_dunning(runtime, at, skipped)
    sending = [d for d in planned.decisions if d.sends]
    held = [d for d in planned.decisions if not d.sends]
    print(f"dunning for {planned.day.isoformat()} (dry run: nothing is written or sent)")
    print(f"would send {len(sending)}:")
    for decision in sending:
        stage = decision.stage
        print(f"  {decision.account_id}  {stage.name}: {stage.kind.value} by {stage.channel.value}")
    print(f"would hold back {len(held)}:")
    for decision in held:
        why = f"{decision.held}" + (f" ({decision.detail})" if decision.detail else "")
        print(f"  {decision.account_id}  {decision.stage.name}: {why}")
    for fault in skipped.faults.values():
        print(f"could not judge {fault.row.what}: {fault.problem}")
    print("the contact rules are checked again when sending: an email outside the customer's hours waits")
    return 0


def add_letters_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Added once the documents table is there (the lead's correspondence core)."""
