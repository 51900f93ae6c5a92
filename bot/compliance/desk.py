"""The contact rules' entry points: one transaction each, for handlers and the other desks."""

from __future__ import annotations

from bot.compliance.records import ComplianceRefusedError, allow_once, note_refusal
from bot.ledger.records.submissions import claim_command
from bot.runtime import Runtime


def record_refusal(
    runtime: Runtime, refused: ComplianceRefusedError, *, actor: str, claim: str | None = None
) -> None:
    """In its own transaction: the refused change itself was rolled back. `claim`: the slash
    command's key, which was rolled back with it; claimed here, so the same signed command sent
    again is refused as a replay instead of recording its refusal a second time."""
    with runtime.db.transaction() as session:
        if claim:
            claim_command(session, claim, now=runtime.now())
        note_refusal(session, refused, actor=actor, now=runtime.now())


def grant_override(runtime: Runtime, *, actor: str, account_id: str, rule: str, reason: str) -> str:
    with runtime.db.transaction() as session:
        return allow_once(
            session, actor=actor, account_id=account_id, rule=rule, reason=reason, now=runtime.now(),
            today=runtime.today(),
        )  # fmt: skip
